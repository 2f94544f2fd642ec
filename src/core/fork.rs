//! Fork safety. A process that forks while other threads log would otherwise
//! hand the child locks that no thread of the child will ever release, and
//! queued subscriptions whose delivery threads do not exist there. Handlers
//! registered with `pthread_atfork` take every logger's locks around `fork`
//! (so the child's copies are consistent and free), and in the child end every
//! inherited queued subscription: its queued events count as dropped, new
//! events are no longer queued for it, and its `free_ctx`/cleanup never runs
//! in the child (it runs in the parent, which still owns the subscription).

use std::sync::{Once, Weak};

use parking_lot::Mutex;

use super::logger::Shared;
use super::sync::Arc;

/// Every live logger. Dead entries are pruned when loggers are made.
static LOGGERS: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// The loggers held across a fork, from `prepare` to `parent`/`child`.
static HELD: Mutex<Vec<Arc<Shared>>> = Mutex::new(Vec::new());

/// Lists a new logger (and installs the handlers on first use).
pub(crate) fn register(shared: &Arc<Shared>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: the handlers are `extern "C"` functions that never unwind.
        unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
    });
    let mut loggers = LOGGERS.lock();
    loggers.retain(|w| w.strong_count() > 0);
    loggers.push(Arc::downgrade(shared));
}

/// Before fork: takes the registry, then each logger's lock, subscriber list
/// and queues, in the order the library always takes them.
extern "C" fn prepare() {
    let loggers = LOGGERS.lock();
    let live: Vec<Arc<Shared>> = loggers.iter().filter_map(Weak::upgrade).collect();
    std::mem::forget(loggers);
    let mut held = HELD.lock();
    for shared in &live {
        std::mem::forget(shared.state.lock());
        for sub in shared.subscribers.lock_for_fork().iter() {
            if let Some(queue) = sub.queue() {
                queue.lock_for_fork();
            }
        }
    }
    *held = live;
    std::mem::forget(held);
}

/// Releases what [`prepare`] took, in reverse order; returns the loggers.
fn release() -> Vec<Arc<Shared>> {
    // SAFETY: `prepare` took exactly these locks on this thread (or on the
    // thread of the parent that the child is a copy of).
    unsafe {
        let held = std::mem::take(&mut *HELD.data_ptr());
        HELD.force_unlock();
        for shared in held.iter().rev() {
            // The list was locked in `prepare`, so it has not changed since.
            for sub in (*shared.subscribers.list_ptr()).iter() {
                if let Some(queue) = sub.queue() {
                    queue.unlock_after_fork();
                }
            }
            shared.subscribers.unlock_after_fork();
            shared.state.force_unlock();
        }
        LOGGERS.force_unlock();
        held
    }
}

extern "C" fn parent() {
    drop(release());
}

extern "C" fn child() {
    for shared in release() {
        let queued = shared.subscribers.remove_all(|s| s.queue().is_some());
        for sub in &queued {
            shared.end(sub);
        }
        // The delivery thread's share of each subscription is never released
        // in the child, so its cleanup does not run here.
        drop(queued);
    }
}
