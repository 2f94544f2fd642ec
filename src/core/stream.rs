//! The ordered stream: the one way events leave the ring for anything
//! downstream (queued subscribers, the journal writer). Each consumer has a
//! [`Queue`]; the logger publishes every stored event to every queue while it
//! still holds its lock, so each queue receives events in strictly increasing
//! sequence order however many threads log. Publishing is a push per queue and
//! never waits: a producer that must wait for room (the `Block` policy) has
//! reserved its place before taking the lock.

use super::event::Event;
use super::queue::Queue;
use super::sync::Arc;

/// One consumer of the stream.
#[derive(Clone)]
pub(crate) struct Tap {
    pub(crate) queue: Arc<Queue>,
    /// Whether imported events reach it too (subscribers see only logged ones).
    pub(crate) imported: bool,
    /// Never drops: an event without a reserved place is queued past the
    /// capacity (the journal, which must see every event).
    pub(crate) lossless: bool,
}

/// Places a producer reserved in one queue before taking the logger's lock.
pub(crate) struct Reservation<'a> {
    pub(crate) queue: &'a Queue,
    pub(crate) places: usize,
}

/// Every place a producer reserved: in the sink's queue, and in the queues of
/// `Block` subscribers (kept apart so that the usual case, a journal and no
/// such subscriber, allocates nothing).
#[derive(Default)]
pub(crate) struct Reservations<'a> {
    pub(crate) sink: Option<Reservation<'a>>,
    pub(crate) others: Vec<Reservation<'a>>,
}

impl Reservations<'_> {
    /// Uses up one place reserved in `queue`, if one is left.
    fn take(&mut self, queue: &Queue) -> bool {
        self.sink
            .iter_mut()
            .chain(self.others.iter_mut())
            .find(|r| r.places > 0 && std::ptr::eq(r.queue, queue))
            .map(|r| r.places -= 1)
            .is_some()
    }
}

/// The consumers, shared so that a producer can wake them after the lock.
#[derive(Clone, Default)]
pub(crate) struct Stream {
    taps: Arc<Vec<Tap>>,
}

impl Stream {
    pub(crate) fn is_empty(&self) -> bool {
        self.taps.is_empty()
    }

    pub(crate) fn add(&mut self, tap: Tap) {
        let mut taps = Vec::clone(&self.taps);
        taps.push(tap);
        self.taps = Arc::new(taps);
    }

    /// Removes the tap feeding `queue`, if any.
    pub(crate) fn remove(&mut self, queue: &Arc<Queue>) {
        let taps: Vec<Tap> = self
            .taps
            .iter()
            .filter(|t| !Arc::ptr_eq(&t.queue, queue))
            .cloned()
            .collect();
        self.taps = Arc::new(taps);
    }

    /// The taps, for waking them after the lock.
    pub(crate) fn taps(&self) -> &Arc<Vec<Tap>> {
        &self.taps
    }

    /// Hands `event` (stored, stamped) to every tap; `reserved` lists the
    /// places the producer holds, and each push into one uses one up.
    /// Called under the logger's lock.
    pub(crate) fn publish(&self, event: &Event, imported: bool, reserved: &mut Reservations<'_>) {
        for tap in self.taps.iter() {
            if imported && !tap.imported {
                continue;
            }
            let place = reserved.take(&tap.queue);
            tap.queue.push(event, place, tap.lossless);
        }
    }

    /// Wakes every consumer (after the logger's lock is released).
    pub(crate) fn wake(taps: &[Tap]) {
        for tap in taps {
            tap.queue.wake();
        }
    }
}
