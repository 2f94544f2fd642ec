//! The journal's storage layer: round trips, rotation, retention, the archive,
//! the lock, and the errors for paths that are not (or not yet) journals.

#[path = "journal/common.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use audit_logger::journal::{
    segment_file_name, ErrorKind, FrameKind, Journal, Options, Reader, ARCHIVE_FILE, MAX_EXTRA,
    MAX_PAYLOAD,
};
use common::{checkpoint, event, frames, options, segment_names, snapshot};

const HOUR: i64 = 3_600_000_000;

#[test]
fn frames_round_trip_through_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, rec) = Journal::open(dir.path(), options()).unwrap();
    assert!(rec.created && rec.is_clean());
    assert_eq!(rec.segments, 0);
    assert!(rec.recent_events.is_empty() && rec.last_event.is_none());
    assert_eq!(j.position(), None);
    j.rotate(1, b"frontier-0").unwrap();
    let first = j.append(FrameKind::Event, &event(1)).unwrap();
    assert_eq!(first.segment, 1);
    assert_eq!(first.offset, (50 + "frontier-0".len()) as u64);
    let second = j.append(FrameKind::Event, &event(2)).unwrap();
    assert_eq!(second.offset, first.offset + 9 + event(1).len() as u64);
    j.append(FrameKind::Checkpoint, &checkpoint(1)).unwrap();
    j.append(FrameKind::Event, &[]).unwrap(); // an empty payload is a frame too
    assert_eq!(j.pending_frames(), 4);
    assert_eq!(j.written_position().unwrap().offset, first.offset);
    j.flush().unwrap();
    assert_eq!(j.pending_frames(), 0);
    assert_eq!(j.written_position(), j.position());
    j.sync().unwrap();
    assert_eq!(j.synced_position(), j.position());
    let log_id = j.log_id();
    drop(j); // flushes, like close without the fsync

    let (j, rec) = Journal::open(dir.path(), options()).unwrap();
    assert!(!rec.created && rec.is_clean());
    assert_eq!(j.log_id(), log_id);
    assert_eq!((rec.segments, rec.events, rec.checkpoints), (1, 3, 1));
    assert_eq!(rec.recent_events, vec![event(1), event(2), vec![]]);
    assert_eq!(rec.last_event, Some(vec![]));
    assert_eq!(rec.last_checkpoint, Some(checkpoint(1)));
    let seg = j.active_segment().unwrap();
    assert_eq!(seg.name, "00000000000000000001.seg");
    assert_eq!(seg.header.extra, b"frontier-0");
    assert_eq!(seg.header.log_id, log_id);
    drop(j);

    let reader = Journal::open_read_only(dir.path()).unwrap();
    assert_eq!(reader.log_id(), log_id);
    let all: Vec<_> = reader.frames().map(|f| f.unwrap()).collect();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].offset, first.offset);
    assert_eq!(all[1].offset, second.offset);
    assert_eq!(all[2].kind, FrameKind::Checkpoint);
    assert_eq!(all[2].payload, checkpoint(1));
    assert_eq!(all[0].segment.name, "00000000000000000001.seg");
    assert_eq!(all[0].segment.header.extra, b"frontier-0");
}

#[test]
fn many_segments_restore_the_newest_events_across_segment_boundaries() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path(), options()).unwrap();
    let mut expected = Vec::new();
    for s in 0..20u64 {
        let first = s * 50 + 1;
        j.rotate(first, &first.to_le_bytes()).unwrap();
        for seq in first..first + 50 {
            j.append(FrameKind::Event, &event(seq)).unwrap();
            expected.push((FrameKind::Event, event(seq)));
        }
        j.append(FrameKind::Checkpoint, &checkpoint(s)).unwrap();
        expected.push((FrameKind::Checkpoint, checkpoint(s)));
    }
    assert_eq!(j.segments().len(), 20);
    j.close().unwrap();
    assert_eq!(segment_names(dir.path()).len(), 20);
    assert_eq!(frames(dir.path()), expected);

    for n in [0usize, 1, 49, 50, 51, 120, 1000, 5000] {
        let opts = Options {
            restore_events: n,
            ..options()
        };
        let (j, rec) = Journal::open(dir.path(), opts).unwrap();
        assert_eq!(rec.events, 1000);
        assert_eq!(rec.checkpoints, 20);
        let want: Vec<Vec<u8>> = (1..=1000u64)
            .skip(1000usize.saturating_sub(n))
            .map(event)
            .collect();
        assert_eq!(rec.recent_events, want, "n = {n}");
        assert_eq!(rec.last_event, Some(event(1000)));
        assert_eq!(rec.last_checkpoint, Some(checkpoint(19)));
        let segs = j.segments();
        assert_eq!(segs.len(), 20);
        assert_eq!(segs[7].header.first_seq, 351);
        assert_eq!(segs[7].header.extra, 351u64.to_le_bytes());
    }
}

