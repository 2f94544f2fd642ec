//! The delivery engine without a real server: a collector that accepts and
//! never reads, overflow policies, the JSON Lines sink (rotation, fsync), and a
//! forwarding process killed with SIGKILL and started again from its cursor.

#[path = "forward/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_logger::core::Overflow;
use audit_logger::forward::{
    read_cursor, Forwarder, ForwarderConfig, JsonlConfig, LogId, Source, SyslogConfig, Target,
};
use audit_logger::journal::Fsync;
use harness::{logged_events, wait_until, LoggerReplay};

#[test]
fn a_collector_that_never_reads_does_not_stall_producers() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept every connection and hold it, never reading.
    let held = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let mut conns = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline && conns.len() < 50 {
            match listener.accept() {
                Ok((c, _)) => conns.push(c),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        conns.len()
    });
    let mut s = SyslogConfig::new(format!("127.0.0.1:{port}"));
    s.io_timeout = Duration::from_secs(2);
    let mut config = ForwarderConfig::new(Target::Syslog(s));
    config.backlog = 1000;
    config.overflow = Overflow::DropOldest;
    let fwd = Forwarder::start(config, LogId::random(), Source::Backlog).unwrap();
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(2000));
    let log = audit_logger::core::AuditLogger::new(10).unwrap();
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    // Offer until the forwarder has noticed the stall (the peer's buffers full
    // and a write timed out), at most 500,000 events or 20 s.
    let mut n = 0u64;
    while n < 500_000 && started.elapsed() < Duration::from_secs(20) {
        if n % 1000 == 0 && fwd.stats().retries > 0 {
            break;
        }
        n += 1;
        let seq = log
            .log(&audit_logger::core::NewEvent {
                details: Some(&big),
                ..Default::default()
            })
            .unwrap();
        let e = log.get(seq).unwrap();
        let t0 = Instant::now();
        fwd.offer(&e);
        slowest = slowest.max(t0.elapsed());
    }
    let took = started.elapsed();
    println!(
        "never-read: {n} offers in {took:?}, slowest {slowest:?}, {:?}",
        fwd.stats()
    );
    // A producer that waited on the socket would wait the io_timeout (2 s); the
    // bound leaves room for a loaded machine's scheduling.
    assert!(
        slowest < Duration::from_millis(500),
        "an offer took {slowest:?}"
    );
    assert!(wait_until(Duration::from_secs(10), || fwd.stats().retries > 0));
    let stats = fwd.stats();
    assert!(stats.dropped > 0, "{stats:?}");
    assert_eq!(stats.offered, n);
    assert!(stats.lag_events > 0);
    let error = stats.last_error.clone().unwrap();
    assert!(error.contains("stopped reading"), "{error}");
    // Accounting: every offered event is delivered (the peer's buffers took
    // it), dropped, or still waiting.
    assert_eq!(
        stats.delivered + stats.dropped + stats.lag_events,
        n,
        "{stats:?}"
    );
    let t0 = Instant::now();
    let report = fwd.close(Duration::from_millis(500));
    assert!(
        t0.elapsed() < Duration::from_secs(4),
        "close took {:?}",
        t0.elapsed()
    );
    assert!(report.timed_out);
    assert!(report.left > 0);
    println!("never-read close: {report:?}");
    drop(held);
}

#[test]
fn overflow_policies_are_counted_and_block_is_bounded() {
    let port = harness::free_port(); // nothing listens
    for overflow in [
        Overflow::DropNewest,
        Overflow::DropOldest,
        Overflow::Block(Duration::from_millis(30)),
    ] {
        let mut config = ForwarderConfig::new(Target::Syslog(SyslogConfig::new(format!(
            "127.0.0.1:{port}"
        ))));
        config.backlog = 10;
        config.overflow = overflow;
        let fwd = Forwarder::start(config, LogId::random(), Source::Backlog).unwrap();
        let (_log, events) = logged_events(30);
        let t0 = Instant::now();
        for e in &events {
            fwd.offer(e);
        }
        let took = t0.elapsed();
        let stats = fwd.stats();
        assert_eq!(stats.offered, 30);
        assert_eq!(stats.dropped, 20, "{overflow:?} {stats:?}");
        assert_eq!(stats.backlog, 10);
        assert_eq!(stats.lag_events, 10);
        assert!(!stats.connected);
        match overflow {
            Overflow::Block(t) => {
                assert!(stats.max_offer_wait >= t, "{stats:?}");
                assert!(stats.max_offer_wait < t * 4, "{stats:?}");
                assert!(took >= t * 20);
            }
            _ => assert_eq!(stats.max_offer_wait, Duration::ZERO),
        }
        let report = fwd.close(Duration::from_millis(100));
        assert!(report.timed_out);
        assert_eq!(report.left, 10);
    }
}

fn read_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn jsonl_sink_rotates_by_rename_and_keeps_every_event() {
    // Under batch the syncs run on the sink's sync thread, between and
    // across rotations; a small batch makes many of them.
    let batch = Fsync::Batch {
        events: 7,
        interval: Duration::from_millis(1),
    };
    for fsync in [Fsync::Always, batch, Fsync::Never] {
        rotates_by_rename_and_keeps_every_event(fsync);
    }
}

