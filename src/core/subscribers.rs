//! Subscribers: callbacks run for every logged event, after it is stored and
//! outside every lock: synchronously on the thread that logged it, or through a
//! bounded queue fed by the ordered stream, on a thread of the library's (see
//! [`Delivery`]).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

use super::error::{Error, ErrorKind, Result};
use super::event::Event;
use super::queue::{Delivery, Queue};
use super::sync::{thread, thread_local, Arc, AtomicBool, AtomicU64, AtomicUsize, Mutex, Ordering};

/// A subscriber callback. It returns `true` when it handled the event and `false`
/// to report a failure; a panic also counts as a failure. Either way logging and
/// the other subscribers carry on.
pub type Callback = Box<dyn Fn(&Event) -> bool + Send + Sync>;

/// How deep synchronous callbacks may nest by logging from inside a callback
/// (each level costs stack); a `log` deeper than this is refused.
pub const MAX_NESTED_LOG_DEPTH: u32 = 16;

thread_local! {
    /// How many synchronous dispatches are under way on this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

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

pub(crate) struct Subscription {
    id: u64,
    /// `None` for a queue its maker consumes on a thread of its own.
    callback: Option<Callback>,
    queue: Option<Arc<Queue>>,
    active: AtomicBool,
    delivered: AtomicU64,
    failed: AtomicU64,
}

impl Subscription {
    fn deliver(&self, event: &Event) {
        let Some(callback) = &self.callback else {
            return;
        };
        let ok = catch_unwind(AssertUnwindSafe(|| callback(event))).unwrap_or(false);
        self.delivered.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The subscription's id (never 0).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// The queue feeding a queued subscription.
    pub(crate) fn queue(&self) -> Option<&Arc<Queue>> {
        self.queue.as_ref()
    }

    /// Stops delivery: queued events are discarded and counted as dropped,
    /// except in a queue without a callback, whose consumer drains it and
    /// sees the end.
    pub(crate) fn end(&self) {
        self.active.store(false, Ordering::Release);
        match (&self.queue, &self.callback) {
            (Some(queue), Some(_)) => queue.close(),
            (Some(queue), None) => queue.finish(),
            (None, _) => {}
        }
    }

    pub(crate) fn stats(&self) -> SubscriptionStats {
        SubscriptionStats {
            delivered: self.delivered.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dropped: self.queue.as_ref().map_or(0, |q| q.dropped()),
        }
    }
}

/// The body of a queued subscription's delivery thread. It holds the
/// subscription, so the callback is dropped (and its cleanup runs) here or by
/// whoever ends the subscription, whichever lets go last.
fn drain(sub: Arc<Subscription>, queue: Arc<Queue>) {
    queue.consume_on_this_thread();
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
    /// Synchronous subscriptions in `list`.
    sync_len: AtomicUsize,
    /// Queued subscriptions with the `Block` policy in `list`.
    blocking_len: AtomicUsize,
    next_id: AtomicU64,
}

impl Subscribers {
    /// Whether no synchronous subscription exists.
    pub(crate) fn no_sync(&self) -> bool {
        self.sync_len.load(Ordering::Acquire) == 0
    }

    /// Makes a subscription (starting its delivery thread if queued with a
    /// callback; without one, the caller consumes the queue) and lists it;
    /// the caller connects its queue to the stream.
    pub(crate) fn add(
        &self,
        callback: Option<Callback>,
        delivery: Delivery,
    ) -> Result<Arc<Subscription>> {
        debug_assert!(callback.is_some() || delivery != Delivery::Sync);
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
        });
        if let (Some(queue), Some(_)) = (queue, &sub.callback) {
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
        next.push(sub.clone());
        self.publish(&mut list, next);
        Ok(sub)
    }

    fn publish(&self, list: &mut Arc<Vec<Arc<Subscription>>>, next: Vec<Arc<Subscription>>) {
        let sync = next.iter().filter(|s| s.queue.is_none()).count();
        let blocking = next
            .iter()
            .filter(|s| {
                s.queue
                    .as_ref()
                    .is_some_and(|q| q.block_timeout().is_some())
            })
            .count();
        self.sync_len.store(sync, Ordering::Release);
        self.blocking_len.store(blocking, Ordering::Release);
        *list = Arc::new(next);
    }

    /// Unlists subscription `id` and returns it (the caller disconnects its
    /// queue from the stream, then ends it).
    pub(crate) fn remove(&self, id: u64) -> Option<Arc<Subscription>> {
        let mut list = self.list.lock();
        let pos = list.iter().position(|s| s.id == id)?;
        let mut next = Vec::clone(&list);
        let removed = next.remove(pos);
        self.publish(&mut list, next);
        Some(removed)
    }

    /// Unlists every subscription for which `which` holds; returns them.
    pub(crate) fn remove_all(
        &self,
        which: impl Fn(&Subscription) -> bool,
    ) -> Vec<Arc<Subscription>> {
        let mut list = self.list.lock();
        let (gone, kept): (Vec<_>, Vec<_>) = list.iter().cloned().partition(|s| which(s));
        self.publish(&mut list, kept);
        gone
    }

    pub(crate) fn stats(&self, id: u64) -> Option<SubscriptionStats> {
        let list = self.list.lock().clone();
        list.iter().find(|s| s.id == id).map(|s| s.stats())
    }

    /// The queues of `Block` subscriptions, where a producer must reserve a
    /// place before logging; empty (without locking) when there are none.
    pub(crate) fn blocking_queues(&self) -> Vec<Arc<Queue>> {
        if self.blocking_len.load(Ordering::Acquire) == 0 {
            return Vec::new();
        }
        let list = self.list.lock().clone();
        list.iter()
            .filter_map(|s| s.queue.clone())
            .filter(|q| q.block_timeout().is_some())
            .collect()
    }

    /// Waits until every queued subscription has delivered what it holds, or
    /// until `deadline`; returns whether they all went idle. Refused on a
    /// delivery thread, which would wait for itself.
    pub(crate) fn flush(&self, deadline: Instant) -> Result<bool> {
        if Queue::on_any_consumer_thread() {
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

    /// Fails when this thread is already [`MAX_NESTED_LOG_DEPTH`] synchronous
    /// dispatches deep (a callback logging from a callback ...).
    pub(crate) fn check_depth() -> Result<()> {
        if DEPTH.with(|d| d.get()) >= MAX_NESTED_LOG_DEPTH {
            return Err(Error::new(
                ErrorKind::TooDeep,
                format!(
                    "logging from inside subscriber callbacks nested more than {MAX_NESTED_LOG_DEPTH} levels deep"
                ),
            ));
        }
        Ok(())
    }

    /// Calls every active synchronous subscriber with `event`, in subscription order.
    pub(crate) fn notify(&self, event: &Event) {
        let snapshot = self.list.lock().clone();
        DEPTH.with(|d| d.set(d.get() + 1));
        for sub in snapshot.iter() {
            if sub.queue.is_none() && sub.active.load(Ordering::Acquire) {
                sub.deliver(event);
            }
        }
        DEPTH.with(|d| d.set(d.get() - 1));
    }

    /// For fork handling: the list's lock, held until the box is dropped,
    /// and the list it protects.
    ///
    /// # Safety
    /// The box must be dropped before `self` is.
    #[cfg(not(feature = "shuttle"))]
    pub(crate) unsafe fn lock_for_fork(
        &self,
    ) -> (Box<dyn std::any::Any>, Arc<Vec<Arc<Subscription>>>) {
        let guard = self.list.lock();
        let list = guard.clone();
        (guard.held_across_fork(), list)
    }
}