#[test]
fn rotation_needs_increasing_first_seqs_and_a_segment_before_appending() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path(), options()).unwrap();
    let e = j.append(FrameKind::Event, &event(1)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NoSegment, "{e}");
    j.rotate(10, b"").unwrap();
    for bad in [10, 9, 0] {
        let e = j.rotate(bad, b"").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{e}");
    }
    let e = j.rotate(11, &vec![0; MAX_EXTRA + 1]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge);
    j.rotate(11, &vec![7; MAX_EXTRA]).unwrap();
    let e = j
        .append(FrameKind::Event, &vec![b'x'; MAX_PAYLOAD + 1])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TooLarge);
    j.append(FrameKind::Event, &vec![b'x'; MAX_PAYLOAD])
        .unwrap();
    j.close().unwrap();
    assert_eq!(
        segment_names(dir.path()),
        [segment_file_name(10), segment_file_name(11)]
    );
    let (j, rec) = Journal::open(dir.path(), options()).unwrap();
    assert_eq!(rec.recent_events, vec![vec![b'x'; MAX_PAYLOAD]]);
    assert_eq!(j.active_segment().unwrap().header.extra.len(), MAX_EXTRA);
}

#[test]
fn should_rotate_by_size_and_by_age_once_the_segment_holds_a_frame() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        max_segment_bytes: Some(2000),
        max_segment_age: Some(Duration::from_secs(3600)),
        ..options()
    };
    let (mut j, _) = Journal::open(dir.path(), opts).unwrap();
    let now = audit_logger::core::now_micros();
    assert!(!j.should_rotate(now));
    j.rotate(1, b"").unwrap();
    assert!(
        !j.should_rotate(now + 2 * HOUR),
        "an empty segment is not rotated"
    );
    j.append(FrameKind::Event, &event(1)).unwrap();
    assert!(!j.should_rotate(now));
    assert!(j.should_rotate(now + HOUR + 1_000_000));
    let mut seq = 1;
    while j.position().unwrap().offset < 2000 {
        assert!(!j.should_rotate(now));
        seq += 1;
        j.append(FrameKind::Event, &event(seq)).unwrap();
    }
    assert!(j.should_rotate(now), "by size, counting buffered frames");
    j.rotate(seq + 1, b"").unwrap();
    assert!(!j.should_rotate(now));

    let never = Options {
        max_segment_bytes: None,
        max_segment_age: None,
        ..options()
    };
    drop(j);
    let (j, _) = Journal::open(dir.path(), never).unwrap();
    assert!(!j.should_rotate(i64::MAX));
}

/// A journal of `count` segments of 10 events and one checkpoint each, left
/// open. Segments are made moments apart, so ages are tested by moving `now`.
fn segmented(dir: &std::path::Path, opts: Options, count: u64) -> Journal {
    let (mut j, _) = Journal::open(dir, opts).unwrap();
    for s in 0..count {
        j.rotate(s * 10 + 1, b"").unwrap();
        for seq in s * 10 + 1..=s * 10 + 10 {
            j.append(FrameKind::Event, &event(seq)).unwrap();
        }
        j.append(FrameKind::Checkpoint, &checkpoint(s)).unwrap();
    }
    j.sync().unwrap();
    j
}

