//! Fork safety. A process that forks while other threads log would otherwise
//! hand the child locks that no thread of the child will ever release, and
//! queued subscriptions whose delivery threads do not exist there. Handlers
//! registered with `pthread_atfork` take every logger's locks around `fork`
//! (so the child's copies are consistent and free), and in the child end every
//! inherited queued subscription: its queued events count as dropped, new
//! events are no longer queued for it, and its `free_ctx`/cleanup never runs
//! in the child (it runs in the parent, which still owns the subscription).
//! An inherited journal and forwarders stay the parent's too: in the child the
//! journal refuses events and closing the logger leaves both alone (their
//! threads exist only in the parent; see `Shared::forked`).

use std::any::Any;
use std::cell::RefCell;
use std::sync::{Once, Weak};

use super::logger::Shared;
use super::sync::{Arc, Mutex};

/// Every live logger. Dead entries are pruned when loggers are made.
static LOGGERS: Mutex<Vec<Weak<Shared>>> = Mutex::new(Vec::new());

/// What `prepare` took, in the order it took it, for `parent` or `child` (on
/// the forking thread, or its copy in the child) to release in reverse.
struct Held {
    guards: Vec<Box<dyn Any>>,
    /// Keeps the loggers whose locks `guards` hold alive until they are released.
    loggers: Vec<Arc<Shared>>,
}

thread_local! {
    static HELD: RefCell<Option<Held>> = const { RefCell::new(None) };
}

/// Lists a new logger (and installs the handlers on first use).
pub(crate) fn register(shared: &Arc<Shared>) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // SAFETY: the handlers are `extern "C"` functions that never unwind
        // (each body runs in catch_unwind).
        unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
    });
    let mut loggers = LOGGERS.lock();
    loggers.retain(|w| w.strong_count() > 0);
    loggers.push(Arc::downgrade(shared));
}

/// Before fork: takes the registry, then each logger's lock, subscriber list
/// and queues, in the order the library always takes them.
extern "C" fn prepare() {
    let _ = std::panic::catch_unwind(|| {
        let registry = LOGGERS.lock();
        let loggers: Vec<Arc<Shared>> = registry.iter().filter_map(Weak::upgrade).collect();
        // SAFETY: every guard is dropped in `release`, before `loggers`.
        let mut guards = vec![unsafe { registry.held_across_fork() }];
        for shared in &loggers {
            unsafe {
                guards.push(shared.state.lock().held_across_fork());
                let (list_guard, list) = shared.subscribers.lock_for_fork();
                guards.push(list_guard);
                for sub in list.iter() {
                    if let Some(queue) = sub.queue() {
                        guards.push(queue.lock_for_fork());
                    }
                }
            }
        }
        HELD.with(|h| *h.borrow_mut() = Some(Held { guards, loggers }));
    });
}

/// Releases what [`prepare`] took, in reverse order; returns the loggers.
fn release() -> Vec<Arc<Shared>> {
    let Some(mut held) = HELD.with(|h| h.borrow_mut().take()) else {
        return Vec::new();
    };
    while let Some(guard) = held.guards.pop() {
        drop(guard);
    }
    held.loggers
}

extern "C" fn parent() {
    let _ = std::panic::catch_unwind(|| drop(release()));
}

extern "C" fn child() {
    let _ = std::panic::catch_unwind(|| {
        for shared in release() {
            shared.forked();
            let queued = shared.subscribers.remove_all(|s| s.queue().is_some());
            for sub in &queued {
                shared.end(sub);
            }
            // The delivery thread's share of each subscription is never
            // released in the child, so its cleanup does not run here.
            drop(queued);
        }
    });
}
