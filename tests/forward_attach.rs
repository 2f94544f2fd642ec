//! Forwarders attached to a logger: fed by the ordered stream without a
//! journal (bounded, counted backlog), by the journal with one (a cursor in
//! the journal directory, resumed after a restart), closed with the logger;
//! and a logging process killed with SIGKILL mid-stream and restarted with
//! its journal, against a real rsyslogd: every journaled event arrives at
//! least once, duplicates carry the same seq and fields.

#[path = "forward/harness.rs"]
mod harness;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use audit_logger::core::{AuditLogger, Config, ErrorKind, Event, NewEvent, Overflow, Severity};
use audit_logger::forward::{
    read_cursor, write_cursor, Format, ForwarderConfig, ForwarderStats, JsonlConfig, LogId,
    SyslogConfig, Target,
};
use audit_logger::journal::{
    journal_stats, open_logger, read_journal_events, Fault, FaultInjector, FileOp, Fsync, Journal,
    JournalConfig,
};
use harness::{free_port, wait_until, Rsyslog};

fn log_n(log: &AuditLogger, from: usize, n: usize) {
    for i in from..from + n {
        let details = format!("{{\"i\":{i}}}");
        log.log(&NewEvent {
            actor: &format!("user{i}"),
            action: if i % 5 == 2 {
                "weird]\"\\\n"
            } else {
                "doc.update"
            },
            resource: &format!("doc:{i}"),
            outcome: "success",
            severity: Severity::ALL[i % 4],
            details: Some(&details),
        })
        .unwrap();
    }
}

fn jsonl_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn syslog(port: u16) -> ForwarderConfig {
    let mut s = SyslogConfig::new(format!("127.0.0.1:{port}"));
    s.settle = Duration::from_millis(200);
    let mut c = ForwarderConfig::new(Target::Syslog(s));
    c.retry.initial = Duration::from_millis(50);
    c.retry.max = Duration::from_millis(500);
    c
}

/// The stats of forwarder 0 once it failed to connect twice.
fn after_retries(log: &AuditLogger) -> ForwarderStats {
    assert!(wait_until(Duration::from_secs(10), || log
        .forwarder_stats(0)
        .unwrap()
        .retries
        >= 2));
    log.forwarder_stats(0).unwrap()
}

fn journal_events(dir: &Path) -> Vec<Event> {
    let mut events = Vec::new();
    read_journal_events(dir, |e, _| {
        events.push(e);
        Ok(())
    })
    .unwrap();
    events
}

/// Without a journal: every event logged after attaching reaches the JSON
/// Lines file, each once and in order, and closing reports nothing left.
#[test]
fn without_a_journal_the_stream_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let log = AuditLogger::new(100).unwrap();
    let index = log
        .attach_forwarder(
            "file",
            ForwarderConfig::new(Target::Jsonl(JsonlConfig::new(&path))),
        )
        .unwrap();
    assert_eq!(index, 0);
    assert_eq!(log.forwarder_count(), 1);
    assert_eq!(log.forwarder_name(0).as_deref(), Some("file"));
    assert!(log.forwarder_close_report(0).is_none());
    log_n(&log, 0, 1000);
    assert!(wait_until(Duration::from_secs(20), || log
        .forwarder_stats(0)
        .unwrap()
        .delivered
        == 1000));
    let stats = log.forwarder_stats(0).unwrap();
    assert_eq!(
        (stats.offered, stats.dropped, stats.lag_events),
        (1000, 0, 0)
    );
    log_n(&log, 1000, 10);
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (1010, 0), "{report:?}");
    assert_eq!(log.forwarder_stats(0).unwrap().delivered, 1010);
    let lines = jsonl_lines(&path);
    assert_eq!(lines.len(), 1010);
    let id = LogId::parse(lines[0]["log_id"].as_str().unwrap()).unwrap();
    // The ring kept only the newest 100: compare those byte for byte.
    let text = std::fs::read_to_string(&path).unwrap();
    let text: Vec<&str> = text.lines().collect();
    for event in log.recent(100) {
        let mut line = Vec::new();
        Format::JsonLine.write(&mut line, &id, &event);
        assert_eq!(text[event.seq() as usize - 1].as_bytes(), line);
    }
    for (i, l) in lines.iter().enumerate() {
        assert_eq!(l["seq"], i as u64 + 1);
        assert_eq!(l["log_id"], lines[0]["log_id"]);
    }
}

