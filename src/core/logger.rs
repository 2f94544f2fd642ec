//! The audit logger: ring, ordered stream, subscribers and configuration
//! behind one thread-safe handle.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use super::config::Config;
use super::error::{Error, ErrorKind, Result};
use super::event::{Event, NewEvent};
use super::export::{parse_document, write_document};
use super::file::write_atomic;
use super::query::Filter;
use super::queue::{Delivery, Overflow, Queue};
use super::ring::Ring;
use super::severity::Severity;
use super::sink::Sink;
use super::stream::{Reservation, Reservations, Stream, Tap};
use super::subscribers::{Callback, Subscribers, Subscription, SubscriptionStats};
use super::sync::{Arc, CachePadded, Mutex};
use super::text::utf8;
use super::timestamp::now_micros;

/// What the logger's one lock protects: the ring and the stream's consumers,
/// so that storing an event and handing it downstream happen in one step, in
/// sequence order.
pub(crate) struct State {
    pub(crate) ring: Ring,
    pub(crate) stream: Stream,
}

/// Everything a logger holds; shared with the fork handlers.
pub(crate) struct Shared {
    pub(crate) config: Config,
    /// On cache lines of its own: producers on other cores take it in turn,
    /// and read `config` and `subscribers` on every event.
    pub(crate) state: CachePadded<Mutex<State>>,
    pub(crate) subscribers: Subscribers,
    sink: Option<SinkHook>,
    /// The forwarders attached to this logger (see `crate::forward::attach`).
    pub(crate) forwarders: crate::forward::Attachments,
}

/// The durable consumer of the stream and the queue that feeds it.
struct SinkHook {
    sink: Arc<dyn Sink>,
    queue: Arc<Queue>,
}

/// How long a producer waits for room in a sink's queue before the event is
/// refused: long enough for any disk, short enough that a stuck one is seen.
const SINK_ROOM_TIMEOUT: Duration = Duration::from_secs(30);

/// A thread-safe audit log keeping the newest events in memory. Every operation
/// may be called from any thread at any time.
pub struct AuditLogger {
    shared: Arc<Shared>,
}

impl AuditLogger {
    /// A logger keeping at most `capacity` events, other settings default.
    pub fn new(capacity: usize) -> Result<AuditLogger> {
        AuditLogger::with_config(Config::with_capacity(capacity))
    }

    /// A logger with `config`, which must pass [`Config::validate`].
    pub fn with_config(config: Config) -> Result<AuditLogger> {
        config.validate()?;
        Ok(AuditLogger::assemble(config, Vec::new(), None))
    }

    /// A logger whose ring starts with `restored` (contiguous seqs, oldest
    /// first) and whose stream also feeds a sink made by `make` from the queue
    /// it will consume (of `queue_capacity` events).
    pub(crate) fn with_sink(
        config: Config,
        restored: Vec<Event>,
        queue_capacity: usize,
        make: impl FnOnce(Arc<Queue>) -> Result<Arc<dyn Sink>>,
    ) -> Result<AuditLogger> {
        config.validate()?;
        let queue = Arc::new(Queue::new(
            queue_capacity.max(1),
            Overflow::Block(SINK_ROOM_TIMEOUT),
        ));
        let sink = make(queue.clone())?;
        Ok(AuditLogger::assemble(
            config,
            restored,
            Some(SinkHook { sink, queue }),
        ))
    }

    fn assemble(config: Config, restored: Vec<Event>, sink: Option<SinkHook>) -> AuditLogger {
        let mut ring = Ring::new(config.capacity, config.max_total_bytes);
        ring.restore(restored);
        let mut stream = Stream::default();
        if let Some(hook) = &sink {
            stream.add(Tap {
                queue: hook.queue.clone(),
                imported: true,
                lossless: true,
            });
        }
        let shared = Arc::new(Shared {
            state: CachePadded(Mutex::new(State { ring, stream })),
            config,
            subscribers: Subscribers::default(),
            sink,
            forwarders: Default::default(),
        });
        #[cfg(not(feature = "shuttle"))]
        super::fork::register(&shared);
        AuditLogger { shared }
    }

    /// The configuration this logger was made with.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Validates and records an event, hands it to the queued subscribers in
    /// sequence order, then calls every synchronous subscriber with it on this
    /// thread, outside the logger's lock. Returns the event's sequence number.
    /// Invalid input is an error and records nothing; so is logging from
    /// callbacks nested more than [`MAX_NESTED_LOG_DEPTH`](super::MAX_NESTED_LOG_DEPTH) deep.
    pub fn log(&self, new: &NewEvent<'_>) -> Result<u64> {
        Subscribers::check_depth()?;
        let event = Event::build(new, &self.shared.config)?;
        self.append(std::iter::once(event), new.severity)
    }

