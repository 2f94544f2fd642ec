//! The journal writer: the thread that takes a logger's ordered stream and
//! keeps it on disk, sealed. It frames each event's canonical line, hashes it
//! into the Merkle tree, syncs by the fsync policy, signs a checkpoint every
//! epoch with that epoch's key (then erases the key), rotates segments right
//! after a checkpoint (the new segment's header carries the tree's frontier)
//! and applies retention. Under [`Fsync::Batch`] a batch's fsync runs on a
//! sync thread of its own (`syncer`) while the writer goes on. Hashing and
//! signing happen here, never on the producer's path; a producer waits only
//! for room in the queue, and under [`Fsync::Always`] for its event to be on
//! disk (group commit: every producer waiting when a sync completes is
//! released by it).
//!
//! [`open_logger`] opens (or makes) a journal directory, recovers it (a torn
//! tail is cut off and reported by a notice event in the log itself),
//! restores the ring's newest events and continues the sequence.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::core::queue::Queue;
use crate::core::{
    now_micros, write_compact, AuditLogger, Config, Error, ErrorKind, Event, NewEvent, Result,
    Severity, Sink,
};
use crate::seal::merkle::{leaf_hash, Frontier};
use crate::seal::{Checkpoint, KeyChain};

use super::{FrameKind, Journal, Options, Reader, SyncJob, Syncer};

/// When events reach the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fsync {
    /// Written to the operating system after each batch, never fsynced by
    /// the writer: a process crash loses nothing written, a power loss may.
    Never,
    /// Fsynced once `events` events are waiting or the oldest has waited
    /// `interval`, whichever comes first. Producers wait while `events`
    /// events are queued and not yet written, so a crash of the process loses
    /// at most about twice `events` acknowledged events (queued, and being
    /// written). The fsync runs on a thread of its own while the writer goes
    /// on writing, one at a time, so a power loss loses at most twice
    /// `events` more (a batch being synced and the next), or about twice
    /// `interval`.
    Batch {
        /// Most events not yet on disk.
        events: usize,
        /// Longest an event waits to be on disk.
        interval: Duration,
    },
    /// `log` returns only once the event is on disk; producers logging at
    /// the same time share one fsync (the writer waits briefly, at most half
    /// the last fsync's time and 1 ms, for the events of producers already
    /// inside `log`).
    Always,
}

impl Fsync {
    /// The bounds of this policy if it is `Batch`, the default's otherwise.
    pub fn batch_bounds(self) -> (usize, Duration) {
        match self {
            Fsync::Batch { events, interval } => (events, interval),
            _ => Fsync::default().batch_bounds(),
        }
    }
}

impl Default for Fsync {
    /// `Batch` of 1,000 events or 50 ms: a loss window of at most two
    /// batches, 20 fsyncs a second at low rates and one per 1,000 events at
    /// high ones (the writer's fsyncs run on its sync thread, not on the
    /// producers'; what that costs at full speed is in docs/PERFORMANCE.md).
    fn default() -> Self {
        Fsync::Batch {
            events: 1000,
            interval: Duration::from_millis(50),
        }
    }
}

/// How a logger keeps its journal.
#[derive(Clone, Debug)]
pub struct JournalConfig {
    /// The journal's directory (made, mode 0700, if missing). It also holds
    /// the seal's key state (`seal.key`) and the trust anchor (`anchor.pub`,
    /// to be copied out of band).
    pub dir: PathBuf,
    /// When events reach the disk. Default [`Fsync::default`].
    pub fsync: Fsync,
    /// A CRITICAL event is fsynced at once whatever the policy. Default true.
    pub sync_critical: bool,
    /// A checkpoint is sealed after this many events. Default 10,000.
    pub epoch_events: u64,
    /// ... or this long after the previous one, also when idle. Default 60 s.
    pub epoch_interval: Duration,
    /// Events the writer's queue holds before producers wait. Default 65,536.
    pub queue_capacity: usize,
    /// Segment size and age, retention, buffering (see [`Options`]); its
    /// `restore_events` is set from the logger's capacity.
    pub storage: Options,
}

