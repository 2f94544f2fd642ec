//! The audit logger: ring, subscribers and configuration behind one thread-safe handle.

use std::path::Path;
use std::time::Instant;

use super::config::Config;
use super::error::{Error, ErrorKind, Result};
use super::event::{Event, NewEvent};
use super::export::{parse_document, write_document};
use super::file::write_atomic;
use super::query::Filter;
use super::queue::Delivery;
use super::ring::Ring;
use super::subscribers::{Callback, Subscribers, SubscriptionStats};
use super::sync::Mutex;
use super::timestamp::now_micros;

/// A thread-safe audit log keeping the newest events in memory. Every operation
/// may be called from any thread at any time.
pub struct AuditLogger {
    config: Config,
    ring: Mutex<Ring>,
    subscribers: Subscribers,
}

impl AuditLogger {
    /// A logger keeping at most `capacity` events, other settings default.
    pub fn new(capacity: usize) -> Result<AuditLogger> {
        AuditLogger::with_config(Config::with_capacity(capacity))
    }

    /// A logger with `config`, which must pass [`Config::validate`].
    pub fn with_config(config: Config) -> Result<AuditLogger> {
        config.validate()?;
        Ok(AuditLogger {
            ring: Mutex::new(Ring::new(config.capacity, config.max_total_bytes)),
            config,
            subscribers: Subscribers::default(),
        })
    }

    /// The configuration this logger was made with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Validates and records an event, then calls every subscriber with it on this
    /// thread, outside the logger's lock. Returns the event's sequence number.
    /// Invalid input is an error and records nothing.
    pub fn log(&self, new: &NewEvent<'_>) -> Result<u64> {
        let event = Event::build(new, &self.config)?;
        // A copy shares the event's text: no allocation.
        let copy = (!self.subscribers.is_empty()).then(|| event.clone());
        // The clock is read before the lock, which then holds only for the
        // slot write; the ring keeps timestamps in sequence order.
        let clock = now_micros();
        let (seq, timestamp, evicted) = {
            let mut ring = self.ring.lock();
            let timestamp = ring.timestamp(clock);
            let (seq, evicted) = ring.push(event, timestamp);
            (seq, timestamp, evicted)
        };
        drop(evicted);
        if let Some(mut copy) = copy {
            copy.stamp(seq, timestamp);
            self.subscribers.notify(&copy);
        }
        Ok(seq)
    }

    /// The events matching `filter`, oldest first (see [`Filter`]).
    pub fn query(&self, filter: &Filter) -> Vec<Event> {
        self.ring.lock().select(filter)
    }

    /// A copy of the event with sequence number `seq`, or `None` if it was evicted
    /// or not logged yet. O(1).
    pub fn get(&self, seq: u64) -> Option<Event> {
        self.ring.lock().get(seq).cloned()
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
        let events: Vec<Event> = self.ring.lock().iter().cloned().collect();
        let mut out = Vec::with_capacity(events.len() * 320 + 2);
        write_document(&mut out, &events);
        String::from_utf8(out).expect("the document writer emits UTF-8")
    }

    /// Exports to `path` atomically and returns the document. On failure the file
    /// previously at `path`, if any, is intact.
    pub fn export_json_to(&self, path: &Path) -> Result<String> {
        let doc = self.export_json();
        write_atomic(path, doc.as_bytes())?;
        Ok(doc)
    }

    /// Appends the events of an exported document, keeping their timestamps and
    /// giving them fresh sequence numbers. All or nothing: a bad document changes
    /// nothing. Imported events are not passed to subscribers. Returns how many.
    pub fn import_json(&self, text: &str) -> Result<usize> {
        let events = parse_document(text, &self.config)?;
        let n = events.len();
        let mut ring = self.ring.lock();
        for event in events {
            let timestamp = event.timestamp();
            ring.push(event, timestamp);
        }
        Ok(n)
    }

    /// Reads `path` and imports it as [`import_json`](Self::import_json) does.
    pub fn import_json_file(&self, path: &Path) -> Result<usize> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        self.import_json(&text)
    }

    /// Registers `callback` for every event logged from now on, delivered
    /// synchronously; returns its id.
    pub fn subscribe(&self, callback: Callback) -> u64 {
        self.subscribers
            .add(callback, Delivery::Sync)
            .expect("synchronous subscriptions cannot fail")
    }

    /// Registers `callback` with the given delivery model; returns its id. A queued
    /// subscription gets its own delivery thread; ending it discards what is still
    /// queued (counted as dropped) without waiting for the thread.
    pub fn subscribe_with(&self, callback: Callback, delivery: Delivery) -> Result<u64> {
        self.subscribers.add(callback, delivery)
    }

    /// Waits up to `timeout` for every queued subscription to deliver what it
    /// holds; returns whether all did. An error on a delivery thread.
    pub fn flush(&self, timeout: std::time::Duration) -> Result<bool> {
        self.subscribers.flush(Instant::now() + timeout)
    }

    /// Ends the subscription `id`; `false` if there was none. A dispatch already
    /// under way on another thread may still call it once more; the callback is
    /// dropped when the last such dispatch ends.
    pub fn unsubscribe(&self, id: u64) -> bool {
        self.subscribers.remove(id)
    }

    /// The counters of subscription `id`, or `None` if it does not exist.
    pub fn subscription_stats(&self, id: u64) -> Option<SubscriptionStats> {
        self.subscribers.stats(id)
    }

    /// Events held now.
    pub fn count(&self) -> usize {
        self.ring.lock().len()
    }

    /// Most events held.
    pub fn capacity(&self) -> usize {
        self.config.capacity
    }

    /// Events evicted so far to respect capacity or the byte budget.
    pub fn evicted(&self) -> u64 {
        self.ring.lock().evicted()
    }

    /// Events ever stored (logged or imported): `count() + evicted()`.
    pub fn appended(&self) -> u64 {
        self.ring.lock().appended()
    }
}

impl Drop for AuditLogger {
    fn drop(&mut self) {
        self.subscribers.clear();
    }
}
