//! [`Replay`] over a journal directory: what a forwarder attached to a
//! journaled logger reads, so that after a restart it resumes from the
//! journal where the collector last acknowledged.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

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
    dir: PathBuf,
    /// Made by the first read, at the segment holding the first seq it wants.
    follower: Option<Follower>,
    /// Read from the journal and not yet handed out.
    read: VecDeque<Item>,
}

impl JournalReplay {
    /// Reads the journal in `dir`, from the segment that holds the first
    /// event its first [`read_after`](Replay::read_after) asks for: the
    /// segments before the cursor are never read.
    pub(crate) fn new(dir: &Path) -> JournalReplay {
        JournalReplay {
            state: Mutex::new(State {
                dir: dir.to_owned(),
                follower: None,
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
            let State { dir, follower, .. } = &mut *state;
            let follower =
                follower.get_or_insert_with(|| Follower::from_seq(dir, after.saturating_add(1)));
            let (events, _damage) = follower.poll().map_err(crate::core::Error::from)?;
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
    use crate::journal::{journal_stats, open_logger, FrameKind, JournalConfig, Reader};

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

    /// A cursor in the newest segment: the replay reads that segment alone.
    /// The older segments are overwritten with zeros, which a reader of the
    /// whole journal reports as damage; the replay never opens them.
    #[test]
    fn resumes_in_the_segment_holding_the_cursor_and_reads_no_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = JournalConfig::new(dir.path());
        journal.storage.max_segment_bytes = Some(1024);
        let log = open_logger(Config::with_capacity(10), journal).unwrap();
        for i in 0..60 {
            let details = format!("{{\"i\":{i}}}");
            let seq = log
                .log(&NewEvent {
                    action: "a",
                    details: Some(&details),
                    ..NewEvent::default()
                })
                .unwrap();
            // One event a batch, so that the writer rotates at the size.
            while journal_stats(&log).unwrap().written_seq < seq {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }
        drop(log);
        let segments = Reader::open(dir.path()).unwrap().segments().to_vec();
        assert!(segments.len() >= 4, "{} segments", segments.len());
        let newest = segments.last().unwrap().header.first_seq;
        assert!(newest < 60, "the newest segment holds seqs {newest} to 60");
        for s in &segments[..segments.len() - 1] {
            std::fs::write(&s.path, vec![0u8; s.bytes as usize]).unwrap();
        }
        assert!(Reader::open(dir.path()).is_err());
        // The cursor at the end of the segment before, and inside the newest.
        for cursor in [newest - 1, newest] {
            let replay = JournalReplay::new(dir.path());
            let mut seqs = Vec::new();
            loop {
                let items = replay
                    .read_after(seqs.last().copied().unwrap_or(cursor), 7)
                    .unwrap();
                if items.is_empty() {
                    break;
                }
                seqs.extend(items.iter().map(|i| i.event.seq()));
            }
            assert_eq!(
                seqs,
                (cursor + 1..=60).collect::<Vec<u64>>(),
                "cursor {cursor}"
            );
        }
    }
}