impl JournalConfig {
    /// The defaults, for `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> JournalConfig {
        JournalConfig {
            dir: dir.into(),
            fsync: Fsync::default(),
            sync_critical: true,
            epoch_events: 10_000,
            epoch_interval: Duration::from_secs(60),
            queue_capacity: 1 << 16,
            storage: Options::default(),
        }
    }
}

/// A journal's counters, readable at any time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JournalStats {
    /// The newest seq written to the operating system.
    pub written_seq: u64,
    /// The newest seq known to be on disk (fsynced).
    pub durable_seq: u64,
    /// Checkpoints sealed by this writer.
    pub checkpoints: u64,
    /// The current epoch.
    pub epoch: u64,
    /// Bytes cut off as a torn tail when the journal was opened.
    pub recovered_bytes_dropped: u64,
    /// Why writing fails now (the disk is full, ...), if it does: new events
    /// are refused until a retry succeeds.
    pub failing: Option<String>,
    /// `fdatasync` calls on segments since the journal was opened: under
    /// `always`, concurrent producers share one (group commit).
    pub fsyncs: u64,
}

/// What the producers and the writer share.
struct Shared {
    durable_seq: AtomicU64,
    /// `fdatasync`s made by the sync thread (the writer's own are in the
    /// status' stats).
    background_fsyncs: AtomicU64,
    /// Under [`Fsync::Always`]: producers inside `log` (from `admit` until
    /// `logged` returns). While fewer events wait for an fsync than there
    /// are such producers, the writer waits a little for the others' events,
    /// so that concurrent producers share one fsync.
    in_log: AtomicUsize,
    /// The logger is closing: failed writes are retried only briefly.
    closing: std::sync::atomic::AtomicBool,
    state: Mutex<Status>,
    /// Whether `state` holds a reason to refuse events (`stopped`, or
    /// `failing`): set under its lock, so that `admit` locks it only then.
    refusing: std::sync::atomic::AtomicBool,
    /// Signalled when `durable_seq` moves or the status changes.
    durable: Condvar,
    fsync: Fsync,
    /// This is a child process forked from the journal's (whose pid is
    /// `owner`): events are refused, and closing does nothing.
    forked: std::sync::atomic::AtomicBool,
    owner: u32,
}

impl Shared {
    /// Why a child process forked from the journal's cannot log to it.
    fn forked_error(&self) -> Error {
        Error::new(
            ErrorKind::Io,
            format!(
                "the journal cannot take events: it belongs to the process that opened it \
                 (pid {}), and this process is a fork of it; open a logger of its own here",
                self.owner
            ),
        )
    }

    /// Publishes that every event up to `seq` is on disk.
    fn durable_to(&self, seq: u64) {
        self.durable_seq.fetch_max(seq, Ordering::AcqRel);
        let mut status = self.state.lock().unwrap_or_else(|e| e.into_inner());
        status.stats.durable_seq = status.stats.durable_seq.max(seq);
        drop(status);
        self.durable.notify_all();
    }

    /// Records a failure; a fatal one stops the journal for good and closes
    /// the writer's `queue`.
    fn fail(&self, why: &str, fatal: bool, queue: &Queue) {
        let mut status = self.state.lock().unwrap_or_else(|e| e.into_inner());
        status.stats.failing = Some(why.to_owned());
        self.refusing.store(true, Ordering::Release);
        if fatal {
            status.stopped = Some(why.to_owned());
        }
        drop(status);
        self.durable.notify_all();
        if fatal {
            queue.close();
        }
    }
}

#[derive(Default)]
struct Status {
    stats: JournalStats,
    /// The writer stopped for good (a failed fsync, a closed journal).
    stopped: Option<String>,
}

/// The logger's side of the journal.
struct Writer {
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The journal's directory and log id, for the forwarders that replay it.
    dir: PathBuf,
    log_id: super::LogId,
}