/// A target that is down: producers never wait (drop-newest), the backlog
/// holds what it can, and every counter adds up; closing gives up after the
/// close timeout and says how much was left.
#[test]
fn an_unreachable_target_fills_a_counted_backlog() {
    let log = AuditLogger::new(100).unwrap();
    let mut config = syslog(free_port());
    config.backlog = 50;
    config.overflow = Overflow::DropNewest;
    config.close_timeout = Duration::from_millis(300);
    log.attach_forwarder("down", config).unwrap();
    log_n(&log, 0, 1000);
    let s = after_retries(&log);
    assert!(!s.connected);
    assert!(s.last_error.is_some());
    assert_eq!(s.offered, 1000);
    assert_eq!(s.delivered, 0);
    assert!(s.dropped >= 1000 - 50 - 500 - 1, "{s:?}");
    assert_eq!(s.dropped + s.lag_events, 1000, "{s:?}");
    assert_eq!(s.lag_events, (s.backlog + s.in_flight) as u64);
    assert!(s.lag_seconds > 0.0);
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert!(report.timed_out);
    assert_eq!(report.delivered, 0);
    assert_eq!(report.left + report.stats.dropped, 1000, "{report:?}");
}

/// Names are checked, and a cursor file without a journal is refused.
#[test]
fn bad_attachments_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = AuditLogger::new(10).unwrap();
    let file = || ForwarderConfig::new(Target::Jsonl(JsonlConfig::new(dir.path().join("f"))));
    for name in ["", ".hidden", "a/b", "x y", &"n".repeat(65)] {
        let e = log.attach_forwarder(name, file()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidArgument, "{name:?}");
    }
    log.attach_forwarder("f", file()).unwrap();
    let e = log.attach_forwarder("f", file()).unwrap_err();
    assert!(e.message().contains("already"), "{}", e.message());
    let mut with_cursor = file();
    with_cursor.cursor_path = Some(dir.path().join("cursor"));
    let e = log.attach_forwarder("g", with_cursor).unwrap_err();
    assert!(e.message().contains("journal"), "{}", e.message());
    assert_eq!(log.forwarder_count(), 1);
    assert!(log.forwarder_stats(1).is_none());
    // An unwritable file is the target's failure: it shows in the stats.
    let mut unwritable = ForwarderConfig::new(Target::Jsonl(JsonlConfig::new("/proc/nope/x")));
    unwritable.close_timeout = Duration::from_millis(100);
    assert_eq!(log.attach_forwarder("h", unwritable).unwrap(), 1);
    log_n(&log, 0, 3);
    assert!(wait_until(Duration::from_secs(10), || log
        .forwarder_stats(1)
        .unwrap()
        .last_error
        .is_some_and(|e| e.contains("/proc/nope/x"))));
    let s = log.forwarder_stats(1).unwrap();
    assert!(!s.connected);
    assert_eq!((s.delivered, s.lag_events), (0, 3));
}

