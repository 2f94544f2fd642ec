//! [`Replay`] over a journal directory: what a forwarder attached to a
//! journaled logger reads, so that after a restart it resumes from the
//! journal where the collector last acknowledged.

use std::collections::VecDeque;
use std::path::Path;

use crate::core::sync::Mutex;
use crate::core::{write_compact, Result};
use crate::journal::Follower;
use crate::seal::merkle::leaf_hash;

use super::source::{Item, Replay};

/// Follows a journal as its writer appends; every event comes with the leaf
/// hash the seal gave its line.
pub(crate) struct JournalReplay {
    state: Mutex<State>,
}

struct State {
    follower: Follower,
    /// Read from the journal and not yet handed out.
    read: VecDeque<Item>,
}

impl JournalReplay {
    /// Reads the journal in `dir` from its oldest segment on.
    pub(crate) fn new(dir: &Path) -> JournalReplay {
        JournalReplay {
            state: Mutex::new(State {
                follower: Follower::new(dir, None),
                read: VecDeque::new(),
            }),
        }
    }
}

impl Replay for JournalReplay {
    fn read_after(&self, after: u64, max: usize) -> Result<Vec<Item>> {
        let mut state = self.state.lock();
        while state.read.front().is_some_and(|i| i.event.seq() <= after) {
            state.read.pop_front();
        }
        if state.read.len() < max {
            let (events, _damage) = state.follower.poll().map_err(crate::core::Error::from)?;
            let mut line = Vec::new();
            for event in events.into_iter().filter(|e| e.seq() > after) {
                line.clear();
                write_compact(&mut line, &event);
                let leaf_hash = Some(leaf_hash(&line));
                state.read.push_back(Item { event, leaf_hash });
            }
        }
        let n = max.min(state.read.len());
        Ok(state.read.drain(..n).collect())
    }
}
