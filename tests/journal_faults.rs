//! Failing writes: a full disk (a real 64 KiB tmpfs where mounts are
//! permitted, and an injected `ENOSPC` everywhere), `EIO` and `EROFS` from the
//! fault hook, a failed fsync, and a read-only file system. Each must give a
//! clear error, keep every frame written before, and leave a journal that
//! reopens cleanly.

#[path = "journal/common.rs"]
mod common;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use audit_logger::journal::{
    segment_file_name, ErrorKind, Fault, FaultInjector, FileOp, FrameKind, Journal, Options, Reader,
};
use common::{event, frames, options, snapshot};

/// Fails the operations it is armed for.
#[derive(Default)]
struct Faults {
    armed: Mutex<Option<Arm>>,
}

#[derive(Clone)]
struct Arm {
    op: Op,
    errno: i32,
    /// For writes: how many bytes reach the file first.
    written: usize,
    /// Fail only the first `times` matching operations.
    times: usize,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Op {
    Write,
    Sync,
    SyncDir,
}

impl Faults {
    fn arm(&self, op: Op, errno: i32, written: usize, times: usize) {
        *self.armed.lock().unwrap() = Some(Arm {
            op,
            errno,
            written,
            times,
        });
    }

    fn disarm(&self) {
        *self.armed.lock().unwrap() = None;
    }
}

impl FaultInjector for Faults {
    fn before(&self, op: FileOp<'_>) -> Option<Fault> {
        let kind = match op {
            FileOp::Write { .. } => Op::Write,
            FileOp::Sync { .. } => Op::Sync,
            FileOp::SyncDir { .. } => Op::SyncDir,
        };
        let mut armed = self.armed.lock().unwrap();
        let arm = armed.as_mut()?;
        if arm.op != kind || arm.times == 0 {
            return None;
        }
        arm.times -= 1;
        Some(Fault {
            written: arm.written,
            error: io::Error::from_raw_os_error(arm.errno),
        })
    }
}

/// Polls `done` until it holds, for up to 20 s.
fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Logs one event with `action`, the other fields default.
fn log_one(log: &audit_logger::core::AuditLogger, action: &str) -> audit_logger::core::Result<u64> {
    log.log(&audit_logger::core::NewEvent {
        action,
        ..Default::default()
    })
}

/// The seqs of the events in the journal at `dir`, oldest first.
fn journal_seqs(dir: &Path) -> Vec<u64> {
    let mut seqs = Vec::new();
    audit_logger::journal::read_journal_events(dir, |e, _| {
        seqs.push(e.seq());
        Ok(())
    })
    .unwrap();
    seqs
}

fn faulty() -> (Arc<Faults>, Options) {
    let faults = Arc::new(Faults::default());
    let opts = Options {
        faults: Some(faults.clone()),
        ..options()
    };
    (faults, opts)
}

fn seg_len(dir: &Path, first_seq: u64) -> u64 {
    std::fs::metadata(dir.join(segment_file_name(first_seq)))
        .unwrap()
        .len()
}

fn events(range: std::ops::RangeInclusive<u64>) -> Vec<(FrameKind, Vec<u8>)> {
    range.map(|s| (FrameKind::Event, event(s))).collect()
}

#[test]
fn a_failed_write_cuts_back_to_the_last_frame_and_a_retry_writes_the_frames_once() {
    for errno in [libc::ENOSPC, libc::EIO, libc::EROFS] {
        let dir = tempfile::tempdir().unwrap();
        let (faults, opts) = faulty();
        let (mut j, _) = Journal::open(dir.path(), opts.clone()).unwrap();
        j.rotate(1, b"").unwrap();
        for seq in 1..=10 {
            j.append(FrameKind::Event, &event(seq)).unwrap();
        }
        j.sync().unwrap();
        let good = seg_len(dir.path(), 1);
        for seq in 11..=13 {
            j.append(FrameKind::Event, &event(seq)).unwrap();
        }
        // Half the buffer reaches the file, then the write fails.
        faults.arm(Op::Write, errno, 150, 1);
        let e = j.sync().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
        assert_eq!(e.os_error(), Some(errno));
        assert_eq!(e.offset(), Some(good));
        let text = io::Error::from_raw_os_error(errno).to_string();
        assert!(e.message().contains(&text), "{e}");
        assert!(e.message().contains(&segment_file_name(1)), "{e}");
        assert!(e.message().contains("cut back"), "{e}");
        assert_eq!(seg_len(dir.path(), 1), good, "back on a frame boundary");
        assert_eq!(j.pending_frames(), 3, "the frames stay buffered");
        assert_eq!(frames(dir.path()), events(1..=10));

        // The retry writes them at the same place, once.
        j.sync().unwrap();
        assert_eq!(j.pending_frames(), 0);
        drop(j);
        let (_, rec) = Journal::open(dir.path(), opts).unwrap();
        assert!(rec.is_clean());
        assert_eq!(frames(dir.path()), events(1..=13));
    }
}

#[test]
fn after_a_failed_write_the_caller_may_drop_the_pending_frames() {
    let dir = tempfile::tempdir().unwrap();
    let (faults, opts) = faulty();
    let (mut j, _) = Journal::open(dir.path(), opts.clone()).unwrap();
    j.rotate(1, b"").unwrap();
    for seq in 1..=5 {
        j.append(FrameKind::Event, &event(seq)).unwrap();
    }
    j.flush().unwrap();
    j.append(FrameKind::Event, &event(6)).unwrap();
    j.append(FrameKind::Event, &event(7)).unwrap();
    faults.arm(Op::Write, libc::ENOSPC, 3, 1);
    assert!(j.flush().is_err());
    assert_eq!(j.discard_pending(), 2);
    let pos = j.position().unwrap();
    assert_eq!(pos, j.written_position().unwrap());
    assert_eq!(j.append(FrameKind::Event, &event(8)).unwrap(), pos);
    j.close().unwrap();
    let (_, rec) = Journal::open(dir.path(), opts).unwrap();
    assert!(rec.is_clean());
    let mut want = events(1..=5);
    want.extend(events(8..=8));
    assert_eq!(frames(dir.path()), want);
}

#[test]
fn an_append_that_cannot_make_room_in_the_buffer_is_refused_and_not_taken() {
    let dir = tempfile::tempdir().unwrap();
    let (faults, mut opts) = faulty();
    opts.write_buffer_bytes = 1000;
    let (mut j, _) = Journal::open(dir.path(), opts.clone()).unwrap();
    j.rotate(1, b"").unwrap();
    let mut seq = 0;
    faults.arm(Op::Write, libc::ENOSPC, 0, usize::MAX);
    let err = loop {
        seq += 1;
        match j.append(FrameKind::Event, &event(seq)) {
            Ok(_) => continue,
            Err(e) => break e,
        }
    };
    assert_eq!(err.os_error(), Some(libc::ENOSPC));
    let taken = seq - 1;
    assert_eq!(j.pending_frames() as u64, taken);
    faults.disarm();
    j.close().unwrap();
    assert_eq!(frames(dir.path()), events(1..=taken));
}

#[test]
fn a_failed_fsync_stops_the_journal_until_it_is_reopened() {
    let dir = tempfile::tempdir().unwrap();
    let (faults, opts) = faulty();
    let (mut j, _) = Journal::open(dir.path(), opts.clone()).unwrap();
    j.rotate(1, b"").unwrap();
    for seq in 1..=4 {
        j.append(FrameKind::Event, &event(seq)).unwrap();
    }
    faults.arm(Op::Sync, libc::EIO, 0, 1);
    let e = j.sync().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Poisoned, "{e}");
    assert_eq!(e.os_error(), Some(libc::EIO));
    assert!(e.message().contains("Input/output error"), "{e}");
    for e in [
        j.append(FrameKind::Event, &event(5)).unwrap_err(),
        j.sync().unwrap_err(),
        j.flush().unwrap_err(),
        j.rotate(5, b"").unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::Poisoned, "{e}");
        assert!(e.message().contains("reopen"), "{e}");
    }
    drop(j);
    let (mut j, rec) = Journal::open(dir.path(), opts).unwrap();
    assert!(rec.is_clean());
    assert_eq!(rec.events, 4, "what the OS holds is validated and kept");
    j.append(FrameKind::Event, &event(5)).unwrap();
    j.close().unwrap();
    assert_eq!(frames(dir.path()), events(1..=5));
}

