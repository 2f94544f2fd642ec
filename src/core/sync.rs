//! The synchronisation primitives of the core, in one place, so that the
//! concurrency model checker can stand in for them: with the `shuttle` feature,
//! locks, condition variables, atomics, threads and thread-locals come from
//! shuttle, which explores thread interleavings (tests/model.rs).

#[cfg(not(feature = "shuttle"))]
pub(crate) use {
    parking_lot::{Condvar, Mutex},
    std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    std::sync::Arc,
    std::thread,
    std::thread_local,
};

#[cfg(feature = "shuttle")]
pub(crate) use {
    model::{Condvar, Mutex},
    shuttle::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    shuttle::sync::Arc,
    shuttle::thread,
    shuttle::thread_local,
};

/// shuttle's std-like locks behind parking_lot's interface, which the core uses.
#[cfg(feature = "shuttle")]
mod model {
    use std::ops::{Deref, DerefMut};
    use std::time::Instant;

    /// A mutex whose `lock` returns the guard directly.
    #[derive(Default)]
    pub(crate) struct Mutex<T>(shuttle::sync::Mutex<T>);

    /// The guard of [`Mutex`]; `None` only while a [`Condvar`] waits with it.
    pub(crate) struct MutexGuard<'a, T>(Option<shuttle::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Self {
            Mutex(shuttle::sync::Mutex::new(value))
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

    /// Whether a timed wait ended by timing out. shuttle does not model time:
    /// its waits never time out, so a missed wake-up shows as a deadlock.
    pub(crate) struct WaitTimeoutResult;

    impl WaitTimeoutResult {
        pub(crate) fn timed_out(&self) -> bool {
            false
        }
    }

    /// A condition variable waiting on a [`MutexGuard`] in place.
    #[derive(Default)]
    pub(crate) struct Condvar(shuttle::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Self {
            Condvar(shuttle::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let held = guard.0.take().expect("held");
            guard.0 = Some(self.0.wait(held).unwrap_or_else(|e| e.into_inner()));
        }

        pub(crate) fn wait_until<T>(
            &self,
            guard: &mut MutexGuard<'_, T>,
            _deadline: Instant,
        ) -> WaitTimeoutResult {
            self.wait(guard);
            WaitTimeoutResult
        }

        pub(crate) fn notify_one(&self) {
            self.0.notify_one();
        }

        pub(crate) fn notify_all(&self) {
            self.0.notify_all();
        }
    }
}
