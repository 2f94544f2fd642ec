//! The ring buffer: the newest events, bounded by count and by bytes, with the
//! counters that make loss visible.

use std::collections::VecDeque;

use super::event::Event;
use super::query::{row, Filter, Matcher};

/// Events in sequence order. Sequence numbers in the ring are contiguous: the
/// only gaps a reader can see are at the front, where eviction happened.
pub(crate) struct Ring {
    events: VecDeque<Event>,
    /// The string fingerprints of `events` as [`row`]s, index for index: a
    /// compact column a query scans without touching the events themselves.
    prints: VecDeque<u64>,
    capacity: usize,
    max_bytes: usize,
    bytes: usize,
    next_seq: u64,
    evicted: u64,
    /// The newest timestamp given to a logged (not imported) event.
    latest: i64,
}

/// How far back the clock may appear to go between two logged events and
/// still be read as threads racing to the lock rather than the clock being
/// set back (microseconds).
const RACE_TOLERANCE: i64 = 1_000_000;

impl Ring {
    pub(crate) fn new(capacity: usize, max_bytes: usize) -> Ring {
        Ring {
            events: VecDeque::new(),
            prints: VecDeque::new(),
            capacity,
            max_bytes,
            bytes: 0,
            next_seq: 1,
            evicted: 0,
            latest: i64::MIN,
        }
    }

    /// Puts back `events` (contiguous seqs, oldest first, as a journal kept
    /// them) into an empty ring, so that the sequence continues after the
    /// newest; the seqs before the first count as evicted.
    pub(crate) fn restore(&mut self, events: Vec<Event>) {
        let Some(first) = events.first().map(Event::seq) else {
            return;
        };
        self.next_seq = first;
        self.evicted = first - 1;
        for event in events {
            let timestamp = event.timestamp();
            debug_assert_eq!(event.seq(), self.next_seq);
            self.push(event, timestamp);
            self.latest = self.latest.max(timestamp);
        }
    }

    /// The timestamp for an event being logged whose clock reading, taken
    /// before the lock, was `clock`: never older than the previous logged
    /// event's, so sequence order is time order. A thread that read the clock
    /// first but lost the race to the lock gets the winner's timestamp, a time
    /// at which its own call was under way. A clock set back by more than
    /// [`RACE_TOLERANCE`] is followed; a smaller step back holds timestamps at
    /// the newest until the clock catches up.
    pub(crate) fn timestamp(&mut self, clock: i64) -> i64 {
        let behind = self.latest.saturating_sub(clock);
        if (1..=RACE_TOLERANCE).contains(&behind) {
            return self.latest;
        }
        self.latest = clock;
        clock
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
        let mut first = None;
        // A full ring evicts before it stores: the deques' buffers hold
        // exactly `capacity` once full (see `grow`), so the new event and its
        // row go into the slots just vacated, whose cache lines the eviction
        // has brought here, instead of into two more lines.
        if self.events.len() == self.capacity {
            first = self.pop_oldest();
        } else if self.events.len() == self.events.capacity() {
            self.grow();
        }
        self.bytes += event.memory_size();
        self.prints.push_back(row(event.fingerprints()));
        self.events.push_back(event);
        while self.bytes > self.max_bytes && self.events.len() > 1 {
            let old = self.pop_oldest();
            first = first.or(old);
        }
        if first.is_some() {
            if let Some(next) = self.events.front() {
                next.prefetch_release();
            }
        }
        (seq, first)
    }

    /// Evicts the oldest event and returns it.
    fn pop_oldest(&mut self) -> Option<Event> {
        let old = self.events.pop_front()?;
        self.prints.pop_front();
        self.bytes -= old.memory_size();
        self.evicted += 1;
        Some(old)
    }