#[test]
fn a_failed_rotation_keeps_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let (faults, opts) = faulty();
    let (mut j, _) = Journal::open(dir.path(), opts.clone()).unwrap();
    j.rotate(1, b"").unwrap();
    j.append(FrameKind::Event, &event(1)).unwrap();
    j.sync().unwrap();
    for (op, errno) in [
        (Op::Write, libc::EROFS),
        (Op::Sync, libc::EIO),
        (Op::SyncDir, libc::EIO),
    ] {
        faults.arm(op, errno, 10, 1);
        let e = j.rotate(2, b"").unwrap_err();
        assert_eq!(e.os_error(), Some(errno), "{op:?}: {e}");
        assert!(
            e.message().contains(&segment_file_name(2)) || op == Op::SyncDir,
            "{e}"
        );
        assert!(!dir.path().join(segment_file_name(2)).exists(), "{op:?}");
        assert_eq!(j.active_segment().unwrap().header.first_seq, 1);
        // The header write and the fsync of the new file fail before the
        // active segment is touched, so appends go on.
        j.append(FrameKind::Event, &event(2)).unwrap();
        j.sync().unwrap();
    }
    faults.disarm();
    j.rotate(3, b"").unwrap();
    j.append(FrameKind::Event, &event(3)).unwrap();
    j.close().unwrap();
    let (_, rec) = Journal::open(dir.path(), opts).unwrap();
    assert!(rec.is_clean());
    assert_eq!(rec.segments, 2);
    let got: Vec<_> = frames(dir.path()).into_iter().map(|f| f.1).collect();
    assert_eq!(got, [event(1), event(2), event(2), event(2), event(3)]);
}

