//! The forwarder: its worker thread (connect, send, acknowledge, retry), its
//! stats, and closing with a timeout.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::core::queue::Queue;
use crate::core::sync::{Condvar, Mutex};

use super::backoff::Backoff;
use super::config::{invalid, ForwarderConfig, Target};
use super::cursor::{read_cursor, write_cursor};
use super::logid::LogId;
use super::sink::{Interrupt, Sink};
use super::source::{Item, Replay, Source};
use crate::core::{now_micros, Error, ErrorKind, Event, Overflow, Result};

/// Most announcements queued for a forwarder that reads a journal: it reads
/// the events from there, so a dropped announcement loses nothing.
pub(crate) const WAKE_QUEUE: usize = 1024;

/// A forwarder's counters and state, readable at any time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ForwarderStats {
    /// Events given to [`Forwarder::offer`] (those at or below the cursor excepted).
    pub offered: u64,
    /// Events the target acknowledged (each counted once, however often sent).
    pub delivered: u64,
    /// Events sent again after a lost connection or a failed delivery; each may
    /// reach the target twice, with the same log id and seq.
    pub resent: u64,
    /// Failed attempts (connect, send or acknowledgement), each followed by a backoff.
    pub retries: u64,
    /// Events discarded by the overflow policy (backlog source), or missing from
    /// the journal (replay source: a gap in seq).
    pub dropped: u64,
    /// Events the target refused for good (for example OTLP HTTP 400); never resent.
    pub rejected: u64,
    /// Events offered and not yet acknowledged (waiting, in flight or unread
    /// in the journal). With a journal: every recorded event after the cursor,
    /// those journaled before this process started included.
    pub lag_events: u64,
    /// Age of the oldest event not yet acknowledged, in seconds; 0 when none.
    pub lag_seconds: f64,
    /// Events in the backlog now (backlog source).
    pub backlog: usize,
    /// Events sent and not yet acknowledged now.
    pub in_flight: usize,
    /// Whether the worker holds a working connection.
    pub connected: bool,
    /// The seq of the last acknowledged event (what the cursor file holds).
    pub last_acked_seq: Option<u64>,
    /// The last failure, for people.
    pub last_error: Option<String>,
    /// The longest any `offer` waited for room (only `Overflow::Block` waits);
    /// for a forwarder attached to a logger without a journal, the longest a
    /// producer waited for room in the logger's queue for it.
    pub max_offer_wait: Duration,
}

/// What [`Forwarder::close`] achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct CloseReport {
    /// Events acknowledged over the forwarder's life.
    pub delivered: u64,
    /// Events offered but not acknowledged when it stopped (with a journal,
    /// the next forwarder resumes from the cursor and sends them).
    pub left: u64,
    /// Whether the timeout ended the flush.
    pub timed_out: bool,
    /// The seq of the last acknowledged event.
    pub last_acked_seq: Option<u64>,
    /// The last failure, if any.
    pub last_error: Option<String>,
    /// The stats at the end.
    pub stats: ForwarderStats,
}

/// What the worker publishes for `stats`.
#[derive(Default)]
struct WorkerState {
    delivered: u64,
    resent: u64,
    retries: u64,
    gaps: u64,
    rejected: u64,
    connected: bool,
    in_flight: usize,
    /// Events read from the journal and not yet acknowledged, and the newest seq read.
    unacked_read: usize,
    read_pos: u64,
    oldest_unacked_timestamp: Option<i64>,
    last_acked_seq: Option<u64>,
    last_error: Option<String>,
}

struct Shared {
    /// With the backlog source, the backlog itself: the events `offer` gives
    /// (or, attached to a logger, the logger's stream gives), with the
    /// overflow policy; with a journal, announcements that more was recorded.
    queue: Arc<Queue>,
    /// Events the worker took from `queue`.
    taken: AtomicU64,
    /// Replay: the newest seq known to be recorded.
    head_seq: AtomicU64,
    worker: Mutex<WorkerState>,
    abort: AtomicBool,
    interrupt: Option<Interrupt>,
    /// Set by [`Forwarder::stop`]: the worker ends once nothing is left. The
    /// queue's end alone does not end it, because a logger's subscriptions
    /// end before its journal stops, while the journal still writes what the
    /// replay source is yet to read.
    stopping: Mutex<bool>,
    stop_signal: Condvar,
    done: Mutex<bool>,
    done_signal: Condvar,
    replay: bool,
    /// Events at or below this seq were acknowledged before this forwarder started.
    cursor: Option<u64>,
}

