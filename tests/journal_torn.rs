//! Torn writes injected directly: a segment cut at every byte of its last frame
//! and of its header, garbage and zeros appended, bits flipped in the middle of
//! a segment and in an older segment.

#[path = "journal/common.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::Path;

use audit_logger::journal::{
    segment_file_name, Damage, ErrorKind, FrameKind, Journal, Reader, RemovedSegment, Truncation,
};
use common::{checkpoint, event, frames, options, restore, snapshot, Rng};

/// File names and bytes of a journal directory.
type Files = BTreeMap<String, Vec<u8>>;

/// A frame's kind and payload.
type Frame = (FrameKind, Vec<u8>);

/// Two segments: events 1..=5 and a checkpoint, then events 6..=9. Returns the
/// files, the frames in order, and the offsets of the second segment's frames.
fn two_segments() -> (Files, Vec<Frame>, Vec<u64>) {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path(), options()).unwrap();
    let mut expected = Vec::new();
    j.rotate(1, b"frontier one").unwrap();
    for seq in 1..=5 {
        j.append(FrameKind::Event, &event(seq)).unwrap();
        expected.push((FrameKind::Event, event(seq)));
    }
    j.append(FrameKind::Checkpoint, &checkpoint(1)).unwrap();
    expected.push((FrameKind::Checkpoint, checkpoint(1)));
    j.rotate(6, b"frontier two").unwrap();
    let mut offsets = Vec::new();
    for seq in 6..=9 {
        offsets.push(j.append(FrameKind::Event, &event(seq)).unwrap().offset);
        expected.push((FrameKind::Event, event(seq)));
    }
    j.close().unwrap();
    (snapshot(dir.path()), expected, offsets)
}

fn second() -> String {
    segment_file_name(6)
}

/// Lays `files` in a fresh directory with the second segment replaced by
/// `segment`.
fn lay(files: &Files, segment: Vec<u8>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut files = files.clone();
    files.insert(second(), segment);
    restore(dir.path(), &files);
    dir
}

/// Appends an event after recovery, closes, and checks a reopen sees exactly
/// `expected` and the new event, with nothing to repair.
fn append_and_reopen(dir: &Path, mut j: Journal, mut expected: Vec<Frame>) {
    j.append(FrameKind::Event, b"after recovery").unwrap();
    j.close().unwrap();
    expected.push((FrameKind::Event, b"after recovery".to_vec()));
    let (_, rec) = Journal::open(dir, options()).unwrap();
    assert!(rec.is_clean(), "{rec:?}");
    assert_eq!(rec.last_event, Some(b"after recovery".to_vec()));
    drop(rec);
    assert_eq!(frames(dir), expected);
}

#[test]
fn a_cut_at_every_byte_of_the_last_frame_is_a_torn_tail() {
    let (files, expected, offsets) = two_segments();
    let full = files[&second()].clone();
    let last = *offsets.last().unwrap() as usize;
    for cut in last..full.len() {
        let dir = lay(&files, full[..cut].to_vec());
        let (j, rec) = Journal::open(dir.path(), options()).unwrap();
        let kept = expected[..expected.len() - 1].to_vec();
        if cut == last {
            assert!(rec.is_clean(), "cut {cut}: {rec:?}");
        } else {
            assert_eq!(
                rec.truncated,
                Some(Truncation {
                    file: second(),
                    offset: last as u64,
                    dropped_bytes: (cut - last) as u64,
                    damage: Damage::Incomplete,
                }),
                "cut {cut}"
            );
            assert_eq!(rec.dropped_bytes(), (cut - last) as u64);
        }
        assert_eq!(rec.segments, 2);
        assert_eq!(rec.events, 8);
        assert_eq!(rec.last_event, Some(event(8)));
        assert_eq!(rec.recent_events, (1..=8).map(event).collect::<Vec<_>>());
        assert_eq!(
            std::fs::metadata(dir.path().join(second())).unwrap().len(),
            last as u64,
            "cut back to the last good frame"
        );
        append_and_reopen(dir.path(), j, kept);
    }
}