impl Sink for Writer {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn admit(&self) -> Result<()> {
        if self.shared.refusing.load(Ordering::Acquire) {
            if self.shared.forked.load(Ordering::Acquire) {
                return Err(self.shared.forked_error());
            }
            let status = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(why) = status.stopped.as_ref().or(status.stats.failing.as_ref()) {
                return Err(Error::new(
                    ErrorKind::Io,
                    format!("the journal cannot take events: {why}"),
                ));
            }
        }
        if self.shared.fsync == Fsync::Always {
            self.shared.in_log.fetch_add(1, Ordering::AcqRel);
        }
        Ok(())
    }

    fn abandoned(&self) {
        if self.shared.fsync == Fsync::Always {
            self.shared.in_log.fetch_sub(1, Ordering::AcqRel);
        }
    }

    fn logged(&self, seq: u64, _severity: Severity) -> Result<()> {
        if self.shared.fsync != Fsync::Always {
            return Ok(());
        }
        let result = self.wait_durable(seq);
        self.shared.in_log.fetch_sub(1, Ordering::AcqRel);
        result
    }

    fn close(&self) {
        if self.shared.forked.load(Ordering::Acquire) {
            return;
        }
        self.shared.closing.store(true, Ordering::Release);
        self.queue.finish();
        let thread = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }

    fn forked(&self) {
        self.shared.forked.store(true, Ordering::Release);
        self.shared.refusing.store(true, Ordering::Release);
    }
}

impl Writer {
    /// Waits until event `seq` is on disk, or the journal fails.
    fn wait_durable(&self, seq: u64) -> Result<()> {
        let mut status = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        while self.shared.durable_seq.load(Ordering::Acquire) < seq {
            if let Some(why) = status.stopped.as_ref().or(status.stats.failing.as_ref()) {
                return Err(Error::new(
                    ErrorKind::Io,
                    format!(
                        "event {seq} is recorded in memory but not yet on disk: {why}; the journal writes it once it can"
                    ),
                ));
            }
            status = self
                .shared
                .durable
                .wait(status)
                .unwrap_or_else(|e| e.into_inner());
        }
        Ok(())
    }
}