    /// Records `events` as [`log`](Self::log) would one after another, but in
    /// one step: every event is validated first, and one invalid event is an
    /// error (its message starts with the event's index) that records none of
    /// them. Otherwise they get consecutive sequence numbers, one timestamp
    /// (one clock reading), and reach the stream with no other event between
    /// them. Returns the first sequence number (0 for an empty batch).
    pub fn log_batch(&self, events: &[NewEvent<'_>]) -> Result<u64> {
        Subscribers::check_depth()?;
        if events.is_empty() {
            return Ok(0);
        }
        let config = &self.shared.config;
        let mut built = Vec::with_capacity(events.len());
        for (i, new) in events.iter().enumerate() {
            built.push(
                Event::build(new, config)
                    .map_err(|e| Error::new(e.kind(), format!("event {i}: {}", e.message())))?,
            );
        }
        let severity = events.iter().map(|e| e.severity).max().expect("not empty");
        self.append(built, severity)
    }

    /// Stores built `events` with consecutive sequence numbers under one lock
    /// and hands them downstream; returns the first sequence number.
    /// `severity` is the highest among them, for the sink.
    fn append(
        &self,
        events: impl IntoIterator<Item = Event, IntoIter: ExactSizeIterator>,
        severity: Severity,
    ) -> Result<u64> {
        let shared = &*self.shared;
        let events = events.into_iter();
        let n = events.len();
        if let Some(hook) = &shared.sink {
            hook.sink.admit()?;
        }
        // Places in `Block` queues are reserved before the lock, so the lock
        // is never held while waiting. The sink needs at least one place (it
        // never drops: the rest of a batch is queued past its capacity).
        let mut reserved = Reservations::default();
        if let Some(hook) = &shared.sink {
            let places = hook.queue.reserve(n, SINK_ROOM_TIMEOUT);
            if places == 0 {
                hook.sink.abandoned();
                return Err(Error::new(
                    ErrorKind::Timeout,
                    format!(
                        "the journal's queue stayed full for {} s; the event was not recorded",
                        SINK_ROOM_TIMEOUT.as_secs()
                    ),
                ));
            }
            reserved.sink = Some(Reservation {
                queue: &hook.queue,
                places,
            });
        }
        let blocking = shared.subscribers.blocking_queues();
        for queue in &blocking {
            let timeout = queue.block_timeout().unwrap_or(Duration::ZERO);
            let places = queue.reserve(n, timeout);
            reserved.others.push(Reservation { queue, places });
        }
        let sync = !shared.subscribers.no_sync();
        let mut copies = Vec::with_capacity(if sync { n } else { 0 });
        // The first evicted event, and in a batch the others: released after
        // the lock.
        let mut evicted = None;
        let mut more_evicted = Vec::with_capacity(n - 1);
        // The clock is read before the lock, which then holds only for the
        // slot writes and the handoff; the ring keeps timestamps in sequence order.
        let clock = now_micros();
        let (first, taps) = {
            let mut state = shared.state.lock();
            let timestamp = state.ring.timestamp(clock);
            let downstream = !state.stream.is_empty();
            let mut first = 0;
            for event in events {
                let (seq, old) = state.ring.push(event, timestamp);
                if first == 0 {
                    first = seq;
                }
                if let Some(old) = old {
                    match evicted {
                        None => evicted = Some(old),
                        Some(_) => more_evicted.push(old),
                    }
                }
                if downstream || sync {
                    // Shares the stored event's text: no allocation.
                    let stored = state.ring.get(seq).expect("just stored");
                    if downstream {
                        state.stream.publish(stored, false, &mut reserved);
                    }
                    if sync {
                        copies.push(stored.clone());
                    }
                }
            }
            (first, downstream.then(|| state.stream.taps().clone()))
        };
        drop(evicted);
        drop(more_evicted);
        if let Some(taps) = taps {
            Stream::wake(&taps);
        }
        let last = first + (n as u64 - 1);
        let durable = match &shared.sink {
            Some(hook) => hook.sink.logged(last, severity),
            None => Ok(()),
        };
        for copy in &copies {
            shared.subscribers.notify(copy);
        }
        durable.map(|()| first)
    }

    /// The events matching `filter`, oldest first (see [`Filter`]).
    pub fn query(&self, filter: &Filter) -> Vec<Event> {
        self.shared.state.lock().ring.select(filter)
    }

    /// A copy of the event with sequence number `seq`, or `None` if it was evicted
    /// or not logged yet. O(1).
    pub fn get(&self, seq: u64) -> Option<Event> {
        self.shared.state.lock().ring.get(seq).cloned()
    }

    /// The newest `n` events, oldest first; `recent(0)` is empty.
    pub fn recent(&self, n: usize) -> Vec<Event> {
        self.query(&Filter {
            limit: Some(n),
            ..Filter::default()
        })
    }

    /// Every stored event as a pretty-printed JSON document (see
    /// [`write_document`](super::export::write_document)).
    pub fn export_json(&self) -> String {
        let events: Vec<Event> = self.shared.state.lock().ring.iter().cloned().collect();
        let mut out = Vec::with_capacity(events.len() * 320 + 2);
        write_document(&mut out, &events);
        String::from_utf8(out).expect("the document writer emits UTF-8")
    }

    /// Exports to `path` atomically and returns the document. On failure the file
    /// previously at `path`, if any, is intact. An existing file keeps its
    /// permissions; a new one is made with mode 0600; a symbolic link to a file
    /// is followed, a dangling one refused.
    pub fn export_json_to(&self, path: &Path) -> Result<String> {
        let doc = self.export_json();
        write_atomic(path, doc.as_bytes())?;
        Ok(doc)
    }

    /// Appends the events of an exported document, keeping their timestamps and
    /// giving them fresh sequence numbers. All or nothing: a bad document changes
    /// nothing. Imported events are not passed to subscribers. Returns how many.
    pub fn import_json(&self, text: &str) -> Result<usize> {
        self.check_document_size(text.len())?;
        let events = parse_document(text, &self.shared.config)?;
        let n = events.len();
        let taps = {
            let mut state = self.shared.state.lock();
            for event in events {
                let timestamp = event.timestamp();
                let (seq, _) = state.ring.push(event, timestamp);
                if !state.stream.is_empty() {
                    let stored = state.ring.get(seq).expect("just stored").clone();
                    state
                        .stream
                        .publish(&stored, true, &mut Reservations::default());
                }
            }
            state.stream.taps().clone()
        };
        Stream::wake(&taps);
        Ok(n)
    }

    /// Imports a document given as bytes: as [`import_json`](Self::import_json),
    /// after checking that they are UTF-8 (the error names the first bad byte).
    pub fn import_json_bytes(&self, bytes: &[u8]) -> Result<usize> {
        self.check_document_size(bytes.len())?;
        let text = utf8(bytes).map_err(|e| {
            Error::new(
                ErrorKind::InvalidUtf8,
                format!(
                    "the document is not valid UTF-8 (at byte {})",
                    e.valid_up_to()
                ),
            )
        })?;
        self.import_json(text)
    }

    /// Reads the regular file at `path` and imports it as
    /// [`import_json_bytes`](Self::import_json_bytes) does. Pipes, devices and
    /// directories are refused without reading, and so is a file longer than
    /// [`Config::max_document_bytes`].
    pub fn import_json_file(&self, path: &Path) -> Result<usize> {
        use std::os::unix::fs::OpenOptionsExt;
        let fail = |what: &str, e: &std::io::Error| {
            Error::io(format!("cannot read {}: {what}{e}", path.display()), e)
        };
        // Non-blocking, so that opening a FIFO does not wait for a writer.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)
            .map_err(|e| fail("", &e))?;
        let meta = file.metadata().map_err(|e| fail("", &e))?;
        if !meta.is_file() {
            return Err(Error::io(
                format!(
                    "cannot read {}: not a regular file (pipes, devices and directories are refused)",
                    path.display()
                ),
                &std::io::Error::from_raw_os_error(libc::EINVAL),
            ));
        }
        self.check_document_size(usize::try_from(meta.len()).unwrap_or(usize::MAX))?;
        let limit = self.shared.config.max_document_bytes as u64;
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail("", &e))?;
        self.import_json_bytes(&bytes)
    }

