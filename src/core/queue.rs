//! A bounded queue between the ordered stream and one consumer thread (a
//! queued subscription's delivery thread, the journal writer, a forwarder's
//! worker), with the
//! overflow policy chosen when it was made. Events enter in sequence order,
//! under the logger's lock (see [`Stream`](super::stream::Stream)), so the
//! consumer sees them in that order; a producer that must wait for room waits
//! *before* taking that lock, by reserving a place.

use std::cell::Cell;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::event::Event;
use super::sync::{thread_local, AtomicBool, Condvar, Mutex, Ordering};

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

thread_local! {
    /// The queue whose consumer runs on this thread (its address), or 0.
    static DRAINING: Cell<usize> = const { Cell::new(0) };
}

#[derive(Default)]
struct State {
    events: VecDeque<Event>,
    /// Places promised to producers waiting under [`Overflow::Block`]; they
    /// count as occupied.
    reserved: usize,
    /// Threads waiting on `drained` (for room, or for the queue to go idle).
    waiting: usize,
    /// The consumer is handling an event it took.
    busy: bool,
    /// The consumer waits on `filled` and no producer has been told to wake it.
    asleep: bool,
    closed: bool,
    /// No more events will come; the consumer drains what is queued, then stops.
    finishing: bool,
    /// Events discarded by the overflow policy or by closing.
    dropped: u64,
    /// The longest a producer waited in `reserve`.
    max_wait: Duration,
}

/// The queue between the ordered stream and one consumer.
pub(crate) struct Queue {
    state: Mutex<State>,
    /// Signalled when an event is queued or the queue closes.
    filled: Condvar,
    /// A push found the consumer asleep: the next [`wake`](Self::wake)
    /// signals `filled`. Without it every event would cost a futex call.
    wake_due: AtomicBool,
    /// Signalled when room is made or the consumer goes idle.
    drained: Condvar,
    capacity: usize,
    overflow: Overflow,
}

impl Queue {
    pub(crate) fn new(capacity: usize, overflow: Overflow) -> Queue {
        Queue {
            state: Mutex::new(State::default()),
            filled: Condvar::new(),
            wake_due: AtomicBool::new(false),
            drained: Condvar::new(),
            capacity,
            overflow,
        }
    }

    /// How long a producer may wait for room, if the policy makes it wait.
    pub(crate) fn block_timeout(&self) -> Option<Duration> {
        match self.overflow {
            Overflow::Block(timeout) => Some(timeout),
            _ => None,
        }
    }

    fn id(&self) -> usize {
        self as *const Queue as usize
    }

    /// Whether the calling thread is this queue's consumer.
    fn on_own_thread(&self) -> bool {
        DRAINING.with(|d| d.get()) == self.id()
    }

    /// Whether the calling thread is the consumer of any queue.
    pub(crate) fn on_any_consumer_thread() -> bool {
        DRAINING.with(|d| d.get()) != 0
    }

    /// For [`Overflow::Block`]: waits up to `timeout` for `want` free places
    /// (at most the capacity) and promises them to the caller, who must then
    /// [`push`](Self::push) that many events with `reserved`. Places are taken
    /// all at once, never held while waiting for more (two producers each
    /// holding part of what they need would wait for each other). Returns how
    /// many places it got: at the timeout, whatever is free then (the events
    /// without a place may be dropped); 0 if the queue is closed. The consumer
    /// itself never waits (it would wait for itself): it gets the places free now.
    pub(crate) fn reserve(&self, want: usize, timeout: Duration) -> usize {
        let want = want.min(self.capacity);
        let own = self.on_own_thread();
        let mut state = self.state.lock();
        let mut timed_out = false;
        let mut waited_since: Option<Instant> = None;
        loop {
            if state.closed {
                return 0;
            }
            let free = self.capacity - (state.events.len() + state.reserved).min(self.capacity);
            if free >= want || own || timed_out {
                if let Some(start) = waited_since {
                    state.max_wait = state.max_wait.max(start.elapsed());
                }
                let take = free.min(want);
                state.reserved += take;
                return take;
            }
            let since = *waited_since.get_or_insert_with(Instant::now);
            // A timeout too long for the clock waits for a year.
            let deadline = since
                .checked_add(timeout)
                .unwrap_or_else(|| since + Duration::from_secs(365 * 86_400));
            state.waiting += 1;
            timed_out = self.drained.wait_until(&mut state, deadline).timed_out();
            state.waiting -= 1;
        }
    }

    /// Queues `event` (called in sequence order, under the logger's lock; it
    /// never waits). With a place `reserved` earlier it always fits; otherwise
    /// a full queue applies the policy: drop the oldest, or drop this one
    /// (`Block` without a reservation drops this one). Call [`wake`](Self::wake)
    /// after the logger's lock is released.
    pub(crate) fn push(&self, event: &Event, reserved: bool, lossless: bool) {
        let mut state = self.state.lock();
        if state.closed || state.finishing {
            state.dropped += 1;
            return;
        }
        if reserved {
            state.reserved -= 1;
        } else if !lossless && state.events.len() + state.reserved >= self.capacity {
            state.dropped += 1;
            match self.overflow {
                Overflow::DropOldest if !state.events.is_empty() => {
                    state.events.pop_front();
                }
                _ => return,
            }
        }
        state.events.push_back(event.clone());
        if state.asleep {
            state.asleep = false;
            self.wake_due.store(true, Ordering::Release);
        }
    }

