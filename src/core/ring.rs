//! The ring buffer: the newest events, bounded by count and by bytes, with the
//! counters that make loss visible.

use std::collections::VecDeque;

use super::event::Event;
use super::query::{Filter, Matcher};

/// Events in sequence order. Sequence numbers in the ring are contiguous: the
/// only gaps a reader can see are at the front, where eviction happened.
pub(crate) struct Ring {
    events: VecDeque<Event>,
    /// The string fingerprints of `events`, index for index: a compact column a
    /// query scans without touching the events themselves.
    prints: VecDeque<[u32; 4]>,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    next_seq: u64,
    evicted: u64,
}

impl Ring {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Ring {
        Ring {
            events: VecDeque::with_capacity(capacity.min(1024)),
            prints: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            max_bytes,
            bytes: 0,
            next_seq: 1,
            evicted: 0,
        }
    }

    /// Stores `event` with the next sequence number and `timestamp`, evicting the
    /// oldest events while over capacity or over the byte budget. O(1) amortised.
    /// Returns the sequence number and the first event evicted, if any, so that
    /// the caller can release it after the lock (the byte budget may evict more;
    /// those are released here).
    pub(crate) fn push(&mut self, mut event: Event, timestamp: i64) -> (u64, Option<Event>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        event.stamp(seq, timestamp);
        self.bytes += event.memory_size();
        self.prints.push_back(*event.fingerprints());
        self.events.push_back(event);
        let mut first = None;
        while self.events.len() > self.capacity
            || (self.bytes > self.max_bytes && self.events.len() > 1)
        {
            let old = self.events.pop_front().expect("the ring is not empty");
            self.prints.pop_front();
            self.bytes -= old.memory_size();
            self.evicted += 1;
            first.get_or_insert(old);
        }
        (seq, first)
    }

    /// The newest `filter.limit` events passing `filter` with seq > `filter.after_seq`,
    /// oldest first. Scans the fingerprint column from the newest end, so a small
    /// limit stops early; only rows whose fingerprints match are read as events,
    /// and results share the events' text.
    pub(crate) fn select(&self, filter: &Filter) -> Vec<Event> {
        let limit = filter.limit.unwrap_or(usize::MAX);
        let first_seq = self.events.front().map_or(self.next_seq, Event::seq);
        let skip = filter.after_seq.map_or(0, |after| {
            usize::try_from(after.saturating_add(1).saturating_sub(first_seq)).unwrap_or(usize::MAX)
        });
        let matcher = Matcher::new(filter);
        let mut out = Vec::new();
        // The column in two slices (the deque may wrap), newest part first.
        let (older, newer) = self.prints.as_slices();
        'scan: for (base, rows) in [(older.len(), newer), (0, older)] {
            let from = skip.saturating_sub(base).min(rows.len());
            for (i, row) in rows.iter().enumerate().skip(from).rev() {
                if out.len() >= limit {
                    break 'scan;
                }
                if matcher.may_match(row) {
                    let event = &self.events[base + i];
                    if matcher.matches(event) {
                        out.push(event.clone());
                    }
                }
            }
        }
        out.reverse();
        out
    }

    /// The event with sequence number `seq`, if it is still held.
    pub(crate) fn get(&self, seq: u64) -> Option<&Event> {
        let first = self.events.front()?.seq();
        let index = usize::try_from(seq.checked_sub(first)?).ok()?;
        self.events.get(index)
    }

    /// All events, oldest first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Event> {
        self.events.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.events.len()
    }

    pub(crate) fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Events ever stored: those held plus those evicted.
    pub(crate) fn appended(&self) -> u64 {
        self.next_seq - 1
    }
}