/// Opens the journal `journal.dir` for a logger with `config`: recovers it,
/// restores the newest `config.capacity` events into the ring, continues
/// the sequence, and starts the writer. A torn tail is cut off and recorded
/// as a WARNING event (action `journal.recovered`) at the start of the
/// continued log. Corruption (damage in the middle of the journal) is an
/// error: nothing is changed, and the journal must be examined with the
/// verifier.
pub fn open_logger(config: Config, journal: JournalConfig) -> Result<AuditLogger> {
    config.validate()?;
    let mut options = journal.storage.clone();
    options.restore_events = config.capacity;
    let (mut disk, recovery) = Journal::open(&journal.dir, options).map_err(Error::from)?;
    let restored: Vec<Event> = recovery
        .recent_events
        .iter()
        .map(|line| super::parse_event_line(line))
        .collect::<Result<_>>()?;
    let last_seq = restored.last().map_or(0, Event::seq);
    let (keys, tree, since_checkpoint) = resume_seal(&journal.dir, &mut disk, last_seq)?;
    let shared = Arc::new(Shared {
        durable_seq: AtomicU64::new(last_seq),
        background_fsyncs: AtomicU64::new(0),
        in_log: AtomicUsize::new(0),
        closing: std::sync::atomic::AtomicBool::new(false),
        refusing: std::sync::atomic::AtomicBool::new(false),
        state: Mutex::new(Status {
            stats: JournalStats {
                written_seq: last_seq,
                durable_seq: last_seq,
                epoch: keys.epoch(),
                recovered_bytes_dropped: recovery.dropped_bytes(),
                ..JournalStats::default()
            },
            stopped: None,
        }),
        durable: Condvar::new(),
        fsync: journal.fsync,
        forked: std::sync::atomic::AtomicBool::new(false),
        owner: std::process::id(),
    });
    let log_id = disk.log_id();
    let origin = super::journal_origin(log_id);
    let settings = journal.clone();
    // Under `batch`, at most one batch may wait unwritten: a crash of the
    // process then loses at most that many acknowledged events.
    let queue_capacity = match journal.fsync {
        Fsync::Batch { events, .. } => journal.queue_capacity.min(events.max(1)),
        _ => journal.queue_capacity,
    };
    let logger = AuditLogger::with_sink(config, restored, queue_capacity, |queue| {
        let syncer = match journal.fsync {
            Fsync::Batch { .. } => {
                let (shared, queue) = (shared.clone(), queue.clone());
                let reported = move |seq, outcome: &super::Result<()>| match outcome {
                    Ok(()) => {
                        shared.background_fsyncs.fetch_add(1, Ordering::Relaxed);
                        shared.durable_to(seq);
                    }
                    Err(e) => shared.fail(e.message(), true, &queue),
                };
                Some(
                    Syncer::start("audit-journal-sync", SyncJob::run, reported).map_err(|e| {
                        Error::io(format!("cannot start the journal's sync thread: {e}"), &e)
                    })?,
                )
            }
            _ => None,
        };
        let thread_state = Thread {
            disk,
            keys,
            tree,
            origin,
            since_checkpoint,
            last_checkpoint: Instant::now(),
            last_seq,
            unsynced: 0,
            oldest_unsynced: None,
            gather_until: None,
            last_sync: Duration::ZERO,
            settings,
            shared: shared.clone(),
            queue: queue.clone(),
            syncer,
        };
        let thread = std::thread::Builder::new()
            .name("audit-journal".into())
            .spawn(move || thread_state.run())
            .map_err(|e| Error::io(format!("cannot start the journal thread: {e}"), &e))?;
        Ok(Arc::new(Writer {
            shared,
            queue,
            thread: Mutex::new(Some(thread)),
            dir: journal.dir.clone(),
            log_id,
        }) as Arc<dyn Sink>)
    })?;
    if !recovery.is_clean() {
        let details = serde_json::json!({
            "dropped_bytes": recovery.dropped_bytes(),
            "file": recovery.truncated.as_ref().map(|t| t.file.clone()),
            "offset": recovery.truncated.as_ref().map(|t| t.offset),
            "damage": recovery.truncated.as_ref().map(|t| t.damage.describe()),
            "removed_segments": recovery.removed_segments.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
            "last_seq_kept": last_seq,
        })
        .to_string();
        logger.log(&NewEvent {
            actor: "audit-logger",
            action: "journal.recovered",
            resource: &journal.dir.display().to_string(),
            outcome: "truncated",
            severity: Severity::Warning,
            details: Some(&details),
        })?;
    }
    Ok(logger)
}

/// The counters of `logger`'s journal, or `None` if it has none. In a child
/// process forked from the journal's, the counters as they were at the fork
/// (as far as they can be read without waiting for a lock that a thread of
/// the parent may have held then), with `failing` saying why events are
/// refused here.
pub fn journal_stats(logger: &AuditLogger) -> Option<JournalStats> {
    let writer = logger.sink_as::<Writer>()?;
    let shared = &writer.shared;
    let forked = shared.forked.load(Ordering::Acquire);
    let status = if forked {
        match shared.state.try_lock() {
            Ok(status) => Some(status),
            Err(std::sync::TryLockError::Poisoned(e)) => Some(e.into_inner()),
            Err(std::sync::TryLockError::WouldBlock) => None,
        }
    } else {
        Some(shared.state.lock().unwrap_or_else(|e| e.into_inner()))
    };
    let mut stats = status.map(|s| s.stats.clone()).unwrap_or_default();
    if forked {
        stats.failing = Some(shared.forked_error().message().to_owned());
    }
    stats.durable_seq = shared.durable_seq.load(Ordering::Acquire);
    stats.fsyncs += shared.background_fsyncs.load(Ordering::Relaxed);
    Some(stats)
}

/// The directory and log id of `logger`'s journal, or `None` if it has none.
pub(crate) fn journal_of(logger: &AuditLogger) -> Option<(PathBuf, super::LogId)> {
    let writer = logger.sink_as::<Writer>()?;
    Some((writer.dir.clone(), writer.log_id))
}