/// Delivers one log's events to one target; see the [module docs](super).
pub struct Forwarder {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

fn make_sink(config: &ForwarderConfig, log_id: LogId) -> Result<Box<dyn Sink>> {
    match &config.target {
        Target::Syslog(c) => Ok(Box::new(super::syslog::SyslogSink::new(c, log_id)?)),
        Target::Jsonl(c) => Ok(Box::new(super::jsonl::JsonlSink::new(
            c,
            config.format.unwrap_or(super::Format::JsonLine),
            log_id,
        )?)),
        #[cfg(feature = "otlp")]
        Target::Otlp(c) => Ok(Box::new(super::otlp::OtlpSink::new(c, log_id)?)),
        #[cfg(not(feature = "otlp"))]
        Target::Otlp(_) => Err(invalid(
            "this build has no OTLP forwarder (cargo feature `otlp`)",
        )),
        #[cfg(feature = "kafka")]
        Target::Kafka(c) => Ok(Box::new(super::kafka::KafkaSink::new(
            c,
            config.format.unwrap_or(super::Format::Canonical),
            log_id,
        )?)),
        #[cfg(not(feature = "kafka"))]
        Target::Kafka(_) => Err(invalid(
            "this build has no Kafka forwarder (cargo feature `kafka`)",
        )),
    }
}

impl Forwarder {
    /// Checks `config`, reads the cursor file (if configured) and starts the
    /// worker thread. With [`Source::Replay`] the worker reads events after the
    /// cursor from the journal; with [`Source::Backlog`] it forwards what
    /// [`offer`](Self::offer) gives it (events at or below the cursor are skipped).
    /// The worker connects in the background: an unreachable target is not an
    /// error here, it shows in [`stats`](Self::stats).
    pub fn start(config: ForwarderConfig, log_id: LogId, source: Source) -> Result<Forwarder> {
        if config.backlog == 0 {
            return Err(invalid("forwarder backlog must be greater than 0"));
        }
        let queue = match source {
            Source::Backlog => Queue::new(config.backlog, config.overflow),
            Source::Replay(_) => Queue::new(WAKE_QUEUE, Overflow::DropOldest),
        };
        Forwarder::start_on(config, log_id, source, Arc::new(queue))
    }

