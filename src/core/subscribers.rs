//! Subscribers: callbacks run for every logged event, after it is stored and
//! outside every lock: synchronously on the thread that logged it, or through a
//! bounded queue on a thread of the library's (see [`Delivery`]).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use super::error::{Error, ErrorKind, Result};
use super::event::Event;
use super::queue::{Delivery, Offer, Queue};
use super::sync::{thread, thread_local, Arc, AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering};

thread_local! {
    /// Set on the library's delivery threads, where waiting for queues to drain
    /// would wait for oneself.
    static ON_DELIVERY_THREAD: Cell<bool> = const { Cell::new(false) };
}

/// A subscriber callback. It returns `true` when it handled the event and `false`
/// to report a failure; a panic also counts as a failure. Either way logging and
/// the other subscribers carry on.
pub type Callback = Box<dyn Fn(&Event) -> bool + Send + Sync>;

/// Per-subscription counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SubscriptionStats {
    /// Events handed to the callback, whatever it returned.
    pub delivered: u64,
    /// Of those, how many the callback reported as failed (or panicked on).
    pub failed: u64,
    /// Events never handed to the callback: discarded by the overflow policy, or
    /// still queued when the subscription ended (always 0 for synchronous delivery).
    pub dropped: u64,
}

struct Subscription {
    id: u64,
    callback: Callback,
    queue: Option<Arc<Queue>>,
    active: AtomicBool,
    delivered: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
}

impl Subscription {
    fn deliver(&self, event: &Event) {
        let ok = catch_unwind(AssertUnwindSafe(|| (self.callback)(event))).unwrap_or(false);
        self.delivered.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Stops delivery; queued events are discarded and counted as dropped.
    fn end(&self) {
        self.active.store(false, Ordering::Release);
        if let Some(queue) = &self.queue {
            self.dropped.fetch_add(queue.close(), Ordering::Relaxed);
        }
    }
}

/// The body of a queued subscription's delivery thread. It holds the
/// subscription, so the callback is dropped (and its cleanup runs) here or by
/// whoever ends the subscription, whichever lets go last.
fn drain(sub: Arc<Subscription>, queue: Arc<Queue>) {
    ON_DELIVERY_THREAD.with(|f| f.set(true));
    while let Some(event) = queue.next() {
        sub.deliver(&event);
    }
}

/// The registry. Dispatch takes a snapshot (one reference-count increment), so
/// callbacks may subscribe, unsubscribe and log re-entrantly without deadlock.
/// A subscription's callback is dropped (running any cleanup it owns) when the
/// subscription has been removed and no dispatch in flight still holds it.
#[derive(Default)]
pub(crate) struct Subscribers {
    list: Mutex<Arc<Vec<Arc<Subscription>>>>,
    len: AtomicUsize,
    next_id: AtomicU64,
}

impl Subscribers {
    pub(crate) fn is_empty(&self) -> bool {
        self.len.load(Ordering::Acquire) == 0
    }

    pub(crate) fn add(&self, callback: Callback, delivery: Delivery) -> Result<u64> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let queue = match delivery {
            Delivery::Sync => None,
            Delivery::Queued { capacity: 0, .. } => {
                return Err(Error::new(
                    ErrorKind::InvalidCapacity,
                    "queue capacity must be greater than 0",
                ))
            }
            Delivery::Queued { capacity, overflow } => {
                Some(Arc::new(Queue::new(capacity, overflow)))
            }
        };
        let sub = Arc::new(Subscription {
            id,
            callback,
            queue: queue.clone(),
            active: AtomicBool::new(true),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        });
        if let Some(queue) = queue {
            let worker = sub.clone();
            thread::Builder::new()
                .name(format!("audit-deliver-{id}"))
                .spawn(move || drain(worker, queue))
                .map_err(|e| {
                    Error::new(
                        ErrorKind::Io,
                        format!("cannot start a delivery thread: {e}"),
                    )
                })?;
        }
        let mut list = self.list.lock();
        let mut next = Vec::clone(&list);
        next.push(sub);
        self.len.store(next.len(), Ordering::Release);
        *list = Arc::new(next);
        Ok(id)
    }

    pub(crate) fn remove(&self, id: u64) -> bool {
        let removed = {
            let mut list = self.list.lock();
            let Some(pos) = list.iter().position(|s| s.id == id) else {
                return false;
            };
            let mut next = Vec::clone(&list);
            let removed = next.remove(pos);
            removed.end();
            self.len.store(next.len(), Ordering::Release);
            *list = Arc::new(next);
            removed
        };
        // Dropped here, outside the lock: the callback's cleanup may call back in.
        drop(removed);
        true
    }

    /// Removes every subscription (the logger is going away).
    pub(crate) fn clear(&self) {
        let old = std::mem::take(&mut *self.list.lock());
        self.len.store(0, Ordering::Release);
        for sub in old.iter() {
            sub.end();
        }
        drop(old);
    }

    pub(crate) fn stats(&self, id: u64) -> Option<SubscriptionStats> {
        let list = self.list.lock().clone();
        let sub = list.iter().find(|s| s.id == id)?;
        Some(SubscriptionStats {
            delivered: sub.delivered.load(Ordering::Relaxed),
            failed: sub.failed.load(Ordering::Relaxed),
            dropped: sub.dropped.load(Ordering::Relaxed),
        })
    }

    /// Waits until every queued subscription has delivered what it holds, or
    /// until `deadline`; returns whether they all went idle. Refused on a
    /// delivery thread, which would wait for itself.
    pub(crate) fn flush(&self, deadline: Instant) -> Result<bool> {
        if ON_DELIVERY_THREAD.with(|f| f.get()) {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "flush cannot be called from a queued subscriber's callback",
            ));
        }
        let snapshot = self.list.lock().clone();
        Ok(snapshot
            .iter()
            .filter_map(|s| s.queue.as_ref())
            .all(|q| q.wait_idle(deadline)))
    }

    /// Hands `event` to every active subscriber, in subscription order: calls
    /// synchronous ones, queues a copy for queued ones.
    pub(crate) fn notify(&self, event: &Event) {
        let snapshot = self.list.lock().clone();
        for sub in snapshot.iter() {
            if !sub.active.load(Ordering::Acquire) {
                continue;
            }
            match &sub.queue {
                None => sub.deliver(event),
                Some(queue) => {
                    if let Offer::Dropped = queue.offer(event) {
                        sub.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}