#[test]
fn retention_by_segment_count_reports_before_deleting_and_never_takes_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        retain_segments: Some(3),
        ..options()
    };
    let mut j = segmented(dir.path(), opts, 7);
    let now = audit_logger::core::now_micros();
    let plan = j.retention_plan(now);
    let names: Vec<_> = plan.iter().map(|s| s.name.clone()).collect();
    assert_eq!(
        names,
        (0..4)
            .map(|s| segment_file_name(s * 10 + 1))
            .collect::<Vec<_>>()
    );
    let mut seen = Vec::new();
    let deleted = j
        .apply_retention(now, |segs| {
            for s in segs {
                assert!(s.path.exists(), "called before deletion");
                seen.push(s.name.clone());
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, names);
    assert_eq!(deleted.len(), 4);
    assert_eq!(segment_names(dir.path()).len(), 3);
    assert_eq!(j.segments().len(), 3);
    assert!(j.apply_retention(now, |_| Ok(())).unwrap().is_empty());

    // Even a limit of zero keeps the active segment.
    drop(j);
    let opts = Options {
        retain_segments: Some(0),
        ..options()
    };
    let (mut j, rec) = Journal::open(dir.path(), opts).unwrap();
    assert_eq!(rec.events, 30);
    j.apply_retention(now, |_| Ok(())).unwrap();
    assert_eq!(segment_names(dir.path()), [segment_file_name(61)]);
    j.append(FrameKind::Event, &event(71)).unwrap();
    j.close().unwrap();
    let (_, rec) = Journal::open(dir.path(), options()).unwrap();
    assert_eq!(rec.events, 11);
}

#[test]
fn retention_by_total_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let j = segmented(dir.path(), options(), 6);
    let sizes: Vec<u64> = j.segments().iter().map(|s| s.bytes).collect();
    // Room for the newest two segments and half of another: the oldest go
    // while the total is over the limit, so two stay.
    let limit = sizes[4] + sizes[5] + sizes[3] / 2;
    drop(j);
    let opts = Options {
        retain_bytes: Some(limit),
        ..options()
    };
    let (mut j, _) = Journal::open(dir.path(), opts).unwrap();
    let now = audit_logger::core::now_micros();
    let deleted = j.apply_retention(now, |_| Ok(())).unwrap();
    assert_eq!(deleted.len(), 4);
    assert_eq!(
        segment_names(dir.path()),
        [segment_file_name(41), segment_file_name(51)]
    );
    let total: u64 = j.segments().iter().map(|s| s.bytes).sum();
    assert!(total <= limit);
}

#[test]
fn retention_by_age_counts_from_when_a_segment_ended() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        retain_age: Some(Duration::from_secs(3600)),
        ..options()
    };
    let mut j = segmented(dir.path(), opts, 4);
    let now = audit_logger::core::now_micros();
    assert!(j.retention_plan(now).is_empty(), "nothing is an hour old");
    assert!(j.retention_plan(now + HOUR / 2).is_empty());
    // Two hours on, every segment that has ended is too old; the active one
    // stays whatever its age.
    let ended = j.segments()[1].header.created_micros;
    assert!(
        j.retention_plan(ended + HOUR).is_empty(),
        "exactly the limit is kept"
    );
    let deleted = j.apply_retention(now + 2 * HOUR, |_| Ok(())).unwrap();
    assert_eq!(deleted.len(), 3);
    assert_eq!(segment_names(dir.path()), [segment_file_name(31)]);
}

#[test]
fn a_refusing_callback_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        retain_segments: Some(1),
        archive_checkpoints: false,
        ..options()
    };
    let mut j = segmented(dir.path(), opts, 3);
    let before = snapshot(dir.path());
    let e = j
        .apply_retention(0, |_| {
            Err(audit_logger::journal::Error::new(
                ErrorKind::Io,
                "the seal layer could not archive",
            ))
        })
        .unwrap_err();
    assert_eq!(e.message(), "the seal layer could not archive");
    assert_eq!(snapshot(dir.path()), before);
    assert_eq!(j.segments().len(), 3);
    assert!(!dir.path().join(ARCHIVE_FILE).exists());
}