#[test]
fn a_cut_at_every_byte_of_the_newest_header_removes_that_segment() {
    let (files, expected, offsets) = two_segments();
    let full = files[&second()].clone();
    let header_len = offsets[0] as usize;
    assert_eq!(header_len, 50 + "frontier two".len());
    for cut in 0..header_len {
        let dir = lay(&files, full[..cut].to_vec());
        let (j, rec) = Journal::open(dir.path(), options()).unwrap();
        assert_eq!(
            rec.removed_segments,
            vec![RemovedSegment {
                name: second(),
                bytes: cut as u64
            }],
            "cut {cut}"
        );
        assert_eq!(rec.truncated, None);
        assert_eq!(rec.segments, 1);
        assert_eq!(rec.last_event, Some(event(5)));
        assert_eq!(rec.last_checkpoint, Some(checkpoint(1)));
        assert!(!dir.path().join(second()).exists());
        let active = j.active_segment().unwrap();
        assert_eq!(active.header.first_seq, 1);
        append_and_reopen(dir.path(), j, expected[..6].to_vec());
    }
}

#[test]
fn the_only_segment_with_a_torn_header_leaves_an_empty_journal() {
    let dir = tempfile::tempdir().unwrap();
    common::journal_with(dir.path(), 0);
    let seg = dir.path().join(segment_file_name(1));
    let full = std::fs::read(&seg).unwrap();
    for cut in [0, 1, 9, 10, 45, 46, full.len() - 1] {
        std::fs::write(&seg, &full[..cut]).unwrap();
        let (mut j, rec) = Journal::open(dir.path(), options()).unwrap();
        assert_eq!(rec.removed_segments.len(), 1, "cut {cut}");
        assert_eq!((rec.segments, rec.events), (0, 0));
        assert!(j.active_segment().is_none());
        assert_eq!(
            j.append(FrameKind::Event, b"x").unwrap_err().kind(),
            ErrorKind::NoSegment
        );
        j.rotate(1, b"").unwrap();
        drop(j);
    }
    // A header-sized file of zeros (a crash after the size but not the data
    // reached the disk) is torn too.
    std::fs::write(&seg, vec![0u8; full.len() + 100]).unwrap();
    let (_, rec) = Journal::open(dir.path(), options()).unwrap();
    assert_eq!(rec.removed_segments[0].bytes, full.len() as u64 + 100);
}

#[test]
fn garbage_or_zeros_after_the_last_frame_are_cut_off() {
    let (files, expected, _) = two_segments();
    let full = files[&second()].clone();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut tails: Vec<Vec<u8>> = vec![vec![0; 1], vec![0; 9], vec![0; 4096], vec![0xff; 100]];
    for len in [1, 3, 8, 9, 10, 64, 1000, 70_000] {
        tails.push(rng.bytes(len));
    }
    // A plausible frame header whose payload never arrived.
    let mut plausible = 20u32.to_le_bytes().to_vec();
    plausible.extend_from_slice(&[1, 2, 3, 4, 1]);
    plausible.extend_from_slice(b"partial");
    tails.push(plausible);
    for tail in tails {
        let mut bytes = full.clone();
        bytes.extend_from_slice(&tail);
        let dir = lay(&files, bytes);
        let (j, rec) = Journal::open(dir.path(), options()).unwrap();
        let t = rec.truncated.clone().expect("a torn tail");
        assert_eq!(t.offset, full.len() as u64);
        assert_eq!(t.dropped_bytes, tail.len() as u64);
        assert_eq!(rec.events, 9);
        append_and_reopen(dir.path(), j, expected.clone());
    }
}

#[test]
fn a_flipped_bit_in_the_last_frame_is_a_torn_tail() {
    let (files, expected, offsets) = two_segments();
    let full = files[&second()].clone();
    let last = *offsets.last().unwrap() as usize;
    for byte in [last + 4, last + 8, last + 20, full.len() - 1] {
        let mut bytes = full.clone();
        bytes[byte] ^= 0x10;
        let dir = lay(&files, bytes);
        let (j, rec) = Journal::open(dir.path(), options()).unwrap();
        let t = rec.truncated.clone().unwrap();
        assert_eq!((t.offset, t.damage), (last as u64, Damage::BadCrc));
        append_and_reopen(dir.path(), j, expected[..expected.len() - 1].to_vec());
    }
}