    /// Makes room in the deques, doubling them but never past `capacity`,
    /// so that a full ring's buffers hold exactly `capacity` events (a large
    /// capacity is not allocated before it is used).
    fn grow(&mut self) {
        let len = self.events.len();
        let more = (len * 2).max(1024).min(self.capacity) - len;
        self.events.reserve_exact(more);
        self.prints.reserve_exact(more);
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
        if limit == 0 {
            return out;
        }
        // The column in two slices (the deque may wrap), newest part first,
        // read newest first in blocks: a block where no row can match is
        // passed over after one branch-free check of all its rows.
        const BLOCK: usize = 16;
        let (older, newer) = self.prints.as_slices();
        'scan: for (base, rows) in [(older.len(), newer), (0, older)] {
            let from = skip.saturating_sub(base).min(rows.len());
            let mut end = rows.len();
            while end > from {
                let start = end.saturating_sub(BLOCK).max(from);
                let block = &rows[start..end];
                if block
                    .iter()
                    .fold(false, |any, &r| any | matcher.may_match(r))
                {
                    for (i, &packed) in block.iter().enumerate().rev() {
                        if !matcher.may_match(packed) {
                            continue;
                        }
                        let event = &self.events[base + start + i];
                        if matcher.matches(event) {
                            out.push(event.clone());
                            if out.len() == limit {
                                break 'scan;
                            }
                        }
                    }
                }
                end = start;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Config, NewEvent};

    /// `select` against a plain filter over every event, on a ring whose deque
    /// has wrapped and whose column spans many blocks of the scan.
    #[test]
    fn select_agrees_with_a_plain_scan_across_wraps_and_blocks() {
        let config = Config::with_capacity(100);
        let mut ring = Ring::new(100, 1 << 30);
        let actors = ["a", "b", "c", "d", "e", "f", "g"];
        for n in 0..250usize {
            let new = NewEvent {
                actor: actors[n % 7],
                outcome: if n % 3 == 0 { "denied" } else { "ok" },
                ..NewEvent::default()
            };
            ring.push(Event::build(&new, &config).unwrap(), 0);
        }
        for actor in [None, Some("a"), Some("g"), Some("zz")] {
            for outcome in [None, Some("denied")] {
                for after_seq in [None, Some(0), Some(150), Some(203), Some(260)] {
                    for limit in [None, Some(0), Some(1), Some(17), Some(40)] {
                        let filter = Filter {
                            actor: actor.map(String::from),
                            outcome: outcome.map(String::from),
                            after_seq,
                            limit,
                            ..Filter::default()
                        };
                        let mut want: Vec<u64> = ring
                            .iter()
                            .filter(|e| filter.matches(e) && after_seq.is_none_or(|a| e.seq() > a))
                            .map(Event::seq)
                            .collect();
                        want.drain(..want.len().saturating_sub(limit.unwrap_or(usize::MAX)));
                        let got: Vec<u64> = ring.select(&filter).iter().map(Event::seq).collect();
                        assert_eq!(got, want, "{filter:?}");
                    }
                }
            }
        }
    }

    /// What lets a full ring store each event in the slot its eviction just
    /// vacated: once full, the deques' buffers hold exactly `capacity`.
    #[test]
    fn a_full_ring_holds_exactly_its_capacity_and_keeps_the_newest() {
        let config = Config::with_capacity(5000);
        for capacity in [1, 7, 1024, 1025, 5000] {
            let mut ring = Ring::new(capacity, 1 << 30);
            for n in 0..capacity * 3 + 5 {
                let resource = n.to_string();
                let new = NewEvent {
                    resource: &resource,
                    ..NewEvent::default()
                };
                let (seq, evicted) = ring.push(Event::build(&new, &config).unwrap(), 0);
                assert_eq!(seq, n as u64 + 1);
                assert_eq!(
                    evicted.map(|e| e.seq()),
                    seq.checked_sub(capacity as u64).filter(|&s| s > 0)
                );
            }
            assert_eq!(ring.events.capacity(), capacity, "capacity {capacity}");
            assert_eq!(ring.prints.capacity(), capacity, "capacity {capacity}");
            let seqs: Vec<u64> = ring.iter().map(Event::seq).collect();
            let last = (capacity * 3 + 5) as u64;
            assert_eq!(
                seqs,
                (last - capacity as u64 + 1..=last).collect::<Vec<_>>()
            );
            assert_eq!(ring.evicted(), last - capacity as u64);
        }
    }

    #[test]
    fn timestamps_follow_sequence_order_unless_the_clock_is_set_back() {
        let mut ring = Ring::new(10, 1 << 20);
        assert_eq!(ring.timestamp(5_000_000), 5_000_000);
        // A thread that lost the race to the lock.
        assert_eq!(ring.timestamp(4_999_990), 5_000_000);
        assert_eq!(ring.timestamp(5_000_000), 5_000_000);
        assert_eq!(ring.timestamp(5_000_007), 5_000_007);
        // A step back of at most the tolerance holds; a larger one is followed.
        assert_eq!(ring.timestamp(4_000_007), 5_000_007);
        assert_eq!(ring.timestamp(4_000_006), 4_000_006);
        assert_eq!(ring.timestamp(4_000_010), 4_000_010);
        // Before the epoch is fine too.
        let mut ring = Ring::new(10, 1 << 20);
        assert_eq!(ring.timestamp(-5), -5);
        assert_eq!(ring.timestamp(-7), -5);
    }
}