/// The key chain, the Merkle frontier of everything journaled, and the
/// events since the last checkpoint, for a journal just opened; makes the
/// first segment and the key chain of a new journal.
fn resume_seal(dir: &Path, disk: &mut Journal, last_seq: u64) -> Result<(KeyChain, Frontier, u64)> {
    let mut keys = if dir.join("seal.key").exists() {
        KeyChain::open(dir)?
    } else {
        KeyChain::create(dir)?.0
    };
    if disk.active_segment().is_none() {
        disk.rotate(last_seq + 1, &Frontier::new().to_bytes())
            .map_err(Error::from)?;
        return Ok((keys, Frontier::new(), 0));
    }
    // The newest segment: its header's frontier, then its events.
    let reader = Reader::open(dir).map_err(Error::from)?;
    let newest = reader.segments().len() - 1;
    let header = &reader.segments()[newest].header;
    let mut tree = Frontier::from_bytes(&header.extra).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidDocument,
            format!(
                "{}: the segment header's Merkle frontier is unreadable",
                reader.segments()[newest].name
            ),
        )
    })?;
    let mut since = 0;
    let mut last_checkpoint: Option<Checkpoint> = None;
    for frame in reader.segment_frames(newest) {
        let frame = frame.map_err(Error::from)?;
        match frame.kind {
            FrameKind::Event => {
                tree.push(leaf_hash(&frame.payload));
                since += 1;
            }
            FrameKind::Checkpoint => {
                since = 0;
                last_checkpoint = std::str::from_utf8(&frame.payload)
                    .ok()
                    .and_then(|t| Checkpoint::parse(t).ok());
            }
        }
    }
    if tree.size() != last_seq {
        return Err(Error::new(
            ErrorKind::InvalidDocument,
            format!(
                "the journal's Merkle tree holds {} events but its newest seq is {last_seq}",
                tree.size()
            ),
        ));
    }
    // A seal prepared before a crash: committed if its checkpoint is on disk.
    if let (Some(prepared), Some(c)) = (keys.prepared_public_key(), &last_checkpoint) {
        if c.body.epoch == keys.epoch() && c.body.next_key == prepared {
            keys.commit_seal()?;
        }
    }
    Ok((keys, tree, since))
}

/// The writer thread's state.
struct Thread {
    disk: Journal,
    keys: KeyChain,
    tree: Frontier,
    origin: String,
    since_checkpoint: u64,
    last_checkpoint: Instant,
    last_seq: u64,
    unsynced: usize,
    oldest_unsynced: Option<Instant>,
    /// Under [`Fsync::Always`]: until when the writer waits for more
    /// producers' events before its next fsync.
    gather_until: Option<Instant>,
    /// How long the last fsync took.
    last_sync: Duration,
    settings: JournalConfig,
    shared: Arc<Shared>,
    queue: Arc<Queue>,
    /// Under [`Fsync::Batch`]: the thread the batches' fsyncs run on.
    syncer: Option<Syncer<SyncJob, super::Result<()>>>,
}

/// Why a checkpoint could not be sealed.
enum Failure {
    Disk(super::Error),
    Keys(Error),
}

/// How long a closing logger goes on retrying writes that fail.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

/// How long the writer waits before retrying a failed write.
const RETRY: Duration = Duration::from_millis(100);