#[test]
fn retention_archives_checkpoints_first_and_archiving_again_adds_no_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        retain_segments: Some(2),
        ..options()
    };
    let mut j = segmented(dir.path(), opts, 5);
    let deleted = j
        .apply_retention(0, |segs| {
            // The archive already holds their checkpoints.
            let reader = Reader::open(segs[0].path.parent().unwrap()).unwrap();
            let archived: Vec<_> = reader
                .archive_frames()
                .map(|f| f.unwrap().payload)
                .collect();
            assert_eq!(archived, (0..3).map(checkpoint).collect::<Vec<_>>());
            Ok(())
        })
        .unwrap();
    assert_eq!(deleted.len(), 3);

    // A crash between archiving and deleting makes the next retention archive
    // the same checkpoints again: they are not duplicated.
    j.archive_checkpoints(&[checkpoint(1), checkpoint(2)])
        .unwrap();
    j.archive_checkpoints(&[checkpoint(2), checkpoint(3)])
        .unwrap();
    j.archive_checkpoints::<Vec<u8>>(&[]).unwrap();
    j.close().unwrap();
    let reader = Reader::open(dir.path()).unwrap();
    let archive = reader.archive().unwrap();
    assert_eq!(archive.header.log_id, reader.log_id());
    let archived: Vec<_> = reader
        .archive_frames()
        .map(|f| {
            let f = f.unwrap();
            assert_eq!(f.kind, FrameKind::Checkpoint);
            f.payload
        })
        .collect();
    assert_eq!(archived, (0..4).map(checkpoint).collect::<Vec<_>>());
    let (_, rec) = Journal::open(dir.path(), options()).unwrap();
    assert!(rec.is_clean());
    assert_eq!(rec.checkpoints, 2);
}

#[test]
fn a_second_writer_in_the_same_process_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let (j, _) = Journal::open(dir.path(), options()).unwrap();
    let e = Journal::open(dir.path(), options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Locked);
    assert!(
        e.message().contains(&format!(
            "is locked by another writer (pid {})",
            std::process::id()
        )),
        "{e}"
    );
    // A reader needs no lock.
    Reader::open(dir.path()).unwrap();
    drop(j);
    Journal::open(dir.path(), options()).unwrap();
}

const LOCK_CHILD: &str = "AUDIT_JOURNAL_LOCK_CHILD";

/// Run as a child process by the test below: holds the lock until its stdin closes.
#[test]
fn lock_holder_child() {
    let Ok(dir) = std::env::var(LOCK_CHILD) else {
        return;
    };
    let (_j, _) = Journal::open(&dir, options()).unwrap();
    println!("LOCKED");
    let mut line = String::new();
    let _ = std::io::stdin().read_line(&mut line);
}

#[test]
fn a_writer_in_another_process_holds_the_lock_until_it_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "lock_holder_child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(LOCK_CHILD, dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    loop {
        line.clear();
        assert_ne!(
            out.read_line(&mut line).unwrap(),
            0,
            "the child ended early"
        );
        if line.contains("LOCKED") {
            break;
        }
    }
    let e = Journal::open(dir.path(), options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Locked);
    assert!(
        e.message()
            .contains(&format!("locked by another writer (pid {})", child.id())),
        "{e}"
    );
    drop(child.stdin.take()); // the child reads EOF and exits
    assert!(child.wait().unwrap().success());
    let (_j, rec) = Journal::open(dir.path(), options()).unwrap();
    assert!(!rec.created);
}

