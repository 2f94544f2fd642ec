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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{Config, NewEvent};
    use crate::journal::{open_logger, FrameKind, JournalConfig, Reader};

    #[test]
    fn replays_the_journal_with_the_leaf_hash_of_each_frame() {
        let dir = tempfile::tempdir().unwrap();
        let log = open_logger(Config::with_capacity(10), JournalConfig::new(dir.path())).unwrap();
        for i in 0..5 {
            let details = format!("{{\"i\":{i}}}");
            log.log(&NewEvent {
                action: "a",
                details: Some(&details),
                ..NewEvent::default()
            })
            .unwrap();
        }
        drop(log);
        let hashes: Vec<[u8; 32]> = Reader::open(dir.path())
            .unwrap()
            .frames()
            .map(|f| f.unwrap())
            .filter(|f| f.kind == FrameKind::Event)
            .map(|f| leaf_hash(&f.payload))
            .collect();
        assert_eq!(hashes.len(), 5);
        let replay = JournalReplay::new(dir.path());
        let first = replay.read_after(1, 2).unwrap();
        let seqs: Vec<u64> = first.iter().map(|i| i.event.seq()).collect();
        assert_eq!(seqs, [2, 3]);
        let rest = replay.read_after(3, 10).unwrap();
        let all: Vec<&Item> = first.iter().chain(&rest).collect();
        assert_eq!(all.len(), 4);
        for item in all {
            let seq = item.event.seq() as usize;
            assert_eq!(item.leaf_hash, Some(hashes[seq - 1]), "seq {seq}");
        }
        assert!(replay.read_after(5, 10).unwrap().is_empty());
    }
}