/// Opening must fail with `Corrupt` naming `file` and `offset`, and leave every
/// file as it was; the reader reports the same damage and reads on past it.
fn assert_refused(dir: &Path, file: &str, offset: u64) {
    let before = snapshot(dir);
    let e = Journal::open(dir, options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt, "{e}");
    assert_eq!(e.path(), Some(dir.join(file).as_path()), "{e}");
    assert_eq!(e.offset(), Some(offset), "{e}");
    assert!(e.message().contains(file), "{e}");
    assert!(e.message().contains(&format!("offset {offset}")), "{e}");
    assert!(e.message().contains("nothing was changed"), "{e}");
    assert_eq!(snapshot(dir), before, "files untouched");
}

#[test]
fn a_flipped_bit_in_a_middle_frame_is_corruption_and_nothing_is_touched() {
    let (files, expected, offsets) = two_segments();
    let full = files[&second()].clone();
    let (start, end) = (offsets[1] as usize, offsets[2] as usize);
    for bit in 0..(end - start) * 8 {
        let mut bytes = full.clone();
        bytes[start + bit / 8] ^= 1 << (bit % 8);
        let dir = lay(&files, bytes);
        assert_refused(dir.path(), &second(), start as u64);
        if bit == 100 {
            let items: Vec<_> = Reader::open(dir.path()).unwrap().frames().collect();
            // Six frames, then two events, the damage, and the last two events.
            assert_eq!(items.len(), expected.len());
            let e = items[7].as_ref().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Corrupt);
            assert_eq!(e.offset(), Some(start as u64));
            assert!(
                e.message()
                    .contains(&format!("followed by a valid frame at offset {end}")),
                "{e}"
            );
            let after: Vec<_> = items[8..]
                .iter()
                .map(|f| f.as_ref().unwrap().payload.clone())
                .collect();
            assert_eq!(after, [event(8), event(9)]);
        }
    }
}

#[test]
fn damage_in_an_older_segment_is_corruption_even_at_its_end() {
    let (files, _, _) = two_segments();
    let first = segment_file_name(1);
    let full = files[&first].clone();
    let header_len = 50 + "frontier one".len();
    // A bit in the header, in a middle frame, and in the last frame.
    for (byte, offset) in [
        (20, 0),
        (header_len + 30, header_len as u64),
        (full.len() - 2, 0),
    ] {
        let mut bytes = full.clone();
        bytes[byte] ^= 0x01;
        let dir = tempfile::tempdir().unwrap();
        let mut f = files.clone();
        f.insert(first.clone(), bytes);
        restore(dir.path(), &f);
        let offset = if byte == full.len() - 2 {
            // The start of the last frame: find it with the reader.
            let r = Reader::open(dir.path()).unwrap();
            let e = r.frames().find_map(|f| f.err()).unwrap();
            assert_eq!(e.kind(), ErrorKind::Corrupt);
            e.offset().unwrap()
        } else {
            offset
        };
        assert_refused(dir.path(), &first, offset);
    }
    // Cut short: the older segment's torn tail is not repairable.
    let dir = tempfile::tempdir().unwrap();
    let mut f = files.clone();
    f.insert(first.clone(), full[..full.len() - 3].to_vec());
    restore(dir.path(), &f);
    let e = Journal::open(dir.path(), options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(e.message().contains("not the newest"), "{e}");
}

#[test]
fn a_segment_from_another_journal_is_corruption() {
    let (files, _, _) = two_segments();
    let dir = tempfile::tempdir().unwrap();
    let mut f = files.clone();
    let mut other = f[&second()].clone();
    other[10] ^= 0xff; // the log id...
    let crc_at = 50 + "frontier two".len() - 4;
    let crc = crc32c::crc32c(&other[..crc_at]);
    other[crc_at..crc_at + 4].copy_from_slice(&crc.to_le_bytes()); // ...validly
    f.insert(second(), other);
    restore(dir.path(), &f);
    let before = snapshot(dir.path());
    let e = Journal::open(dir.path(), options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Corrupt);
    assert!(e.message().contains("another journal"), "{e}");
    assert_eq!(snapshot(dir.path()), before);
}
