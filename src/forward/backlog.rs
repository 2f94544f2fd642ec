//! The bounded backlog between `offer` (the library's thread) and the worker.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::core::sync::{Condvar, Mutex};

use super::source::Item;
use crate::core::Overflow;

#[derive(Default)]
pub(crate) struct State {
    /// Events waiting (only with the backlog source).
    pub(crate) items: VecDeque<Item>,
    /// Events offered (seq above the cursor).
    pub(crate) offered: u64,
    /// Events discarded by the overflow policy.
    pub(crate) dropped: u64,
    /// The newest seq offered, and its timestamp.
    pub(crate) head_seq: u64,
    pub(crate) head_timestamp: i64,
    /// The longest an `offer` waited for room.
    pub(crate) max_wait: Duration,
    /// Offers waiting for room now: counted, neither queued nor dropped yet.
    pub(crate) waiting_offers: usize,
    /// Something was offered since the worker last looked.
    pub(crate) wake: bool,
    /// The forwarder is closing: the worker drains and stops.
    pub(crate) closing: bool,
}

pub(crate) struct Backlog {
    pub(crate) state: Mutex<State>,
    /// Signalled when something is offered or the forwarder closes.
    pub(crate) filled: Condvar,
    /// Signalled when the worker takes events (room for a blocked offer).
    pub(crate) drained: Condvar,
    capacity: usize,
    overflow: Overflow,
    /// Events are kept (backlog source) or only announced (replay source).
    keep: bool,
}

impl Backlog {
    pub(crate) fn new(capacity: usize, overflow: Overflow, keep: bool) -> Backlog {
        Backlog {
            state: Mutex::new(State::default()),
            filled: Condvar::new(),
            drained: Condvar::new(),
            capacity,
            overflow,
            keep,
        }
    }

    /// Queues `item` by the overflow policy; never waits longer than `Block`'s timeout.
    pub(crate) fn offer(&self, item: Item) {
        let mut state = self.state.lock();
        state.offered += 1;
        state.head_seq = state.head_seq.max(item.event.seq());
        state.head_timestamp = item.event.timestamp();
        state.wake = true;
        if !self.keep {
            drop(state);
            self.filled.notify_one();
            return;
        }
        if state.items.len() >= self.capacity {
            match self.overflow {
                Overflow::DropNewest => {
                    state.dropped += 1;
                    return;
                }
                Overflow::DropOldest => {
                    state.items.pop_front();
                    state.dropped += 1;
                }
                Overflow::Block(timeout) => {
                    let start = Instant::now();
                    let deadline = start + timeout;
                    state.waiting_offers += 1;
                    while state.items.len() >= self.capacity && !state.closing {
                        if self.drained.wait_until(&mut state, deadline).timed_out() {
                            break;
                        }
                    }
                    state.waiting_offers -= 1;
                    let waited = start.elapsed();
                    state.max_wait = state.max_wait.max(waited);
                    if state.items.len() >= self.capacity {
                        state.dropped += 1;
                        return;
                    }
                }
            }
        }
        state.items.push_back(item);
        drop(state);
        self.filled.notify_one();
    }

    /// Takes up to `max` waiting events.
    pub(crate) fn take(&self, max: usize, out: &mut Vec<Item>) {
        let mut state = self.state.lock();
        let n = max.min(state.items.len());
        out.extend(state.items.drain(..n));
        if n > 0 {
            drop(state);
            self.drained.notify_all();
        }
    }

    /// Waits until something is offered, the forwarder closes, or `timeout` passes.
    pub(crate) fn wait(&self, timeout: Duration) {
        let mut state = self.state.lock();
        if !state.wake && !state.closing {
            let _ = self
                .filled
                .wait_until(&mut state, std::time::Instant::now() + timeout);
        }
        state.wake = false;
    }

    pub(crate) fn close(&self) {
        self.state.lock().closing = true;
        self.filled.notify_all();
        self.drained.notify_all();
    }
}