    /// As [`start`](Self::start), the worker consuming `queue` (a logger's
    /// subscription queue: events for the backlog source, announcements for
    /// the replay source) instead of a queue of its own.
    pub(crate) fn start_on(
        config: ForwarderConfig,
        log_id: LogId,
        source: Source,
        queue: Arc<Queue>,
    ) -> Result<Forwarder> {
        if config.max_in_flight == 0 || config.max_batch == 0 {
            return Err(invalid(
                "forwarder max_in_flight and max_batch must be greater than 0",
            ));
        }
        let cursor = match &config.cursor_path {
            Some(path) => read_cursor(path, &log_id)?,
            None => None,
        };
        let sink = make_sink(&config, log_id)?;
        let replay = match &source {
            Source::Replay(r) => Some(r.clone()),
            Source::Backlog => None,
        };
        let shared = Arc::new(Shared {
            queue,
            taken: AtomicU64::new(0),
            head_seq: AtomicU64::new(0),
            worker: Mutex::new(WorkerState {
                read_pos: cursor.unwrap_or(0),
                last_acked_seq: cursor,
                ..WorkerState::default()
            }),
            abort: AtomicBool::new(false),
            interrupt: sink.interrupt(),
            stopping: Mutex::new(false),
            stop_signal: Condvar::new(),
            done: Mutex::new(false),
            done_signal: Condvar::new(),
            replay: replay.is_some(),
            cursor,
        });
        let worker = Worker {
            backoff: Backoff::new(config.retry),
            sink,
            shared: shared.clone(),
            replay,
            read_pos: cursor.unwrap_or(0),
            pending: VecDeque::new(),
            in_flight: VecDeque::new(),
            taking: Vec::new(),
            connected: false,
            sent: 0,
            acked: 0,
            next_attempt: Instant::now(),
            acked_seq: cursor,
            cursor_written: cursor,
            cursor_at: Instant::now(),
            log_id,
            config,
        };
        let thread = std::thread::Builder::new()
            .name("audit-forward".into())
            .spawn(move || worker.run())
            .map_err(|e| Error::new(ErrorKind::Io, format!("starting forwarder thread: {e}")))?;
        Ok(Forwarder {
            shared,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Hands `event` to the forwarder. Call it in strict seq order, from one
    /// thread at a time. It returns at once, except with `Overflow::Block`
    /// when the backlog is full, where it waits at most the policy's timeout;
    /// every event it discards is counted in [`ForwarderStats::dropped`].
    pub fn offer(&self, event: &Event) {
        let shared = &self.shared;
        if shared.cursor.is_some_and(|c| event.seq() <= c) {
            return;
        }
        if shared.replay {
            shared.head_seq.fetch_max(event.seq(), Ordering::Relaxed);
        }
        let queue = &shared.queue;
        let reserved = match queue.block_timeout() {
            Some(timeout) if !shared.replay => queue.reserve(1, timeout) == 1,
            _ => false,
        };
        queue.push(event, reserved, false);
        queue.wake();
    }

    /// Replay: events up to `seq` are recorded (before this forwarder was
    /// offered any), so they count in [`ForwarderStats::lag_events`] until
    /// acknowledged.
    pub(crate) fn recorded_up_to(&self, seq: u64) {
        self.shared.head_seq.fetch_max(seq, Ordering::Relaxed);
    }

    /// The counters and state now.
    pub fn stats(&self) -> ForwarderStats {
        let shared = &self.shared;
        let queue = &shared.queue;
        let (queued, queue_dropped) = (queue.len(), queue.dropped());
        let offered = shared.taken.load(Ordering::Relaxed) + queued as u64 + queue_dropped;
        // Replay: announcements are not events; the journal holds them.
        let (waiting, dropped, oldest_waiting) = if shared.replay {
            (0, 0, None)
        } else {
            (queued, queue_dropped, queue.oldest_timestamp())
        };
        let head = shared.head_seq.load(Ordering::Relaxed);
        let w = shared.worker.lock();
        let mut lag_events = (waiting + w.in_flight + w.unacked_read) as u64;
        if shared.replay {
            lag_events += head.saturating_sub(w.read_pos);
        }
        let oldest = w.oldest_unacked_timestamp.or(oldest_waiting);
        let lag_seconds = oldest
            .map(|t| (now_micros().saturating_sub(t)).max(0) as f64 / 1e6)
            .unwrap_or(0.0);
        ForwarderStats {
            offered,
            delivered: w.delivered,
            resent: w.resent,
            retries: w.retries,
            dropped: dropped + w.gaps,
            rejected: w.rejected,
            lag_events,
            lag_seconds,
            backlog: waiting,
            in_flight: w.in_flight,
            connected: w.connected,
            last_acked_seq: w.last_acked_seq,
            last_error: w.last_error.clone(),
            max_offer_wait: queue.max_wait(),
        }
    }

    /// Stops taking events, keeps delivering what is left for up to `timeout`,
    /// then stops the worker (interrupting a stuck connection), writes the
    /// cursor and says what was left.
    pub fn close(self, timeout: Duration) -> CloseReport {
        self.stop(timeout)
    }

    /// As [`close`](Self::close), for a forwarder shared with the logger it
    /// is attached to; a second call only reports.
    pub(crate) fn stop(&self, timeout: Duration) -> CloseReport {
        let shared = &self.shared;
        *shared.stopping.lock() = true;
        shared.stop_signal.notify_all();
        shared.queue.finish();
        let finished = self.wait_done(Instant::now() + timeout);
        if !finished {
            shared.abort.store(true, Ordering::SeqCst);
            if let Some(interrupt) = &shared.interrupt {
                interrupt();
            }
            self.wait_done(Instant::now() + Duration::from_secs(2));
        }
        let thread = self.thread.lock().take();
        if let Some(thread) = thread {
            if *shared.done.lock() {
                let _ = thread.join();
            }
        }
        let stats = self.stats();
        CloseReport {
            delivered: stats.delivered,
            left: stats.lag_events,
            timed_out: !finished,
            last_acked_seq: stats.last_acked_seq,
            last_error: stats.last_error.clone(),
            stats,
        }
    }

    fn wait_done(&self, deadline: Instant) -> bool {
        let mut done = self.shared.done.lock();
        while !*done {
            if self
                .shared
                .done_signal
                .wait_until(&mut done, deadline)
                .timed_out()
            {
                break;
            }
        }
        *done
    }
}

impl Drop for Forwarder {
    /// Dropping without `close` stops at once: nothing more is sent, the
    /// cursor is written.
    fn drop(&mut self) {
        if self.thread.lock().is_some() {
            self.stop(Duration::ZERO);
        }
    }
}

impl std::fmt::Debug for Forwarder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Forwarder")
            .field("stats", &self.stats())
            .finish()
    }
}

struct Worker {
    config: ForwarderConfig,
    log_id: LogId,
    sink: Box<dyn Sink>,
    shared: Arc<Shared>,
    backoff: Backoff,
    replay: Option<Arc<dyn Replay>>,
    /// Replay: the newest seq read from the journal.
    read_pos: u64,
    /// Replay: read and not yet sent.
    pending: VecDeque<Item>,
    /// Sent and not yet acknowledged, oldest first.
    in_flight: VecDeque<Item>,
    /// Events being taken from the queue.
    taking: Vec<Event>,
    connected: bool,
    /// Items sent and acknowledged since the connection was made.
    sent: usize,
    acked: usize,
    next_attempt: Instant,
    acked_seq: Option<u64>,
    cursor_written: Option<u64>,
    cursor_at: Instant,
}

impl Worker {
    fn run(mut self) {
        self.shared.queue.consume_on_this_thread();
        let mut batch = Vec::new();
        // Replay: the oldest unacknowledged event shows in the stats before
        // the first connection attempt, however long that takes.
        self.read_ahead();
        self.publish();
        loop {
            if self.shared.abort.load(Ordering::SeqCst) {
                break;
            }
            let stopping = *self.shared.stopping.lock();
            if stopping && self.nothing_left() {
                break;
            }
            if !self.connected {
                let now = Instant::now();
                if now < self.next_attempt {
                    self.read_ahead();
                    self.publish();
                    self.idle(
                        (self.next_attempt - now).min(Duration::from_millis(100)),
                        false,
                    );
                    continue;
                }
                match self.sink.connect() {
                    Ok(()) => {
                        self.connected = true;
                        self.sent = 0;
                        self.acked = 0;
                        if !self.in_flight.is_empty() {
                            let again: Vec<Item> = self.in_flight.iter().cloned().collect();
                            self.shared.worker.lock().resent += again.len() as u64;
                            if let Err(e) = self.send_all(&again) {
                                self.fail(e);
                                continue;
                            }
                        }
                    }
                    Err(e) => {
                        self.fail(e);
                        continue;
                    }
                }
            }
            batch.clear();
            let room = self
                .config
                .max_in_flight
                .saturating_sub(self.in_flight.len())
                .min(self.config.max_batch);
            if room > 0 {
                self.take(room, &mut batch);
            }
            if !batch.is_empty() {
                self.in_flight.extend(batch.iter().cloned());
                if let Err(e) = self.send_all(&batch) {
                    self.fail(e);
                    continue;
                }
            }
            match self.sink.acked() {
                Ok(n) => self.acknowledge(n),
                Err(e) => {
                    self.fail(e);
                    continue;
                }
            }
            self.publish();
            self.maybe_write_cursor(false);
            if batch.is_empty() {
                // Woken by new events only when there is room to send them.
                let idle = if self.in_flight.is_empty() { 100 } else { 5 };
                self.idle(Duration::from_millis(idle), room > 0);
            }
        }
        if self.connected {
            // Last acknowledgements before the goodbye.
            if let Ok(n) = self.sink.acked() {
                self.acknowledge(n);
            }
        }
        self.sink.disconnect();
        self.connected = false;
        self.maybe_write_cursor(true);
        self.publish();
        *self.shared.done.lock() = true;
        self.shared.done_signal.notify_all();
    }

