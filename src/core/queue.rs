//! Queued delivery: a bounded queue per subscription, drained by a thread the
//! library owns, so a slow or stuck subscriber never stalls producers beyond the
//! overflow policy chosen at subscribe time.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::event::Event;
use super::sync::{Condvar, Mutex};

/// What happens when a queued subscription's queue is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    /// Discard the oldest queued event to make room (the producer never waits).
    DropOldest,
    /// Discard the new event (the producer never waits).
    DropNewest,
    /// Make the producer wait up to this long for room, then discard the new event.
    Block(Duration),
}

/// How a subscription receives events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// On the logging thread, before `log` returns (the reference's model).
    Sync,
    /// Through a queue of at most `capacity` events, on a library thread.
    Queued {
        /// Most events waiting; must be > 0.
        capacity: usize,
        /// What to do when the queue is full.
        overflow: Overflow,
    },
}

#[derive(Default)]
struct State {
    events: VecDeque<Event>,
    /// The worker is inside the callback.
    busy: bool,
    closed: bool,
}

/// The queue between producers and one subscription's delivery thread.
pub(crate) struct Queue {
    state: Mutex<State>,
    /// Signalled when an event is queued or the queue closes.
    filled: Condvar,
    /// Signalled when room is made or the worker goes idle.
    drained: Condvar,
    capacity: usize,
    overflow: Overflow,
}

/// The outcome of offering an event to a queue.
pub(crate) enum Offer {
    Queued,
    /// The queue was full and an event (the oldest or this one) was discarded.
    Dropped,
    /// The queue is closed; nothing was counted.
    Closed,
}

impl Queue {
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Queue {
        Queue {
            state: Mutex::new(State::default()),
            filled: Condvar::new(),
            drained: Condvar::new(),
            capacity,
            overflow,
        }
    }

    /// Queues a copy of `event` according to the overflow policy.
    pub(crate) fn offer(&self, event: &Event) -> Offer {
        let mut state = self.state.lock();
        if state.closed {
            return Offer::Closed;
        }
        let mut outcome = Offer::Queued;
        if state.events.len() >= self.capacity {
            match self.overflow {
                Overflow::DropNewest => return Offer::Dropped,
                Overflow::DropOldest => {
                    state.events.pop_front();
                    outcome = Offer::Dropped;
                }
                Overflow::Block(timeout) => {
                    let deadline = Instant::now() + timeout;
                    while state.events.len() >= self.capacity && !state.closed {
                        if self.drained.wait_until(&mut state, deadline).timed_out() {
                            break;
                        }
                    }
                    if state.closed {
                        return Offer::Closed;
                    }
                    if state.events.len() >= self.capacity {
                        return Offer::Dropped;
                    }
                }
            }
        }
        state.events.push_back(event.clone());
        drop(state);
        self.filled.notify_one();
        outcome
    }

    /// Waits for the next event; `None` once the queue is closed.
    pub(crate) fn next(&self) -> Option<Event> {
        let mut state = self.state.lock();
        state.busy = false;
        self.drained.notify_all();
        loop {
            if state.closed {
                return None;
            }
            if let Some(event) = state.events.pop_front() {
                state.busy = true;
                return Some(event);
            }
            self.filled.wait(&mut state);
        }
    }

    /// Closes the queue, discarding what it holds; returns how many were discarded.
    pub(crate) fn close(&self) -> u64 {
        let mut state = self.state.lock();
        state.closed = true;
        let discarded = state.events.len() as u64;
        state.events.clear();
        drop(state);
        self.filled.notify_all();
        self.drained.notify_all();
        discarded
    }

    /// Waits until the queue is empty and its callback idle, or `deadline`
    /// passes; returns whether it became idle.
    pub(crate) fn wait_idle(&self, deadline: Instant) -> bool {
        let mut state = self.state.lock();
        while !(state.closed || state.events.is_empty() && !state.busy) {
            if self.drained.wait_until(&mut state, deadline).timed_out() {
                return state.closed || state.events.is_empty() && !state.busy;
            }
        }
        true
    }
}