#[test]
fn a_failed_archive_write_leaves_the_archive_and_the_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (faults, mut opts) = faulty();
    opts.retain_segments = Some(1);
    let (mut j, _) = Journal::open(dir.path(), opts.clone()).unwrap();
    for s in 0..3u64 {
        j.rotate(s * 10 + 1, b"").unwrap();
        j.append(FrameKind::Event, &event(s * 10 + 1)).unwrap();
        j.append(FrameKind::Checkpoint, &common::checkpoint(s))
            .unwrap();
    }
    j.sync().unwrap();
    j.archive_checkpoints(&[b"earlier".to_vec()]).unwrap();
    let before = snapshot(dir.path());
    faults.arm(Op::Write, libc::ENOSPC, 7, 1);
    let e = j.apply_retention(0, |_| Ok(())).unwrap_err();
    assert_eq!(e.os_error(), Some(libc::ENOSPC), "{e}");
    assert!(e.message().contains("checkpoints.arch"), "{e}");
    assert_eq!(
        snapshot(dir.path()),
        before,
        "archive cut back, nothing deleted"
    );
    faults.disarm();
    assert_eq!(j.apply_retention(0, |_| Ok(())).unwrap().len(), 2);
    let archived: Vec<_> = Reader::open(dir.path())
        .unwrap()
        .archive_frames()
        .map(|f| f.unwrap().payload)
        .collect();
    assert_eq!(
        archived,
        [
            b"earlier".to_vec(),
            common::checkpoint(0),
            common::checkpoint(1)
        ]
    );
}