    /// Waits up to `timeout` for [`Forwarder::stop`] or, if `for_events`, for
    /// new events. A queue that ended before the stop (the logger's
    /// subscriptions ended) no longer wakes anyone: then the stop does.
    fn idle(&self, timeout: Duration, for_events: bool) {
        if !self.shared.queue.ended() {
            self.shared.queue.wait(timeout, for_events);
            return;
        }
        let mut stopping = self.shared.stopping.lock();
        if !*stopping {
            let _ = self
                .shared
                .stop_signal
                .wait_until(&mut stopping, Instant::now() + timeout);
        }
    }

    fn send_all(&mut self, items: &[Item]) -> std::result::Result<(), String> {
        for chunk in items.chunks(self.config.max_batch) {
            self.sink.send(chunk)?;
            self.sent += chunk.len();
        }
        Ok(())
    }

    fn fail(&mut self, error: String) {
        self.sink.disconnect();
        self.connected = false;
        let delay = self.backoff.next_delay();
        self.next_attempt = Instant::now() + delay;
        let mut w = self.shared.worker.lock();
        w.retries += 1;
        w.last_error = Some(error);
        drop(w);
        self.publish();
    }

    fn acknowledge(&mut self, acked: usize) {
        let newly = acked.saturating_sub(self.acked).min(self.in_flight.len());
        self.acked = acked.max(self.acked);
        if newly == 0 {
            return;
        }
        let mut last = None;
        for item in self.in_flight.drain(..newly) {
            last = Some(item.event.seq());
        }
        self.acked_seq = last.or(self.acked_seq);
        self.backoff.reset();
        let (rejected, why) = self.sink.take_rejected();
        let mut w = self.shared.worker.lock();
        w.delivered += newly as u64 - rejected.min(newly as u64);
        w.rejected += rejected;
        if let Some(why) = why {
            w.last_error = Some(why);
        }
        w.last_acked_seq = self.acked_seq;
    }