impl Thread {
    fn run(mut self) {
        self.queue.consume_on_this_thread();
        let mut batch = Vec::new();
        let mut line = Vec::with_capacity(512);
        loop {
            let open = self
                .queue
                .next_batch(&mut batch, 4096, self.next_deadline());
            let mut critical = false;
            for event in batch.drain(..) {
                line.clear();
                write_compact(&mut line, &event);
                // A frame the journal did not take is retried until it is.
                let mut since = None;
                while let Err(e) = self.disk.append(FrameKind::Event, &line) {
                    let since = *since.get_or_insert_with(Instant::now);
                    if !self.disk_failing(e) || !self.retry(since) {
                        return;
                    }
                    let _ = self.disk.flush();
                }
                self.tree.push(leaf_hash(&line));
                self.since_checkpoint += 1;
                self.last_seq = event.seq();
                self.unsynced += 1;
                self.oldest_unsynced.get_or_insert_with(Instant::now);
                critical |= event.severity() == Severity::Critical;
            }
            if !self.collect(false) || (!open && !self.collect(true)) {
                return;
            }
            if open && !critical && self.gathering() {
                continue;
            }
            if !self.settle(critical && self.settings.sync_critical) {
                return;
            }
            let epoch_due = self.since_checkpoint >= self.settings.epoch_events
                || self.last_checkpoint.elapsed() >= self.settings.epoch_interval;
            if (epoch_due || !open) && !self.checkpoint(!open) {
                return;
            }
            if open && self.disk.should_rotate(now_micros()) && !self.rotate() {
                return;
            }
            if !open {
                let result = self.disk.sync();
                self.stop(match result {
                    Ok(()) => "the logger was closed".into(),
                    Err(e) => format!("the journal failed at close: {e}"),
                });
                return;
            }
        }
    }

    /// When the writer must wake without events: the batch window, the
    /// gathering window, the epoch.
    fn next_deadline(&self) -> Instant {
        let epoch = self.last_checkpoint + self.settings.epoch_interval;
        match (self.settings.fsync, self.oldest_unsynced) {
            (Fsync::Batch { interval, .. }, Some(oldest)) => epoch.min(oldest + interval),
            (Fsync::Always, _) => self.gather_until.map_or(epoch, |g| g.min(epoch)),
            _ => epoch,
        }
    }

    /// Under [`Fsync::Always`], with events written and not yet synced:
    /// whether to wait for more before the fsync, because producers are
    /// inside `log` whose events are not among them yet (group commit:
    /// without it, two producers take turns, each event getting an fsync of
    /// its own while the other's waits). The wait is at most half the last
    /// fsync's time, and 1 ms.
    fn gathering(&mut self) -> bool {
        if self.settings.fsync != Fsync::Always
            || self.unsynced == 0
            || self.unsynced >= self.shared.in_log.load(Ordering::Acquire)
        {
            self.gather_until = None;
            return false;
        }
        let now = Instant::now();
        let until = *self
            .gather_until
            .get_or_insert(now + (self.last_sync / 2).min(Duration::from_millis(1)));
        if now >= until {
            self.gather_until = None;
            return false;
        }
        true
    }

    /// Writes and syncs what the policy asks for now; publishes progress.
    fn settle(&mut self, force_sync: bool) -> bool {
        let sync = force_sync
            || match self.settings.fsync {
                Fsync::Never => false,
                Fsync::Always => self.unsynced > 0,
                Fsync::Batch { events, interval } => {
                    self.unsynced >= events
                        || self
                            .oldest_unsynced
                            .is_some_and(|t| t.elapsed() >= interval)
                }
            };
        // A batch's fsync goes to the sync thread, once the previous one is done.
        let background = sync && !force_sync && self.syncer.is_some();
        if background && !self.collect(true) {
            return false;
        }
        let since = Instant::now();
        let mut job = None;
        loop {
            let result = if background {
                self.disk.sync_job().map(|j| job = j)
            } else if sync {
                self.disk.sync()
            } else {
                self.disk.flush()
            };
            match result {
                Ok(()) => {
                    if sync && !background {
                        self.last_sync = since.elapsed();
                    }
                    break;
                }
                Err(e) => {
                    if !self.disk_failing(e) || !self.retry(since) {
                        return false;
                    }
                }
            }
        }
        let mut status = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        status.stats.failing = None;
        self.shared
            .refusing
            .store(status.stopped.is_some(), Ordering::Release);
        status.stats.written_seq = self.last_seq;
        status.stats.fsyncs = self.disk.fsyncs();
        drop(status);
        if sync {
            self.unsynced = 0;
            self.oldest_unsynced = None;
            match (job, self.syncer.as_mut()) {
                (Some(job), Some(syncer)) => syncer.submit(job, self.last_seq),
                _ => self.shared.durable_to(self.last_seq),
            }
        }
        self.shared.durable.notify_all();
        true
    }