#[test]
fn a_path_that_is_a_file_or_a_directory_of_other_files_is_not_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    std::fs::write(&file, "not a journal").unwrap();
    for e in [
        Journal::open(&file, options()).unwrap_err(),
        Reader::open(&file).unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::NotAJournal);
        assert!(e.message().contains(&file.display().to_string()), "{e}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"not a journal");

    // Under a file: the directory cannot be made.
    let e = Journal::open(file.join("sub"), options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.message().contains("plain/sub"), "{e}");
    assert_eq!(e.os_error(), Some(libc::ENOTDIR));

    // Segments without the metadata file: refused, nothing written.
    let d = dir.path().join("orphans");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join(segment_file_name(1)), "x").unwrap();
    let e = Journal::open(&d, options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAJournal, "{e}");
    assert_eq!(snapshot(&d).len(), 1);
    let e = Reader::open(&d).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotAJournal, "{e}");

    let missing = dir.path().join("missing");
    let e = Reader::open(&missing).unwrap_err();
    assert_eq!(e.os_error(), Some(libc::ENOENT));
    assert!(!missing.exists(), "the reader makes nothing");
}

#[test]
fn a_new_journal_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/journal");
    let (mut j, _) = Journal::open(&path, options()).unwrap();
    j.rotate(1, b"").unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o700);
    assert_eq!(mode(&j.active_segment().unwrap().path), 0o600);
}

#[test]
fn a_newer_format_version_is_named_and_nothing_is_touched() {
    let dir = tempfile::tempdir().unwrap();
    common::journal_with(dir.path(), 5);
    let seg = dir.path().join(segment_file_name(1));
    for file in [seg.clone(), dir.path().join("JOURNAL")] {
        let original = std::fs::read(&file).unwrap();
        let mut newer = original.clone();
        newer[8..10].copy_from_slice(&2u16.to_le_bytes());
        std::fs::write(&file, &newer).unwrap();
        let before = snapshot(dir.path());
        for e in [
            Journal::open(dir.path(), options()).unwrap_err(),
            Reader::open(dir.path()).unwrap_err(),
        ] {
            assert_eq!(e.kind(), ErrorKind::NewerVersion, "{e}");
            assert!(e.message().contains("newer format version 2"), "{e}");
            assert!(e.message().contains(&file.display().to_string()), "{e}");
            assert_eq!(e.path(), Some(file.as_path()));
        }
        assert_eq!(snapshot(dir.path()), before);
        std::fs::write(&file, &original).unwrap();
    }
    assert_eq!(frames(dir.path()).len(), 5);
}

#[test]
fn a_frame_of_an_unknown_kind_is_refused_as_written_by_a_newer_version() {
    let dir = tempfile::tempdir().unwrap();
    common::journal_with(dir.path(), 3);
    let seg = dir.path().join(segment_file_name(1));
    let mut bytes = std::fs::read(&seg).unwrap();
    let at = bytes.len() as u64;
    let payload = b"from the future";
    bytes.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&audit_logger::journal::frame_crc(7, payload).to_le_bytes());
    bytes.push(7);
    bytes.extend_from_slice(payload);
    std::fs::write(&seg, &bytes).unwrap();
    let before = snapshot(dir.path());
    let e = Journal::open(dir.path(), options()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnknownFrameKind);
    assert!(e.message().contains("unknown kind 7"), "{e}");
    assert!(e.message().contains("newer version"), "{e}");
    assert_eq!(e.offset(), Some(at));
    assert_eq!(snapshot(dir.path()), before);
    let items: Vec<_> = Reader::open(dir.path()).unwrap().frames().collect();
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[3].as_ref().unwrap_err().kind(),
        ErrorKind::UnknownFrameKind
    );
}

#[test]
fn errors_convert_into_the_core_error() {
    let dir = tempfile::tempdir().unwrap();
    let (mut j, _) = Journal::open(dir.path(), options()).unwrap();
    j.rotate(1, b"").unwrap();
    let e = j
        .append(FrameKind::Event, &vec![0; MAX_PAYLOAD + 1])
        .unwrap_err();
    let core: audit_logger::core::Error = e.into();
    assert_eq!(core.kind(), audit_logger::core::ErrorKind::TooLarge);
    let e = Journal::open(dir.path(), options()).unwrap_err();
    let core: audit_logger::core::Error = e.into();
    assert_eq!(core.kind(), audit_logger::core::ErrorKind::Io);
    assert!(core.message().contains("locked"));
}