    /// Wakes the consumer if a push found it waiting for events.
    pub(crate) fn wake(&self) {
        // A load first: the swap's write would take the line from the
        // consumer on every event.
        if self.wake_due.load(Ordering::Acquire) && self.wake_due.swap(false, Ordering::AcqRel) {
            self.filled.notify_one();
        }
    }

    /// For the consumer: marks this thread as the queue's consumer. Call once,
    /// on the consumer's own thread, before the first [`next`](Self::next).
    pub(crate) fn consume_on_this_thread(&self) {
        DRAINING.with(|d| d.set(self.id()));
    }

    /// For the consumer: waits for the next event; `None` once the queue is closed.
    pub(crate) fn next(&self) -> Option<Event> {
        let mut state = self.state.lock();
        state.busy = false;
        loop {
            if state.closed {
                self.notify_drained(&state);
                return None;
            }
            if let Some(event) = state.events.pop_front() {
                state.busy = true;
                self.notify_drained(&state);
                return Some(event);
            }
            self.notify_drained(&state);
            state.asleep = true;
            self.filled.wait(&mut state);
            state.asleep = false;
        }
    }

    fn notify_drained(&self, state: &State) {
        if state.waiting > 0 {
            self.drained.notify_all();
        }
    }

    /// For a consumer that takes events in batches: waits until events are
    /// queued or `deadline` passes, then moves up to `max` of them into `out`.
    /// Returns `false` once the queue is closed, or finishing and empty.
    pub(crate) fn next_batch(&self, out: &mut Vec<Event>, max: usize, deadline: Instant) -> bool {
        let mut state = self.state.lock();
        state.busy = false;
        loop {
            if state.closed || (state.finishing && state.events.is_empty()) {
                self.notify_drained(&state);
                return false;
            }
            if !state.events.is_empty() {
                let n = state.events.len().min(max);
                out.extend(state.events.drain(..n));
                state.busy = true;
                self.notify_drained(&state);
                return true;
            }
            self.notify_drained(&state);
            state.asleep = true;
            let timed_out = self.filled.wait_until(&mut state, deadline).timed_out();
            state.asleep = false;
            if timed_out {
                return true;
            }
        }
    }

    /// For a consumer that polls: moves up to `max` queued events into `out`
    /// without waiting; returns how many.
    pub(crate) fn take(&self, out: &mut Vec<Event>, max: usize) -> usize {
        let mut state = self.state.lock();
        let n = state.events.len().min(max);
        out.extend(state.events.drain(..n));
        if n > 0 {
            self.notify_drained(&state);
        }
        n
    }

    /// For a consumer that polls: waits up to `timeout` until the queue ends
    /// ([`finish`](Self::finish) or [`close`](Self::close)) or, if
    /// `for_events`, until an event is queued.
    pub(crate) fn wait(&self, timeout: Duration, for_events: bool) {
        let mut state = self.state.lock();
        let deadline = Instant::now() + timeout;
        while !(state.closed || state.finishing || for_events && !state.events.is_empty()) {
            state.asleep = for_events;
            let timed_out = self.filled.wait_until(&mut state, deadline).timed_out();
            state.asleep = false;
            if timed_out {
                break;
            }
        }
    }

    /// Whether the queue was finished or closed.
    pub(crate) fn ended(&self) -> bool {
        let state = self.state.lock();
        state.closed || state.finishing
    }

    /// The timestamp of the oldest event waiting, if any.
    pub(crate) fn oldest_timestamp(&self) -> Option<i64> {
        self.state.lock().events.front().map(Event::timestamp)
    }

    /// Takes no more events; the consumer drains the rest, then sees the end.
    pub(crate) fn finish(&self) {
        self.state.lock().finishing = true;
        self.filled.notify_all();
        self.drained.notify_all();
    }

    /// Closes the queue, discarding what it holds (counted as dropped).
    pub(crate) fn close(&self) {
        let mut state = self.state.lock();
        state.closed = true;
        let discarded = state.events.len() as u64;
        state.dropped += discarded;
        state.events.clear();
        drop(state);
        self.filled.notify_all();
        self.drained.notify_all();
    }

    /// Events waiting now.
    pub(crate) fn len(&self) -> usize {
        self.state.lock().events.len()
    }

    /// The longest a producer waited for room so far.
    pub(crate) fn max_wait(&self) -> Duration {
        self.state.lock().max_wait
    }

    /// Events discarded so far by the overflow policy or by closing.
    pub(crate) fn dropped(&self) -> u64 {
        self.state.lock().dropped
    }

    /// Waits until the queue is empty and its consumer idle, or `deadline`
    /// passes; returns whether it became idle.
    pub(crate) fn wait_idle(&self, deadline: Instant) -> bool {
        let idle = |s: &State| s.closed || s.finishing || s.events.is_empty() && !s.busy;
        let mut state = self.state.lock();
        while !idle(&state) {
            state.waiting += 1;
            let timed_out = self.drained.wait_until(&mut state, deadline).timed_out();
            state.waiting -= 1;
            if timed_out {
                return idle(&state);
            }
        }
        true
    }

    /// For fork handling: this queue's lock, held until the box is dropped.
    ///
    /// # Safety
    /// The box must be dropped before the queue is.
    #[cfg(not(feature = "shuttle"))]
    pub(crate) unsafe fn lock_for_fork(&self) -> Box<dyn std::any::Any> {
        self.state.lock().held_across_fork()
    }
}