    /// Takes the outcome of the sync thread's job, if it has finished (with
    /// `wait`, waits for it); `false` when it failed, which stops the
    /// journal as a failed fsync on this thread does.
    fn collect(&mut self, wait: bool) -> bool {
        let Some((job, _, outcome)) = self.syncer.as_mut().and_then(|s| s.finished(wait)) else {
            return true;
        };
        match self.disk.sync_done(&job, outcome) {
            Ok(()) => true,
            Err(e) => self.disk_failing(e),
        }
    }

    /// Seals the tree as it is now: the checkpoint is made durable before the
    /// epoch's key is erased.
    fn checkpoint(&mut self, is_final: bool) -> bool {
        let result = (|| -> std::result::Result<(), Failure> {
            let time = u64::try_from(now_micros()).unwrap_or(0);
            let checkpoint = self
                .keys
                .prepare_seal(
                    &self.origin,
                    self.tree.size(),
                    &self.tree.root(),
                    time,
                    is_final,
                )
                .map_err(Failure::Keys)?;
            self.disk
                .append(FrameKind::Checkpoint, checkpoint.to_text().as_bytes())
                .map_err(Failure::Disk)?;
            self.disk.sync().map_err(Failure::Disk)?;
            self.keys.commit_seal().map_err(Failure::Keys)
        })();
        match result {
            Ok(()) => {
                self.since_checkpoint = 0;
                self.last_checkpoint = Instant::now();
                self.unsynced = 0;
                self.oldest_unsynced = None;
                let mut status = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
                status.stats.checkpoints += 1;
                status.stats.epoch = self.keys.epoch();
                status.stats.fsyncs = self.disk.fsyncs();
                drop(status);
                self.shared.durable_to(self.last_seq);
                true
            }
            Err(e) => {
                // A checkpoint that could not be written is sealed again at
                // the next epoch (the prepared key is reused); a poisoned
                // journal stops the writer.
                self.last_checkpoint = Instant::now();
                match e {
                    Failure::Disk(e) => self.disk_failing(e),
                    Failure::Keys(e) => self.failing(e.message(), false),
                }
            }
        }
    }

    /// Rotates right after a checkpoint, so each segment starts on an epoch
    /// boundary with the tree's frontier in its header; then retention.
    fn rotate(&mut self) -> bool {
        if self.since_checkpoint > 0 && !self.checkpoint(false) {
            return false;
        }
        if let Err(e) = self.disk.rotate(self.last_seq + 1, &self.tree.to_bytes()) {
            return self.disk_failing(e);
        }
        if let Err(e) = self.disk.apply_retention(now_micros(), |_| Ok(())) {
            return self.disk_failing(e);
        }
        true
    }

    /// Waits before retrying a write that has failed since `since`; `false`
    /// when the logger is closing and has waited long enough: what is still
    /// unwritten is then given up (the stats say how far the journal got).
    fn retry(&self, since: Instant) -> bool {
        if self.shared.closing.load(Ordering::Acquire) && since.elapsed() >= CLOSE_GRACE {
            self.queue.close();
            self.stop(format!(
                "the logger was closed while the journal could not write; events after seq {} were not journaled",
                self.shared.durable_seq.load(Ordering::Acquire)
            ));
            return false;
        }
        std::thread::sleep(RETRY);
        true
    }

    /// A storage failure: fatal when the journal is poisoned by a failed
    /// fsync (what reached the disk is unknown), else retried.
    fn disk_failing(&self, e: super::Error) -> bool {
        let fatal = e.kind() == super::ErrorKind::Poisoned;
        self.failing(e.message(), fatal)
    }

    /// Records a failure; `false` when the writer must stop.
    fn failing(&self, why: &str, fatal: bool) -> bool {
        self.shared.fail(why, fatal, &self.queue);
        !fatal
    }

    fn stop(&self, why: String) {
        let mut status = self.shared.state.lock().unwrap_or_else(|e| e.into_inner());
        status.stopped = Some(why);
        self.shared.refusing.store(true, Ordering::Release);
        drop(status);
        self.shared.durable.notify_all();
    }
}
