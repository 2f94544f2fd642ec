//! Helpers shared by the journal tests.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

#[path = "../common/mod.rs"]
mod shared;
#[allow(unused_imports)]
pub use shared::*;

use audit_logger::journal::{FrameKind, Journal, Options, Reader, LOCK_FILE};

/// An event payload for seq `seq`.
pub fn event(seq: u64) -> Vec<u8> {
    format!(r#"{{"seq":{seq},"timestamp":"2024-01-01T00:00:00.000000Z","actor":"admin","action":"user.delete","resource":"user:{seq}","outcome":"success","severity":"INFO","details":{{}}}}"#)
        .into_bytes()
}

/// A checkpoint payload for epoch `epoch`.
pub fn checkpoint(epoch: u64) -> Vec<u8> {
    format!(
        "audit-logger checkpoint\nepoch {epoch}\nsize {}\n",
        epoch * 10
    )
    .into_bytes()
}

/// Options with small buffers so tests write often.
pub fn options() -> Options {
    Options {
        restore_events: 1000,
        ..Options::default()
    }
}

/// Every frame the read-only reader sees, failing on any error item.
pub fn frames(dir: &Path) -> Vec<(FrameKind, Vec<u8>)> {
    Reader::open(dir)
        .unwrap()
        .frames()
        .map(|f| {
            let f = f.unwrap();
            (f.kind, f.payload)
        })
        .collect()
}

/// Every file of the directory but the lock, with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != LOCK_FILE)
        .map(|e| {
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// Writes `files` into `dir`.
pub fn restore(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// Segment file names in `dir`, oldest first.
pub fn segment_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".seg"))
        .collect();
    names.sort();
    names
}

/// A journal with events `1..=n` in one segment, closed.
pub fn journal_with(dir: &Path, n: u64) {
    let (mut j, _) = Journal::open(dir, options()).unwrap();
    j.rotate(1, b"").unwrap();
    for seq in 1..=n {
        j.append(FrameKind::Event, &event(seq)).unwrap();
    }
    j.close().unwrap();
}
