//! The journal's background `fdatasync`: under `Fsync::Batch` the writer
//! hands each batch's sync to this thread and goes on framing, hashing and
//! writing the next events while the disk flushes, instead of stalling for
//! the fsync's whole time (a few hundred microseconds on a fast disk, in
//! which producers would fill the queue and wait). One job runs at a time:
//! the writer waits for it before handing over the next, so at most two
//! batches are written and not yet on disk.

use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;

use super::{Result, SyncJob};

/// A finished job: the job, the seq of its newest event, its outcome.
type Done = (SyncJob, u64, Result<()>);

/// The sync thread and the writer's handles to it.
pub(super) struct Syncer {
    jobs: Option<Sender<(SyncJob, u64)>>,
    done: Receiver<Done>,
    in_flight: bool,
    thread: Option<JoinHandle<()>>,
}

impl Syncer {
    /// Starts the thread. `reported(seq, outcome)` runs on it after each job
    /// whose newest event is `seq`, so that durability, or the failure,
    /// shows at once, before the writer collects the job.
    pub(super) fn start(
        reported: impl Fn(u64, &Result<()>) + Send + 'static,
    ) -> std::io::Result<Syncer> {
        let (jobs, incoming) = channel::<(SyncJob, u64)>();
        let (finished, done) = channel();
        let thread = std::thread::Builder::new()
            .name("audit-journal-sync".into())
            .spawn(move || {
                for (job, seq) in incoming {
                    let outcome = job.run();
                    reported(seq, &outcome);
                    if finished.send((job, seq, outcome)).is_err() {
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

    /// Hands `job` (whose newest event is `seq`) to the thread; the previous
    /// one must have been collected by [`finished`](Self::finished).
    pub(super) fn submit(&mut self, job: SyncJob, seq: u64) {
        debug_assert!(!self.in_flight, "one sync job at a time");
        let jobs = self.jobs.as_ref().expect("the sync thread runs");
        // The thread ends only when `jobs` is dropped, so the send succeeds.
        if jobs.send((job, seq)).is_ok() {
            self.in_flight = true;
        }
    }

    /// The job under way, once it has finished; with `wait`, waits for it.
    /// `None` when none is under way (or, without `wait`, it has not finished).
    pub(super) fn finished(&mut self, wait: bool) -> Option<Done> {
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

impl Drop for Syncer {
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