/// With a journal: the forwarder reads it, keeps its cursor beside it, and a
/// logger opened again resumes after the cursor: each event once.
#[test]
fn with_a_journal_a_restart_resumes_after_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let path = dir.path().join("out.jsonl");
    let target = || ForwarderConfig::new(Target::Jsonl(JsonlConfig::new(&path)));
    let log = open_logger(Config::with_capacity(50), JournalConfig::new(&journal)).unwrap();
    log.attach_forwarder("file", target()).unwrap();
    log_n(&log, 0, 300);
    drop(log);
    let ids = journal_events(&journal);
    assert_eq!(ids.len(), 300);
    let lines = jsonl_lines(&path);
    assert_eq!(lines.len(), 300);
    let id = LogId::parse(lines[0]["log_id"].as_str().unwrap()).unwrap();
    let cursor = journal.join("forward-file.cursor");
    assert_eq!(read_cursor(&cursor, &id).unwrap(), Some(300));

    // Events journaled while no forwarder was attached are sent too.
    let log = open_logger(Config::with_capacity(50), JournalConfig::new(&journal)).unwrap();
    log_n(&log, 300, 100);
    log.attach_forwarder("file", target()).unwrap();
    log_n(&log, 400, 100);
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (200, 0), "{report:?}");
    let lines = jsonl_lines(&path);
    let seqs: Vec<u64> = lines.iter().map(|l| l["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, (1..=500).collect::<Vec<_>>());
    assert!(lines.iter().all(|l| l["log_id"] == id.to_string()));
    assert_eq!(read_cursor(&cursor, &id).unwrap(), Some(500));
}

/// At close the logger's subscriptions end before its journal stops, while
/// the journal still writes what it took: a forwarder that reads the journal
/// delivers that too. Every write of the journal is slowed (a fault hook that
/// only sleeps), so that the journal is behind when the subscriptions end.
#[test]
fn at_close_a_journal_fed_forwarder_delivers_what_the_journal_writes_last() {
    struct SlowWrites;
    impl FaultInjector for SlowWrites {
        fn before(&self, op: FileOp<'_>) -> Option<Fault> {
            if let FileOp::Write { .. } = op {
                std::thread::sleep(Duration::from_millis(50));
            }
            None
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    let mut journal = JournalConfig::new(dir.path().join("journal"));
    journal.storage.faults = Some(std::sync::Arc::new(SlowWrites));
    let log = open_logger(Config::with_capacity(50), journal).unwrap();
    log.attach_forwarder(
        "file",
        ForwarderConfig::new(Target::Jsonl(JsonlConfig::new(&path))),
    )
    .unwrap();
    log_n(&log, 0, 200);
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (200, 0), "{report:?}");
    let seqs: Vec<u64> = jsonl_lines(&path)
        .iter()
        .map(|l| l["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
}

/// A journal of several segments and a cursor in the newest one: the
/// forwarder attached after a restart sends the events after the cursor,
/// each once and in order, and none at or before it.
#[test]
fn a_restart_sends_exactly_the_events_after_a_cursor_in_the_newest_segment() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let path = dir.path().join("out.jsonl");
    let small = || {
        let mut c = JournalConfig::new(&journal);
        c.storage.max_segment_bytes = Some(2048);
        c
    };
    let log = open_logger(Config::with_capacity(50), small()).unwrap();
    for i in 0..120 {
        log_n(&log, i, 1);
        // One event a batch, so that the writer rotates at the size.
        let seq = i as u64 + 1;
        assert!(wait_until(Duration::from_secs(10), || {
            journal_stats(&log).unwrap().written_seq >= seq
        }));
    }
    drop(log);
    let reader = Journal::open_read_only(&journal).unwrap();
    let segments = reader.segments();
    assert!(segments.len() >= 4, "{} segments", segments.len());
    let cursor = segments.last().unwrap().header.first_seq + 1;
    assert!(cursor < 120);
    let log_id = LogId::parse(&reader.log_id().to_string()).unwrap();
    write_cursor(&journal.join("forward-file.cursor"), &log_id, cursor).unwrap();

    let log = open_logger(Config::with_capacity(50), small()).unwrap();
    log.attach_forwarder(
        "file",
        ForwarderConfig::new(Target::Jsonl(JsonlConfig::new(&path))),
    )
    .unwrap();
    let after = 120 - cursor;
    assert!(wait_until(Duration::from_secs(20), || log
        .forwarder_stats(0)
        .unwrap()
        .delivered
        == after));
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (after, 0), "{report:?}");
    assert_eq!(report.stats.dropped, 0, "{report:?}");
    let seqs: Vec<u64> = jsonl_lines(&path)
        .iter()
        .map(|l| l["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, (cursor + 1..=120).collect::<Vec<_>>());
}

/// With a journal and a target that stays down, the lag counts the whole
/// backlog: after a restart, the events journaled before it (100, or 70
/// after a cursor at 30) before any new event, each once; the lag in seconds
/// is the age of the oldest unacknowledged event.
#[test]
fn with_a_journal_the_lag_counts_what_earlier_runs_left() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let down = free_port();
    let target = || {
        let mut c = syslog(down);
        c.close_timeout = Duration::from_millis(100);
        c
    };
    let log = open_logger(Config::with_capacity(50), JournalConfig::new(&journal)).unwrap();
    log.attach_forwarder("down", target()).unwrap();
    log_n(&log, 0, 100);
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (0, 100), "{report:?}");
    drop(log);
    let first_timestamp = journal_events(&journal)[0].timestamp();
    let now_micros = || {
        let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        t.unwrap().as_micros() as i64
    };

    let reopen = || {
        let log = open_logger(Config::with_capacity(50), JournalConfig::new(&journal)).unwrap();
        log.attach_forwarder("down", target()).unwrap();
        log
    };
    let log = reopen();
    assert_eq!(log.forwarder_stats(0).unwrap().lag_events, 100);
    after_retries(&log);
    let before = now_micros();
    let s = log.forwarder_stats(0).unwrap();
    let after = now_micros();
    assert_eq!((s.lag_events, s.delivered, s.dropped), (100, 0, 0), "{s:?}");
    let age = s.lag_seconds * 1e6;
    assert!(
        age + 1.0 >= (before - first_timestamp) as f64
            && age <= (after - first_timestamp) as f64 + 1.0,
        "lag {} s, the first event is {} to {} µs old",
        s.lag_seconds,
        before - first_timestamp,
        after - first_timestamp
    );
    log_n(&log, 100, 5);
    assert!(wait_until(Duration::from_secs(10), || log
        .forwarder_stats(0)
        .unwrap()
        .offered
        == 5));
    let s = log.forwarder_stats(0).unwrap();
    assert_eq!(s.lag_events, 105, "{s:?}");
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    assert_eq!((report.delivered, report.left), (0, 105), "{report:?}");
    drop(log);

    let log_id = Journal::open_read_only(&journal)
        .unwrap()
        .log_id()
        .to_string();
    let log_id = LogId::parse(&log_id).unwrap();
    write_cursor(&journal.join("forward-down.cursor"), &log_id, 30).unwrap();
    let log = reopen();
    assert_eq!(log.forwarder_stats(0).unwrap().lag_events, 75);
    let s = after_retries(&log);
    assert_eq!((s.lag_events, s.last_acked_seq), (75, Some(30)), "{s:?}");
}

/// The logging process (this test binary, run again as a child): opens the
/// journal in `AUDIT_CHILD_JOURNAL` with a syslog forwarder to
/// `AUDIT_CHILD_PORT`, logs `AUDIT_CHILD_COUNT` events from
/// `AUDIT_CHILD_FROM`, printing each seq, then closes and prints what was left.
#[test]
#[ignore = "run by kill_the_logging_process_and_restart_it as its child"]
fn child_logging_process() {
    let var = |name: &str| std::env::var(name).unwrap();
    let journal = var("AUDIT_CHILD_JOURNAL");
    let port: u16 = var("AUDIT_CHILD_PORT").parse().unwrap();
    let from: usize = var("AUDIT_CHILD_FROM").parse().unwrap();
    let count: usize = var("AUDIT_CHILD_COUNT").parse().unwrap();
    let mut jc = JournalConfig::new(journal);
    jc.fsync = Fsync::Always;
    let log = open_logger(Config::with_capacity(100), jc).unwrap();
    let mut config = syslog(port);
    config.close_timeout = Duration::from_secs(20);
    config.max_batch = 20;
    log.attach_forwarder("rsyslog", config).unwrap();
    for i in from..from + count {
        log_n(&log, i, 1);
        println!("logged {i}");
        std::thread::sleep(Duration::from_millis(1));
    }
    log.close();
    let report = log.forwarder_close_report(0).unwrap();
    println!("left {} delivered {}", report.left, report.delivered);
}

fn child(journal: &Path, port: u16, from: usize, count: usize) -> std::process::Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_logging_process",
            "--ignored",
            "--nocapture",
        ])
        .env("AUDIT_CHILD_JOURNAL", journal)
        .env("AUDIT_CHILD_PORT", port.to_string())
        .env("AUDIT_CHILD_FROM", from.to_string())
        .env("AUDIT_CHILD_COUNT", count.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

/// SIGKILL the logging process mid-stream and start it again with its
/// journal: every event in the journal reaches rsyslog at least once; those
/// at or below the cursor the killed process left exactly once; duplicates
/// carry the same seq and the same fields.
#[test]
fn kill_the_logging_process_and_restart_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some(rsyslog) = Rsyslog::start(dir.path(), "anon") else {
        return;
    };
    let journal = dir.path().join("journal");
    let mut first = child(&journal, rsyslog.tcp_port, 0, 1_000_000);
    let mut out = BufReader::new(first.stdout.take().unwrap());
    let mut logged = 0;
    let mut line = String::new();
    while logged < 400 && out.read_line(&mut line).unwrap() > 0 {
        if line.starts_with("logged ") {
            logged += 1;
        }
        line.clear();
    }
    assert!(wait_until(Duration::from_secs(20), || rsyslog
        .records()
        .len()
        >= 100));
    unsafe { libc::kill(first.id() as i32, libc::SIGKILL) };
    first.wait().unwrap();
    let killed_at = journal_events(&journal).len();
    assert!(killed_at >= 400, "{killed_at} events journaled");
    let log_id = audit_logger::journal::Journal::open_read_only(&journal)
        .unwrap()
        .log_id()
        .to_string();
    let log_id = LogId::parse(&log_id).unwrap();
    let cursor_path = journal.join("forward-rsyslog.cursor");
    let killed_cursor = read_cursor(&cursor_path, &log_id).unwrap().unwrap_or(0);

    let second = child(&journal, rsyslog.tcp_port, 1_000_000, 200);
    let output = second.wait_with_output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("left 0 "), "{text}");

    let events = journal_events(&journal);
    assert!(events.len() >= killed_at + 200);
    let cursor = read_cursor(&cursor_path, &log_id).unwrap().unwrap();
    assert_eq!(cursor, events.last().unwrap().seq());
    assert!(wait_until(Duration::from_secs(20), || rsyslog
        .records()
        .len()
        >= events.len()));
    let mut by_seq: BTreeMap<u64, Vec<serde_json::Value>> = BTreeMap::new();
    for r in rsyslog.records() {
        let sd = r["sd"]["audit@32473"].clone();
        assert_eq!(sd["log_id"], log_id.to_string());
        let seq: u64 = sd["seq"].as_str().unwrap().parse().unwrap();
        by_seq.entry(seq).or_default().push(sd);
    }
    let seqs: Vec<u64> = events.iter().map(Event::seq).collect();
    assert_eq!(by_seq.keys().copied().collect::<Vec<_>>(), seqs);
    for (seq, copies) in &by_seq {
        assert!(copies.iter().all(|c| c == &copies[0]), "seq {seq}");
    }
    let twice: Vec<u64> = by_seq
        .iter()
        .filter(|(_, c)| c.len() > 1)
        .map(|(s, _)| *s)
        .collect();
    eprintln!(
        "{} events, killed after {killed_at} journaled with the cursor at {killed_cursor}, {} sent twice",
        events.len(),
        twice.len()
    );
    // Only what the killed process sent past its last cursor write comes twice.
    assert!(twice.iter().all(|&s| s > killed_cursor), "{twice:?}");
    assert!(twice.len() as u64 <= killed_at as u64 - killed_cursor);
}