    /// Takes up to `max` events from the queue into `taking`: to send
    /// (backlog source), or as announcements of what the journal recorded
    /// (replay source).
    fn take_queued(&mut self, max: usize) {
        let n = self.shared.queue.take(&mut self.taking, max);
        self.shared.taken.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Takes up to `max` events to send from the backlog or the journal.
    fn take(&mut self, max: usize, out: &mut Vec<Item>) {
        if self.replay.is_none() {
            self.take_queued(max);
            out.extend(self.taking.drain(..).map(Item::new));
            return;
        }
        self.read_ahead();
        let n = max.min(self.pending.len());
        out.extend(self.pending.drain(..n));
    }

    /// Replay: keeps up to one batch read from the journal.
    fn read_ahead(&mut self) {
        let Some(replay) = self.replay.clone() else {
            return;
        };
        self.take_queued(usize::MAX);
        if let Some(last) = self.taking.last() {
            self.shared
                .head_seq
                .fetch_max(last.seq(), Ordering::Relaxed);
        }
        self.taking.clear();
        if self.pending.len() >= self.config.max_batch {
            return;
        }
        let want = self.config.max_batch - self.pending.len();
        match replay.read_after(self.read_pos, want) {
            Ok(items) => {
                let mut gaps = 0;
                for item in items {
                    let seq = item.event.seq();
                    if seq <= self.read_pos {
                        continue;
                    }
                    // Before the first event there is no expectation unless a cursor says so.
                    if self.read_pos > 0 || self.shared.cursor.is_some() {
                        gaps += seq - self.read_pos - 1;
                    }
                    self.read_pos = seq;
                    self.pending.push_back(item);
                }
                if gaps > 0 {
                    self.shared.worker.lock().gaps += gaps;
                }
            }
            Err(e) => {
                self.shared.worker.lock().last_error =
                    Some(format!("reading the journal: {}", e.message()));
            }
        }
    }

    fn nothing_left(&mut self) -> bool {
        if !self.in_flight.is_empty() {
            return false;
        }
        if self.replay.is_some() {
            self.read_ahead();
            return self.pending.is_empty();
        }
        self.shared.queue.len() == 0
    }

    fn publish(&self) {
        let mut w = self.shared.worker.lock();
        w.connected = self.connected;
        w.in_flight = self.in_flight.len();
        w.unacked_read = self.pending.len();
        w.read_pos = self.read_pos;
        w.oldest_unacked_timestamp = self
            .in_flight
            .front()
            .or(self.pending.front())
            .map(|i| i.event.timestamp());
    }

    fn maybe_write_cursor(&mut self, now: bool) {
        let Some(path) = &self.config.cursor_path else {
            return;
        };
        let Some(seq) = self.acked_seq else { return };
        if self.cursor_written == Some(seq) {
            return;
        }
        if !now && self.cursor_at.elapsed() < self.config.cursor_interval {
            return;
        }
        match write_cursor(path, &self.log_id, seq) {
            Ok(()) => {
                self.cursor_written = Some(seq);
                self.cursor_at = Instant::now();
            }
            Err(e) => self.shared.worker.lock().last_error = Some(e.message().to_owned()),
        }
    }
}