    fn check_document_size(&self, len: usize) -> Result<()> {
        let limit = self.shared.config.max_document_bytes;
        if len > limit {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!("the document is {len} bytes, over max_document_bytes ({limit})"),
            ));
        }
        Ok(())
    }

    /// Registers `callback` for every event logged from now on, delivered
    /// synchronously; returns its id.
    pub fn subscribe(&self, callback: Callback) -> u64 {
        self.subscribe_with(callback, Delivery::Sync)
            .expect("synchronous subscriptions cannot fail")
    }

    /// Registers `callback` with the given delivery model; returns its id. A queued
    /// subscription gets its own delivery thread and receives events in sequence
    /// order; ending it discards what is still queued (counted as dropped)
    /// without waiting for the thread.
    pub fn subscribe_with(&self, callback: Callback, delivery: Delivery) -> Result<u64> {
        Ok(self.subscribe_queue(Some(callback), delivery)?.0)
    }

    /// A queued subscription without a callback: the caller consumes the
    /// returned queue on a thread of its own (a forwarder's worker). It
    /// applies its overflow policy to producers as any queued subscription's.
    pub(crate) fn subscribe_consumer(
        &self,
        capacity: usize,
        overflow: Overflow,
    ) -> Result<(u64, Arc<Queue>)> {
        let (id, queue) = self.subscribe_queue(None, Delivery::Queued { capacity, overflow })?;
        Ok((id, queue.expect("a queued subscription has a queue")))
    }

    fn subscribe_queue(
        &self,
        callback: Option<Callback>,
        delivery: Delivery,
    ) -> Result<(u64, Option<Arc<Queue>>)> {
        let sub = self.shared.subscribers.add(callback, delivery)?;
        if let Some(queue) = sub.queue() {
            self.shared.state.lock().stream.add(Tap {
                queue: queue.clone(),
                imported: false,
                lossless: false,
            });
        }
        Ok((sub.id(), sub.queue().cloned()))
    }

    /// Waits up to `timeout` for every queued subscription to deliver what it
    /// holds; returns whether all did. An error on a delivery thread.
    pub fn flush(&self, timeout: Duration) -> Result<bool> {
        self.shared.subscribers.flush(Instant::now() + timeout)
    }

    /// Ends the subscription `id` and returns its final counters (events still
    /// queued count as dropped); `None` if there was none. A synchronous
    /// dispatch already under way on another thread may still call it once
    /// more; the callback is dropped when the last such dispatch ends.
    pub fn unsubscribe(&self, id: u64) -> Option<SubscriptionStats> {
        let sub = self.shared.subscribers.remove(id)?;
        let stats = self.shared.end(&sub);
        // Dropped here, outside every lock: the callback's cleanup may call back in.
        drop(sub);
        Some(stats)
    }

    /// The counters of subscription `id`, or `None` if it does not exist.
    pub fn subscription_stats(&self, id: u64) -> Option<SubscriptionStats> {
        self.shared.subscribers.stats(id)
    }

    /// Ends every subscription (as [`unsubscribe`](Self::unsubscribe) does),
    /// stops the journal, then lets each forwarder deliver what is left for
    /// up to its `close_timeout` (see [`forwarder_close_report`](Self::forwarder_close_report));
    /// logging and queries go on working. Dropping the logger does this.
    pub fn close(&self) {
        let subs = self.shared.subscribers.remove_all(|_| true);
        for sub in &subs {
            self.shared.end(sub);
        }
        drop(subs);
        if let Some(hook) = &self.shared.sink {
            hook.sink.close();
        }
        self.shared.forwarders.close();
    }

    /// The forwarders attached to this logger.
    pub(crate) fn forwarders(&self) -> &crate::forward::Attachments {
        &self.shared.forwarders
    }

    /// The sink, as the concrete type its owner made it with.
    pub(crate) fn sink_as<T: 'static>(&self) -> Option<&T> {
        self.shared.sink.as_ref()?.sink.as_any().downcast_ref::<T>()
    }

    /// Events held now.
    pub fn count(&self) -> usize {
        self.shared.state.lock().ring.len()
    }

    /// Most events held.
    pub fn capacity(&self) -> usize {
        self.shared.config.capacity
    }

    /// Events evicted so far to respect capacity or the byte budget.
    pub fn evicted(&self) -> u64 {
        self.shared.state.lock().ring.evicted()
    }

    /// Events ever stored (logged or imported): `count() + evicted()`.
    pub fn appended(&self) -> u64 {
        self.shared.state.lock().ring.appended()
    }
}

impl Shared {
    /// In a child forked from this process (see `super::fork`): the journal
    /// and the forwarders belong to the parent, whose threads do not exist
    /// here. The sink is disconnected from the stream and refuses events,
    /// and closing the logger leaves both alone.
    pub(crate) fn forked(&self) {
        if let Some(hook) = &self.sink {
            self.state.lock().stream.remove(&hook.queue);
            hook.sink.forked();
        }
        self.forwarders.forked();
    }

    /// Disconnects a removed subscription from the stream, then ends it.
    pub(crate) fn end(&self, sub: &Subscription) -> SubscriptionStats {
        if let Some(queue) = sub.queue() {
            self.state.lock().stream.remove(queue);
        }
        sub.end();
        sub.stats()
    }
}

impl Drop for AuditLogger {
    fn drop(&mut self) {
        self.close();
    }
}