/// A tmpfs of `size` mounted over a fresh directory in a private mount
/// namespace; `None` (after printing why) where mounts are not permitted.
fn on_tmpfs<T: Send>(size: &str, body: impl FnOnce(&Path) -> T + Send) -> Option<T> {
    let base = tempfile::tempdir().unwrap();
    let target: PathBuf = base.path().to_path_buf();
    let size = size.to_string();
    let ran = common::in_private_mount_namespace(move || {
        if !common::mount(
            "tmpfs",
            &target,
            Some("tmpfs"),
            0,
            Some(&format!("size={size}")),
        ) {
            return None;
        }
        let out = body(&target);
        common::unmount(&target);
        Some(out)
    });
    match ran.flatten() {
        Some(out) => Some(out),
        None => {
            println!("SKIPPED: mounting a tmpfs is not permitted here (needs root and mount namespaces); the injected faults cover the same paths");
            None
        }
    }
}

#[test]
fn a_full_disk_fails_closed_keeps_what_was_written_and_recovers_when_space_returns() {
    on_tmpfs("64k", |root| {
        let dir = root.join("journal");
        // Something else on the disk, freed later.
        let filler = root.join("filler");
        std::fs::write(&filler, vec![1u8; 16 << 10]).unwrap();
        let (mut j, _) = Journal::open(&dir, options()).unwrap();
        j.rotate(1, b"").unwrap();
        let mut seq = 0;
        let err = loop {
            seq += 1;
            if let Err(e) = j
                .append(FrameKind::Event, &event(seq))
                .and_then(|_| j.sync())
            {
                break e;
            }
            assert!(seq < 10_000, "the disk never filled");
        };
        assert_eq!(err.os_error(), Some(libc::ENOSPC), "{err}");
        assert!(err.message().contains("No space left on device"), "{err}");
        assert!(err.message().contains(&segment_file_name(1)), "{err}");
        let durable = seq - 1;
        assert!(durable > 10, "{durable} events fit");
        assert_eq!(j.synced_position(), j.written_position());
        assert_eq!(frames(&dir), events(1..=durable), "earlier frames intact");

        // Reopening on the full disk works and finds nothing to repair.
        drop(j);
        let (mut j, rec) = Journal::open(&dir, options()).unwrap();
        assert!(rec.is_clean(), "{rec:?}");
        assert_eq!(rec.events, durable);
        assert_eq!(rec.last_event, Some(event(durable)));
        let e = j
            .append(FrameKind::Event, &event(seq))
            .and_then(|_| j.sync())
            .unwrap_err();
        assert_eq!(e.os_error(), Some(libc::ENOSPC));
        // Space returns: the same frame is written, once.
        std::fs::remove_file(&filler).unwrap();
        j.sync().unwrap();
        j.close().unwrap();
        assert_eq!(frames(&dir), events(1..=seq));
        println!("disk full after {durable} events");
    });
}