fn rotates_by_rename_and_keeps_every_event(fsync: Fsync) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut j = JsonlConfig::new(&path);
    j.max_bytes = Some(20_000);
    j.keep = 100;
    j.fsync = fsync;
    let log_id = LogId::random();
    let fwd = Forwarder::start(
        ForwarderConfig::new(Target::Jsonl(j)),
        log_id,
        Source::Backlog,
    )
    .unwrap();
    // A reader holding the first file open keeps reading it after rotation.
    let (_log, events) = logged_events(1000);
    fwd.offer(&events[0]);
    assert!(wait_until(Duration::from_secs(5), || path.exists()));
    use std::os::unix::fs::MetadataExt;
    let first_inode = std::fs::metadata(&path).unwrap().ino();
    for e in &events[1..] {
        fwd.offer(e);
    }
    let report = fwd.close(Duration::from_secs(10));
    assert_eq!(report.left, 0, "{fsync:?}");
    assert_eq!(report.delivered, 1000, "{fsync:?}");
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() > 3, "{files:?}");
    let mut seqs = Vec::new();
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 20_000, "{f:?}");
        for v in read_lines(f) {
            assert_eq!(v["log_id"], log_id.to_string());
            seqs.push(v["seq"].as_u64().unwrap());
        }
    }
    seqs.sort();
    assert_eq!(seqs, (1..=1000).collect::<Vec<u64>>(), "{fsync:?}");
    // The oldest file is the first one created (renamed, never copied).
    let oldest = files
        .iter()
        .max_by_key(|f| {
            f.extension()
                .and_then(|x| x.to_str())
                .and_then(|x| x.parse::<u32>().ok())
                .unwrap_or(0)
        })
        .unwrap();
    assert_eq!(std::fs::metadata(oldest).unwrap().ino(), first_inode);
    assert_eq!(read_lines(oldest)[0]["seq"], 1);
}

const CHILD_ENV: &str = "AUDIT_FORWARD_TEST_CHILD_DIR";
const N: usize = 3000;

/// The killed process: forwards the journal stub to a JSON Lines file slowly
/// (fsync always, one event per write) until it is killed.
#[test]
fn child_forwarder_process() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return; // only in the child
    };
    let dir = Path::new(&dir);
    let (log, _) = logged_events(N);
    let log_id = LogId([9; 16]);
    let mut j = JsonlConfig::new(dir.join("out.jsonl"));
    j.fsync = Fsync::Always;
    let mut config = ForwarderConfig::new(Target::Jsonl(j));
    config.cursor_path = Some(dir.join("cursor"));
    config.cursor_interval = Duration::from_millis(10);
    config.max_batch = 1;
    let fwd =
        Forwarder::start(config, log_id, Source::Replay(Arc::new(LoggerReplay(log)))).unwrap();
    std::thread::sleep(Duration::from_secs(60));
    drop(fwd);
}

#[test]
fn killed_process_resumes_from_its_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let log_id = LogId([9; 16]);
    let cursor = dir.path().join("cursor");
    let out = dir.path().join("out.jsonl");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_forwarder_process", "--nocapture"])
        .env(CHILD_ENV, dir.path())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let advanced = wait_until(Duration::from_secs(30), || {
        read_cursor(&cursor, &log_id).ok().flatten().unwrap_or(0) >= 200
    });
    child.kill().unwrap(); // SIGKILL: no close, no last cursor write
    child.wait().unwrap();
    assert!(advanced, "the child never got going");
    let at_kill = read_cursor(&cursor, &log_id).unwrap().unwrap();
    let lines_at_kill = read_lines(&out).len() as u64;
    assert!(
        lines_at_kill >= at_kill,
        "{lines_at_kill} lines, cursor {at_kill}"
    );
    assert!((at_kill as usize) < N, "the child finished before the kill");

    // A new process (here: a new forwarder) resumes after the cursor.
    let (log, events) = logged_events(N);
    let mut j = JsonlConfig::new(&out);
    j.fsync = Fsync::Batch {
        events: 100,
        interval: Duration::from_millis(50),
    };
    let mut config = ForwarderConfig::new(Target::Jsonl(j));
    config.cursor_path = Some(cursor.clone());
    let fwd =
        Forwarder::start(config, log_id, Source::Replay(Arc::new(LoggerReplay(log)))).unwrap();
    let report = fwd.close(Duration::from_secs(20));
    assert_eq!(report.left, 0, "{report:?}");
    assert_eq!(report.delivered, N as u64 - at_kill);
    assert_eq!(read_cursor(&cursor, &log_id).unwrap(), Some(N as u64));
    let mut by_seq: BTreeMap<u64, usize> = BTreeMap::new();
    for v in read_lines(&out) {
        let seq = v["seq"].as_u64().unwrap();
        let event = &events[seq as usize - 1];
        assert_eq!(v["actor"], event.actor());
        let details: serde_json::Value = serde_json::from_str(event.details()).unwrap();
        assert_eq!(v["details"], details);
        *by_seq.entry(seq).or_default() += 1;
    }
    assert_eq!(by_seq.len(), N, "every event at least once");
    // Only what was written after the last cursor write can appear twice.
    for (seq, count) in &by_seq {
        if *count > 1 {
            assert!(
                *seq > at_kill,
                "seq {seq} at or below the cursor {at_kill} came twice"
            );
        }
    }
    let dup: usize = by_seq.values().map(|c| c - 1).sum();
    assert_eq!(dup as u64, lines_at_kill - at_kill);
    println!("killed at cursor {at_kill} with {lines_at_kill} lines written: {dup} duplicates");
}
