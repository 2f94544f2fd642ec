//! The synchronisation primitives of the core, in one place, so that the
//! concurrency model checker can stand in for them: with the `shuttle` feature,
//! locks, condition variables, atomics, threads and thread-locals come from
//! shuttle, which explores thread interleavings (tests/model.rs).
//!
//! Otherwise they are the standard library's. Its locks keep no state outside
//! the lock word (no global table of parked threads), which is what lets a
//! forked child release the locks its parent held across `fork` (see
//! [`fork`](super::fork)).

#[cfg(not(feature = "shuttle"))]
pub(crate) use {
    std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    std::sync::Arc,
    std::thread,
    std::thread_local,
};

#[cfg(feature = "shuttle")]
pub(crate) use {
    shuttle::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    shuttle::sync::Arc,
    shuttle::thread,
    shuttle::thread_local,
};

#[cfg(not(feature = "shuttle"))]
use std::sync as imp;

#[cfg(feature = "shuttle")]
use shuttle::sync as imp;

use std::ops::{Deref, DerefMut};
use std::time::Instant;

/// A mutex whose `lock` returns the guard directly: a panic while it was held
/// does not poison it (the core's state stays consistent at every unlock).
#[derive(Default)]
pub(crate) struct Mutex<T>(imp::Mutex<T>);

/// The guard of [`Mutex`]; `None` only while a [`Condvar`] waits with it.
pub(crate) struct MutexGuard<'a, T>(Option<imp::MutexGuard<'a, T>>);

impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Mutex(imp::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        MutexGuard(Some(self.0.lock().unwrap_or_else(|e| e.into_inner())))
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.as_ref().expect("held")
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.as_mut().expect("held")
    }
}

impl<'a, T: 'static> MutexGuard<'a, T> {
    /// The guard with its lifetime erased, boxed, for holding a lock across
    /// `fork` (see [`fork`](super::fork)).
    ///
    /// # Safety
    /// The box must be dropped before the mutex is.
    #[cfg(not(feature = "shuttle"))]
    pub(crate) unsafe fn held_across_fork(self) -> Box<dyn std::any::Any> {
        let guard: MutexGuard<'static, T> = std::mem::transmute(self);
        Box::new(guard)
    }
}

/// Whether a timed wait ended by timing out. shuttle does not model time:
/// its waits never time out, so a missed wake-up shows as a deadlock.
pub(crate) struct WaitTimeoutResult(bool);

impl WaitTimeoutResult {
    pub(crate) fn timed_out(&self) -> bool {
        self.0
    }
}

/// A condition variable waiting on a [`MutexGuard`] in place.
#[derive(Default)]
pub(crate) struct Condvar(imp::Condvar);

impl Condvar {
    pub(crate) fn new() -> Self {
        Condvar(imp::Condvar::new())
    }

    pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
        let held = guard.0.take().expect("held");
        guard.0 = Some(self.0.wait(held).unwrap_or_else(|e| e.into_inner()));
    }

    /// Waits until notified or until `deadline` (never times out under shuttle).
    pub(crate) fn wait_until<T>(
        &self,
        guard: &mut MutexGuard<'_, T>,
        deadline: Instant,
    ) -> WaitTimeoutResult {
        #[cfg(feature = "shuttle")]
        {
            let _ = deadline;
            self.wait(guard);
            WaitTimeoutResult(false)
        }
        #[cfg(not(feature = "shuttle"))]
        {
            let held = guard.0.take().expect("held");
            let left = deadline.saturating_duration_since(Instant::now());
            let (held, result) = self
                .0
                .wait_timeout(held, left)
                .unwrap_or_else(|e| e.into_inner());
            guard.0 = Some(held);
            WaitTimeoutResult(result.timed_out())
        }
    }

    pub(crate) fn notify_one(&self) {
        self.0.notify_one();
    }

    pub(crate) fn notify_all(&self) {
        self.0.notify_all();
    }
}

/// `T` alone on its cache lines (two of them: Intel CPUs fetch lines in
/// adjacent pairs), so that a lock other cores take in turn does not make
/// them miss on the read-mostly data around it (false sharing).
#[repr(align(128))]
pub(crate) struct CachePadded<T>(pub(crate) T);

impl<T> Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}