#[test]
fn a_read_only_file_system_is_a_clear_error_and_the_reader_still_works() {
    on_tmpfs("1m", |root| {
        let dir = root.join("journal");
        common::journal_with(&dir, 20);
        let before = snapshot(&dir);
        assert!(common::mount(
            "none",
            root,
            None,
            libc::MS_REMOUNT | libc::MS_RDONLY,
            None
        ));
        let e = Journal::open(&dir, options()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
        assert_eq!(e.os_error(), Some(libc::EROFS));
        assert!(e.message().contains("Read-only file system"), "{e}");
        assert!(e.message().contains(&dir.display().to_string()), "{e}");
        // A new journal there cannot be made either.
        let e = Journal::open(root.join("new"), options()).unwrap_err();
        assert_eq!(e.os_error(), Some(libc::EROFS), "{e}");
        assert!(e.message().contains("new"), "{e}");
        // The read-only reader needs no write access.
        assert_eq!(frames(&dir), events(1..=20));
        assert!(common::mount("none", root, None, libc::MS_REMOUNT, None));
        assert_eq!(snapshot(&dir), before, "nothing changed");
        let (_, rec) = Journal::open(&dir, options()).unwrap();
        assert!(rec.is_clean());
        assert_eq!(rec.events, 20);
    });
}

/// A logger whose journal cannot write: while the writer fails (an injected
/// `ENOSPC` on every write), `log` refuses new events with the reason, and
/// the events already taken stay queued; once writes succeed again the writer
/// retries, writes them once, and `log` takes events again.
#[test]
fn a_logger_refuses_events_while_its_journal_fails_and_takes_them_again_after() {
    use audit_logger::core::{Config, ErrorKind as CoreKind};
    use audit_logger::journal::{journal_stats, open_logger, JournalConfig};

    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    let mut config = JournalConfig::new(dir.path());
    config.storage.faults = Some(faults.clone());
    let log = open_logger(Config::with_capacity(100), config).unwrap();
    let one = || log_one(&log, "a");
    let first = one().unwrap();
    wait_until("the first event on disk", || {
        journal_stats(&log).unwrap().written_seq >= first
    });

    faults.arm(Op::Write, libc::ENOSPC, 0, usize::MAX);
    let taken = one().unwrap();
    wait_until("the failure", || {
        journal_stats(&log).unwrap().failing.is_some()
    });
    let e = one().unwrap_err();
    assert_eq!(e.kind(), CoreKind::Io, "{e}");
    assert!(
        e.message().contains("the journal cannot take events")
            && e.message().contains("os error 28"),
        "{e}"
    );
    assert_eq!(log.appended(), taken, "the refused event was not recorded");

    faults.disarm();
    wait_until("the retry", || {
        let stats = journal_stats(&log).unwrap();
        stats.failing.is_none() && stats.written_seq >= taken
    });
    let after = one().unwrap();
    assert_eq!(after, taken + 1);
    drop(log);
    let seqs = journal_seqs(dir.path());
    assert_eq!(seqs, (1..=after).collect::<Vec<u64>>());
}

/// Under `batch` a batch's fsync runs on the journal's sync thread while the
/// writer goes on: a successful one shows as durable without a checkpoint,
/// and a failed one stops the journal at once (later events are refused with
/// the reason, the failed sync makes nothing durable), keeping every event
/// written: the journal reopens with all of them.
#[test]
fn under_batch_a_failed_background_fsync_stops_the_journal_and_keeps_what_was_written() {
    use audit_logger::core::{Config, ErrorKind as CoreKind};
    use audit_logger::journal::{journal_stats, open_logger, Fsync, JournalConfig};
    use std::time::Duration;

    let dir = tempfile::tempdir().unwrap();
    let faults = Arc::new(Faults::default());
    let mut config = JournalConfig::new(dir.path());
    config.fsync = Fsync::Batch {
        events: 10,
        interval: Duration::from_secs(600),
    };
    config.storage.faults = Some(faults.clone());
    let log = open_logger(Config::with_capacity(100), config).unwrap();
    let one = || log_one(&log, "a");
    for _ in 0..10 {
        one().unwrap();
    }
    wait_until("the first batch on disk", || {
        journal_stats(&log).unwrap().durable_seq == 10
    });
    let stats = journal_stats(&log).unwrap();
    assert_eq!(
        stats.checkpoints, 0,
        "made durable by the batch's own fsync"
    );
    assert!(stats.fsyncs >= 1, "{stats:?}");

    faults.arm(Op::Sync, libc::EIO, 0, 1);
    for _ in 0..10 {
        one().unwrap();
    }
    wait_until("the failure", || {
        journal_stats(&log).unwrap().failing.is_some()
    });
    let e = one().unwrap_err();
    assert_eq!(e.kind(), CoreKind::Io, "{e}");
    assert!(
        e.message().contains("fdatasync") && e.message().contains("Input/output error"),
        "{e}"
    );
    let stats = journal_stats(&log).unwrap();
    assert_eq!(
        stats.durable_seq, 10,
        "the failed fsync made nothing durable"
    );
    assert_eq!(stats.written_seq, 20);
    assert_eq!(log.appended(), 20, "the refused event was not recorded");
    drop(log);

    let seqs = journal_seqs(dir.path());
    assert_eq!(seqs, (1..=20).collect::<Vec<u64>>());
    let log = open_logger(Config::with_capacity(100), JournalConfig::new(dir.path())).unwrap();
    assert_eq!(
        log_one(&log, "b").unwrap(),
        21,
        "the reopened journal continues the sequence"
    );
}
