//! Subscribers: callbacks run for every logged event, after it is stored and
//! outside every lock, on the thread that logged it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;

use super::event::Event;

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
    /// Events not handed to the callback (always 0 for synchronous delivery).
    pub dropped: u64,
}

struct Subscription {
    id: u64,
    callback: Callback,
    active: AtomicBool,
    delivered: AtomicU64,
    failed: AtomicU64,
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

    pub(crate) fn add(&self, callback: Callback) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let sub = Arc::new(Subscription {
            id,
            callback,
            active: AtomicBool::new(true),
            delivered: AtomicU64::new(0),
            failed: AtomicU64::new(0),
        });
        let mut list = self.list.lock();
        let mut next = Vec::clone(&list);
        next.push(sub);
        self.len.store(next.len(), Ordering::Release);
        *list = Arc::new(next);
        id
    }

    pub(crate) fn remove(&self, id: u64) -> bool {
        let removed = {
            let mut list = self.list.lock();
            let Some(pos) = list.iter().position(|s| s.id == id) else {
                return false;
            };
            let mut next = Vec::clone(&list);
            let removed = next.remove(pos);
            removed.active.store(false, Ordering::Release);
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
            sub.active.store(false, Ordering::Release);
        }
        drop(old);
    }

    pub(crate) fn stats(&self, id: u64) -> Option<SubscriptionStats> {
        let list = self.list.lock().clone();
        let sub = list.iter().find(|s| s.id == id)?;
        Some(SubscriptionStats {
            delivered: sub.delivered.load(Ordering::Relaxed),
            failed: sub.failed.load(Ordering::Relaxed),
            dropped: 0,
        })
    }

    /// Calls every active subscriber with `event`, in subscription order.
    pub(crate) fn notify(&self, event: &Event) {
        let snapshot = self.list.lock().clone();
        for sub in snapshot.iter() {
            if !sub.active.load(Ordering::Acquire) {
                continue;
            }
            let ok = catch_unwind(AssertUnwindSafe(|| (sub.callback)(event))).unwrap_or(false);
            sub.delivered.fetch_add(1, Ordering::Relaxed);
            if !ok {
                sub.failed.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
