//! A background `fdatasync`: a file writer hands each batch's sync to this
//! thread and goes on writing while the disk flushes, instead of stalling for
//! the fsync's whole time (a few hundred microseconds on a fast disk, in
//! which producers would fill the writer's queue and wait). The journal's
//! writer under `Fsync::Batch` uses it, and so does the JSON Lines
//! forwarder. One job runs at a time: the writer collects it before handing
//! over the next, so what is written and not yet on disk stays bounded.

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

/// A finished job: the job, the position it was submitted with, its outcome.
pub(crate) type Done<J, R> = (J, u64, R);

/// The sync thread and the writer's handles to it. `J` is a job (what to
/// sync), `R` the outcome of running it.
pub(crate) struct Syncer<J, R> {
    jobs: Option<Sender<(J, u64)>>,
    done: Receiver<Done<J, R>>,
    in_flight: bool,
    thread: Option<JoinHandle<()>>,
}

impl<J: Send + 'static, R: Send + 'static> Syncer<J, R> {
    /// Starts the thread, named `name`, which runs each job with `run`.
    /// `reported(at, outcome)` runs on it after each job submitted at `at`,
    /// so that durability, or the failure, shows at once, before the writer
    /// collects the job.
    pub(crate) fn start(
        name: &str,
        run: impl Fn(&J) -> R + Send + 'static,
        reported: impl Fn(u64, &R) + Send + 'static,
    ) -> std::io::Result<Syncer<J, R>> {
        let (jobs, incoming) = channel::<(J, u64)>();
        let (finished, done) = channel();
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                for (job, at) in incoming {
                    let outcome = run(&job);
                    reported(at, &outcome);
                    if finished.send((job, at, outcome)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Syncer {
            jobs: Some(jobs),
            done,
            in_flight: false,
            thread: Some(thread),
        })
    }

    /// Hands `job` to the thread, with the position `at` (for example the
    /// seq of the newest event it makes durable) that comes back with it; the
    /// previous job must have been collected by [`finished`](Self::finished).
    pub(crate) fn submit(&mut self, job: J, at: u64) {
        debug_assert!(!self.in_flight, "one sync job at a time");
        let jobs = self.jobs.as_ref().expect("the sync thread runs");
        // The thread ends only when `jobs` is dropped, so the send succeeds.
        if jobs.send((job, at)).is_ok() {
            self.in_flight = true;
        }
    }

    /// Whether a job is under way (submitted and not yet collected).
    pub(crate) fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// The job under way, once it has finished; with `wait`, waits for it.
    /// `None` when none is under way (or, without `wait`, it has not finished).
    pub(crate) fn finished(&mut self, wait: bool) -> Option<Done<J, R>> {
        if !self.in_flight {
            return None;
        }
        let done = if wait {
            self.done.recv().map_err(|_| TryRecvError::Disconnected)
        } else {
            self.done.try_recv()
        };
        match done {
            Ok(done) => {
                self.in_flight = false;
                Some(done)
            }
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => {
                self.in_flight = false;
                None
            }
        }
    }
}

impl<J, R> Drop for Syncer<J, R> {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