/// Without a journal, a collector that accepts the connection and never
/// reads, a tiny backlog and `Block(50 ms)`: producers wait for room, never
/// much longer than the policy, and the events without room are counted.
#[test]
fn a_collector_that_never_reads_blocks_producers_no_longer_than_the_policy() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::thread::spawn(move || listener.accept().map(|(s, _)| s));
    let log = AuditLogger::new(100).unwrap();
    let mut config = syslog(port);
    if let Target::Syslog(s) = &mut config.target {
        s.settle = Duration::from_secs(60);
    }
    config.backlog = 2;
    config.max_batch = 1;
    config.max_in_flight = 1;
    config.overflow = Overflow::Block(Duration::from_millis(50));
    config.close_timeout = Duration::from_millis(100);
    log.attach_forwarder("stuck", config).unwrap();
    let _peer = accepted.join().unwrap().unwrap();
    let mut longest = Duration::ZERO;
    for i in 0..20 {
        let start = std::time::Instant::now();
        log_n(&log, i, 1);
        longest = longest.max(start.elapsed());
    }
    let s = log.forwarder_stats(0).unwrap();
    assert!(s.connected, "{s:?}");
    assert!(
        longest >= Duration::from_millis(50),
        "no producer waited: {longest:?}"
    );
    assert!(
        longest < Duration::from_millis(50) + Duration::from_secs(1),
        "{longest:?}"
    );
    // One in flight and two in the backlog: the rest had no room.
    assert_eq!(s.dropped, 17, "{s:?}");
    assert_eq!((s.offered, s.lag_events), (20, 3), "{s:?}");
    assert!(s.max_offer_wait >= Duration::from_millis(50), "{s:?}");
    assert!(
        s.max_offer_wait <= longest,
        "{s:?}, longest log {longest:?}"
    );
}
