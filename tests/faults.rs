//! Faults: exports that cannot be written (read-only file system, a directory, a
//! missing directory, a device, a full disk, the file-size limit), imports that
//! must be refused (truncated, malformed, wrong-typed, oversized, impossible
//! timestamps), callbacks that misbehave (panic on a delivery thread, log
//! re-entrantly from every thread, unsubscribe or subscribe others mid-dispatch,
//! call back in from their cleanup), and hostile characters (log injection).
//!
//! Every refused operation must give a clear error and leave the previous file
//! and the in-memory log exactly as they were. Each test prints a
//! `RELIABILITY faults test=... injected=N` line (visible with `--nocapture`).

mod common;

use common::{
    in_private_mount_namespace, mount, quiet_deliberate_panics, unmount, wait_for, DropCounter,
};

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_logger::core::{
    write_compact, AuditLogger, Config, Delivery, ErrorKind, Event, Filter, NewEvent, Overflow,
    Severity,
};
use serde_json::{json, Value};

const PREVIOUS: &str = "previous export\n";
const LONG: Duration = Duration::from_secs(60);

fn report(test: &str, injected: usize) {
    println!("RELIABILITY faults test={test} injected={injected}");
}

/// A logger holding `n` varied events.
fn filled(n: usize) -> AuditLogger {
    let log = AuditLogger::new(1000).unwrap();
    for i in 0..n {
        let details = format!(r#"{{"i":{i},"note":"{}"}}"#, "x".repeat(100));
        log.log(&NewEvent {
            actor: &format!("user-{i}"),
            action: "file.read",
            resource: "/srv/data",
            outcome: "success",
            severity: Severity::Info,
            details: Some(&details),
        })
        .unwrap();
    }
    log
}

/// What a fault must not change: the whole exported log and the seq counter.
struct Snapshot {
    doc: String,
    appended: u64,
}

fn snapshot(log: &AuditLogger) -> Snapshot {
    Snapshot {
        doc: log.export_json(),
        appended: log.appended(),
    }
}

fn assert_unchanged(log: &AuditLogger, before: &Snapshot, what: &str) {
    assert_eq!(log.appended(), before.appended, "{what}: appended changed");
    assert!(
        log.export_json() == before.doc,
        "{what}: the stored events changed"
    );
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Exporting to `path` fails with an I/O error naming the path and saying
/// `reason`, and the log is unchanged.
fn expect_export_failure(log: &AuditLogger, path: &Path, reason: &str) {
    let before = snapshot(log);
    let err = log
        .export_json_to(path)
        .expect_err(&path.display().to_string());
    assert_eq!(
        err.kind(),
        ErrorKind::Io,
        "{}: {}",
        path.display(),
        err.message()
    );
    assert!(
        err.message().contains(&*path.to_string_lossy()) && err.message().contains(reason),
        "{}: the message should name the path and say {reason:?}: {}",
        path.display(),
        err.message()
    );
    assert_unchanged(log, &before, &path.display().to_string());
}

// ------------------------------------------------------------ export faults

#[test]
fn export_failures_leave_the_previous_file_and_the_log_intact() {
    let log = filled(50);
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("audit.json");
    std::fs::write(&previous, PREVIOUS).unwrap();
    let subdir = dir.path().join("a-directory");
    std::fs::create_dir(&subdir).unwrap();

    let cases: [(PathBuf, &str); 6] = [
        (subdir.clone(), "not a regular file"),
        (
            dir.path().join("missing/audit.json"),
            "No such file or directory",
        ),
        ("/dev/full".into(), "not a regular file"),
        ("/dev/null".into(), "not a regular file"),
        // Refuse writes even for root.
        ("/proc/audit-logger-faults.json".into(), "temporary file"),
        ("/sys/audit-logger-faults.json".into(), "temporary file"),
    ];
    for (path, reason) in &cases {
        expect_export_failure(&log, path, reason);
    }
    assert!(std::fs::metadata(&subdir).unwrap().is_dir());
    assert!(entries(&subdir).is_empty());
    assert!(!dir.path().join("missing").exists());
    use std::os::unix::fs::FileTypeExt;
    assert!(std::fs::metadata("/dev/full")
        .unwrap()
        .file_type()
        .is_char_device());
    assert_eq!(std::fs::read_to_string(&previous).unwrap(), PREVIOUS);
    assert_eq!(
        entries(dir.path()),
        ["a-directory", "audit.json"],
        "no temporary file left"
    );
    report("export_failures", cases.len());
}

#[test]
fn export_to_a_read_only_file_system_or_a_full_disk_fails_cleanly() {
    let log = filled(300); // about 100 KB exported
    let ran = in_private_mount_namespace(|| {
        // A read-only bind mount over a directory that holds a previous export.
        let ro = tempfile::tempdir().unwrap();
        std::fs::write(ro.path().join("audit.json"), PREVIOUS).unwrap();
        assert!(mount(
            &ro.path().to_string_lossy(),
            ro.path(),
            None,
            libc::MS_BIND,
            None
        ));
        assert!(mount(
            "none",
            ro.path(),
            None,
            libc::MS_BIND | libc::MS_REMOUNT | libc::MS_RDONLY,
            None
        ));
        let probe = std::fs::write(ro.path().join("probe"), "x").unwrap_err();
        assert_eq!(
            probe.raw_os_error(),
            Some(libc::EROFS),
            "the mount is read-only"
        );
        expect_export_failure(&log, &ro.path().join("audit.json"), "Read-only file system");
        expect_export_failure(&log, &ro.path().join("new.json"), "Read-only file system");
        assert_eq!(
            std::fs::read_to_string(ro.path().join("audit.json")).unwrap(),
            PREVIOUS
        );
        assert_eq!(entries(ro.path()), ["audit.json"]);
        unmount(ro.path());

        // A 16 KiB file system: the previous export fits, the new one does not.
        let full = tempfile::tempdir().unwrap();
        assert!(mount(
            "tmpfs",
            full.path(),
            Some("tmpfs"),
            0,
            Some("size=16k")
        ));
        std::fs::write(full.path().join("audit.json"), PREVIOUS).unwrap();
        expect_export_failure(
            &log,
            &full.path().join("audit.json"),
            "No space left on device",
        );
        assert_eq!(
            std::fs::read_to_string(full.path().join("audit.json")).unwrap(),
            PREVIOUS
        );
        assert_eq!(
            entries(full.path()),
            ["audit.json"],
            "the partial temporary file is removed"
        );
        // The same device takes a small export: it failed for want of space.
        let small = filled(1);
        let doc = small
            .export_json_to(&full.path().join("audit.json"))
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(full.path().join("audit.json")).unwrap(),
            doc
        );
        unmount(full.path());
    });
    if ran.is_none() {
        println!("skipped: mount namespaces need root; the file-size-limit test still covers a failing write");
        return;
    }
    report("export_read_only_and_full", 4);
}

const FSIZE_CHILD: &str = "AUDIT_FAULTS_FSIZE_CHILD";

/// A write that fails part-way: the file-size limit (RLIMIT_FSIZE) is far below
/// the document. The limit is per process, so a child process (this test
/// binary, run again for this one test) sets it and exports.
#[test]
fn export_past_the_file_size_limit_keeps_the_previous_file() {
    if let Some(path) = std::env::var_os(FSIZE_CHILD) {
        let limit = libc::rlimit {
            rlim_cur: 4096,
            rlim_max: libc::RLIM_INFINITY,
        };
        // SAFETY: plain system calls; SIGXFSZ is ignored so write() fails with EFBIG.
        unsafe {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            assert_eq!(libc::setrlimit(libc::RLIMIT_FSIZE, &limit), 0);
        }
        let log = filled(300);
        expect_export_failure(&log, Path::new(&path), "File too large");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let previous = dir.path().join("audit.json");
    std::fs::write(&previous, PREVIOUS).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "export_past_the_file_size_limit_keeps_the_previous_file",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FSIZE_CHILD, &previous)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && text.contains("1 passed"),
        "child failed:\n{text}"
    );
    assert_eq!(std::fs::read_to_string(&previous).unwrap(), PREVIOUS);
    assert_eq!(
        entries(dir.path()),
        ["audit.json"],
        "no temporary file left"
    );
    report("export_file_size_limit", 1);
}

// ------------------------------------------------------------ import faults

/// A document of three varied events, as exported.
fn good_document() -> String {
    let source = AuditLogger::new(10).unwrap();
    for (i, severity) in [Severity::Info, Severity::Error, Severity::Critical]
        .into_iter()
        .enumerate()
    {
        source
            .log(&NewEvent {
                actor: &format!("actor-{i}"),
                action: "login",
                resource: "app",
                outcome: if i == 1 { "denied" } else { "success" },
                severity,
                details: Some(
                    r#"{"ip":"10.0.0.1","tags":["a","b"],"n":{"deep":[1,2.5,null,true]}}"#,
                ),
            })
            .unwrap();
    }
    source.export_json()
}

fn target() -> AuditLogger {
    let log = filled(5);
    log.import_json(&good_document()).unwrap();
    log
}

/// Importing `doc` fails with `kind` and leaves the log unchanged.
fn expect_import_refused(log: &AuditLogger, doc: &str, kind: ErrorKind, what: &str) {
    let before = snapshot(log);
    let err = log.import_json(doc).expect_err(what);
    assert_eq!(err.kind(), kind, "{what}: {}", err.message());
    assert!(!err.message().is_empty(), "{what}");
    assert_unchanged(log, &before, what);
}

/// The good document with event 1 changed by `edit`.
fn with_second_event(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut events: Vec<Value> = serde_json::from_str(&good_document()).unwrap();
    edit(events[1].as_object_mut().unwrap());
    serde_json::to_string_pretty(&events).unwrap()
}

#[test]
fn truncated_documents_are_refused_at_every_cut() {
    let log = target();
    let doc = good_document();
    let mut tried = 0;
    for cut in (0..doc.len()).filter(|&i| doc.is_char_boundary(i)) {
        expect_import_refused(
            &log,
            &doc[..cut],
            ErrorKind::InvalidDocument,
            &format!("cut at {cut}"),
        );
        tried += 1;
    }
    assert!(tried > 500);
    report("import_truncated", tried);
}

#[test]
fn malformed_documents_are_refused() {
    let log = target();
    let doc = good_document();
    let mut bad: Vec<String> = vec![
        String::new(),
        " ".into(),
        "null".into(),
        "{}".into(),
        "[1]".into(),
        "[[]]".into(),
        "[null]".into(),
        "\"[]\"".into(),
        format!("\u{feff}{doc}"), // a byte order mark is not JSON
        format!("{doc}]"),
        format!("{doc},"),
        format!("{doc} trailing"),
        format!("[{doc}]"),
        doc.replacen("},\n  {", "}\n  {", 1),    // missing comma
        doc.replacen("\n]", ",\n]", 1),          // trailing comma
        doc.replacen("\"actor\"", "actor", 1),   // bare key
        doc.replacen("\"actor\"", "'actor'", 1), // single quotes
        doc.replacen("[", "[ // comment\n", 1),  // comments
        doc.replacen("2.5", "NaN", 1),           // not JSON numbers
        doc.replacen("2.5", "Infinity", 1),
        doc.replacen("2.5", "0x10", 1),
        doc.replacen("2.5", "1e", 1), // exponent without digits
        doc.replacen("2.5", "-", 1),
        doc.replacen("2.5", ".5", 1),
        doc.replacen("2.5", "+1", 1),
        doc.replacen("2.5", "01", 1),                   // leading zero
        doc.replacen("\"login\"", "\"log\u{1}in\"", 1), // raw control character in a string
        doc.replacen("\"login\"", "\"log\\qin\"", 1),   // unknown escape
        doc.replacen("\"login\"", "\"\\ud800\"", 1),    // lone surrogates
        doc.replacen("\"login\"", "\"\\udc00\\ud800\"", 1),
        doc.replacen("\"ip\"", "\"\\udfff\"", 1),
        doc.replacen("\"app\"", "\"\\u12\"", 1), // short escape
    ];
    // Deep nesting, in details and around the document.
    bad.push(doc.replacen(
        "2.5",
        &format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
        1,
    ));
    bad.push(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)));
    for (i, text) in bad.iter().enumerate() {
        assert!(text != &doc, "malformed #{i} is the good document");
        expect_import_refused(
            &log,
            text,
            ErrorKind::InvalidDocument,
            &format!("malformed #{i}"),
        );
    }
    report("import_malformed", bad.len());
}

#[test]
fn wrong_types_missing_unknown_and_duplicate_keys_are_refused() {
    let log = target();
    let wrong: [Value; 8] = [
        Value::Null,
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!("text"),
        json!([]),
        json!({}),
    ];
    let mut tried = 0;
    for key in common::RECORD_KEYS {
        for value in &wrong {
            let acceptable = match key {
                "actor" | "action" | "resource" | "outcome" => value.is_string(),
                "details" => value.is_object(),
                "seq" => value.is_null() || value.is_u64(), // seq is ignored
                _ => false,
            };
            if acceptable {
                continue;
            }
            let doc = with_second_event(|e| {
                e.insert(key.into(), value.clone());
            });
            expect_import_refused(
                &log,
                &doc,
                ErrorKind::InvalidDocument,
                &format!("{key}: {value}"),
            );
            tried += 1;
        }
        if key != "seq" {
            let doc = with_second_event(|e| {
                e.remove(key);
            });
            expect_import_refused(
                &log,
                &doc,
                ErrorKind::InvalidDocument,
                &format!("without {key}"),
            );
            tried += 1;
        }
    }
    let doc = with_second_event(|e| {
        e.insert("extra".into(), json!(1));
    });
    expect_import_refused(&log, &doc, ErrorKind::InvalidDocument, "unknown key");
    let doc = good_document().replacen("\"actor\": ", "\"actor\": \"twice\",\n    \"actor\": ", 2);
    expect_import_refused(&log, &doc, ErrorKind::InvalidDocument, "duplicate key");
    let doc = good_document().replacen("\"ip\": ", "\"ip\": 1,\n      \"ip\": ", 2);
    expect_import_refused(
        &log,
        &doc,
        ErrorKind::InvalidDocument,
        "duplicate key in details",
    );
    for severity in ["LOUD", "", "INFO ", "10", "WARN"] {
        let doc = with_second_event(|e| {
            e.insert("severity".into(), json!(severity));
        });
        expect_import_refused(
            &log,
            &doc,
            ErrorKind::InvalidDocument,
            &format!("severity {severity:?}"),
        );
        tried += 1;
    }
    report("import_wrong_types", tried + 3);
}

#[test]
fn impossible_timestamps_are_refused() {
    let log = target();
    let bad = [
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "2016-12-31T23:59:60Z", // leap seconds do not exist in Unix time
        "2026-01-01T00:00:00.0000001Z", // finer than a microsecond
        "2026-01-01T00:00:00+24:00",
        "10000-01-01T00:00:00Z",
        "-0001-01-01T00:00:00Z",
        "2026-01-01",
        "2026-01-01T00:00:00Zjunk",
    ];
    for t in bad {
        let doc = with_second_event(|e| {
            e.insert("timestamp".into(), json!(t));
        });
        expect_import_refused(
            &log,
            &doc,
            ErrorKind::InvalidDocument,
            &format!("timestamp {t:?}"),
        );
        let err = log.import_json(&doc).unwrap_err();
        assert!(
            err.message().contains("event 1"),
            "names the event: {}",
            err.message()
        );
    }
    report("import_timestamps", bad.len());
}

#[test]
fn oversized_documents_are_refused() {
    let config = Config {
        max_field_bytes: 64,
        max_details_bytes: 256,
        max_details_depth: 4,
        ..Config::with_capacity(100)
    };
    let log = AuditLogger::with_config(config).unwrap();
    log.log(&NewEvent::default()).unwrap();
    let mut tried = 0;
    for key in ["actor", "action", "resource", "outcome"] {
        let doc = with_second_event(|e| {
            e.insert(key.into(), json!("é".repeat(33))); // 66 bytes, 33 characters
        });
        expect_import_refused(&log, &doc, ErrorKind::TooLarge, &format!("long {key}"));
        let err = log.import_json(&doc).unwrap_err();
        assert!(
            err.message().contains("event 1") && err.message().contains(key),
            "{}",
            err.message()
        );
        tried += 1;
    }
    let doc = with_second_event(|e| {
        e.insert("details".into(), json!({ "k": "v".repeat(300) }));
    });
    expect_import_refused(&log, &doc, ErrorKind::TooLarge, "long details");
    let doc = with_second_event(|e| {
        e.insert(
            "details".into(),
            json!({ "a": { "b": { "c": { "d": {} } } } }),
        );
    });
    expect_import_refused(&log, &doc, ErrorKind::InvalidDocument, "deep details");
    // A large document with one oversized event at the end.
    let mut events: Vec<Value> = Vec::new();
    for i in 0..20_000 {
        events.push(
            json!({"actor": format!("a{i}"), "action": "b", "resource": "c", "outcome": "d",
            "severity": "INFO", "details": {}, "timestamp": "2026-01-01T00:00:00Z"}),
        );
    }
    events.push(
        json!({"actor": "x".repeat(1 << 20), "action": "b", "resource": "c", "outcome": "d",
        "severity": "INFO", "details": {}, "timestamp": "2026-01-01T00:00:00Z"}),
    );
    let doc = serde_json::to_string(&events).unwrap();
    expect_import_refused(
        &log,
        &doc,
        ErrorKind::TooLarge,
        "20,000 events and one oversized",
    );
    assert!(log
        .import_json_file(Path::new("/nonexistent/audit.json"))
        .is_err());
    report("import_oversized", tried + 3);
}

/// Timestamps written with an offset may denote an instant outside the years
/// 0000-9999 in UTC. Import accepts them, but export cannot write them: it
/// writes "0000-01-01T00:00:00.000000Z" instead (a silent change of the
/// record) or a negative year that import then refuses.
#[test]
fn timestamps_moved_out_of_range_by_an_offset_are_refused() {
    for t in ["9999-12-31T23:30:00-01:00", "0000-01-01T00:30:00+01:00"] {
        let log = AuditLogger::new(10).unwrap();
        let doc = with_second_event(|e| {
            e.insert("timestamp".into(), json!(t));
        });
        if log.import_json(&doc).is_err() {
            continue; // refusing is correct too
        }
        let copy = AuditLogger::new(10).unwrap();
        copy.import_json(&log.export_json())
            .expect("an export imports");
        let (a, b) = (
            log.query(&Filter::default()),
            copy.query(&Filter::default()),
        );
        assert_eq!(a[1].timestamp(), b[1].timestamp(), "{t}");
    }
}

/// The details limit is checked against the text as given. Import hands it the
/// pretty-printed (indented) details of the export, which is larger than what
/// was logged, so an export may not import into a logger with the same limits.
#[test]
fn an_export_imports_into_a_logger_with_the_same_limits() {
    let config = Config {
        max_details_bytes: 40,
        ..Config::with_capacity(10)
    };
    let log = AuditLogger::with_config(config.clone()).unwrap();
    log.log(&NewEvent {
        details: Some(r#"{"a":{"b":[1,2,3],"c":{"d":"e"}}}"#), // 34 bytes
        ..NewEvent::default()
    })
    .unwrap();
    let copy = AuditLogger::with_config(config).unwrap();
    copy.import_json(&log.export_json())
        .expect("an export imports under the same limits");
}

// ------------------------------------------------------------ callback faults

#[test]
fn a_panicking_queued_callback_keeps_its_delivery_thread() {
    quiet_deliberate_panics("deliberate");
    let log = AuditLogger::new(1000).unwrap();
    let calls = Arc::new(AtomicU64::new(0));
    let c = calls.clone();
    let id = log
        .subscribe_with(
            Box::new(move |e| {
                c.fetch_add(1, SeqCst);
                if e.seq() % 3 == 0 {
                    std::panic::panic_any("deliberate");
                }
                e.seq() % 3 != 1 // fail the others with seq % 3 == 1
            }),
            Delivery::Queued {
                capacity: 1000,
                overflow: Overflow::Block(LONG),
            },
        )
        .unwrap();
    for _ in 0..300 {
        log.log(&NewEvent::default()).unwrap();
    }
    assert!(log.flush(LONG).unwrap());
    let stats = log.subscription_stats(id).unwrap();
    assert_eq!(
        (stats.delivered, stats.failed, stats.dropped),
        (300, 200, 0)
    );
    assert_eq!(calls.load(SeqCst), 300);
    assert_eq!(log.count(), 300);
    report("callback_panics", 100);
}

#[test]
fn callbacks_may_unsubscribe_and_subscribe_others_mid_dispatch() {
    let log = Arc::new(AuditLogger::new(100).unwrap());
    let ids = Arc::new(Mutex::new(Vec::<u64>::new())); // [sync victim, queued victim, newcomer]
    let seen_by = |name: &'static str, seen: &Arc<Mutex<Vec<(&'static str, u64)>>>| {
        let seen = seen.clone();
        move |e: &Event| {
            seen.lock().unwrap().push((name, e.seq()));
            true
        }
    };
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (l, i, s) = (log.clone(), ids.clone(), seen.clone());
    let newcomer = seen_by("newcomer", &seen);
    let newcomer = Mutex::new(Some(newcomer));
    // First subscriber: at seq 5 ends the two victims and subscribes a newcomer.
    let first = log.subscribe(Box::new(move |e| {
        if e.seq() == 5 {
            let ids = i.lock().unwrap().clone();
            assert!(l.unsubscribe(ids[0]).is_some() && l.unsubscribe(ids[1]).is_some());
            let f = newcomer.lock().unwrap().take().unwrap();
            let id = l.subscribe(Box::new(f));
            i.lock().unwrap().push(id);
        }
        let _ = &s;
        true
    }));
    let (sync_drops, queued_drops) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (victim, mark) = (
        seen_by("sync victim", &seen),
        DropCounter(sync_drops.clone()),
    );
    let sync_victim = log.subscribe(Box::new(move |e| {
        let _ = &mark;
        victim(e)
    }));
    let (victim, mark) = (
        seen_by("queued victim", &seen),
        DropCounter(queued_drops.clone()),
    );
    let queued_victim = log
        .subscribe_with(
            Box::new(move |e| {
                let _ = &mark;
                victim(e)
            }),
            Delivery::Queued {
                capacity: 100,
                overflow: Overflow::Block(LONG),
            },
        )
        .unwrap();
    ids.lock().unwrap().extend([sync_victim, queued_victim]);
    for _ in 0..4 {
        log.log(&NewEvent::default()).unwrap();
    }
    assert!(log.flush(LONG).unwrap()); // the queued victim has seen 1..=4
    for _ in 4..10 {
        log.log(&NewEvent::default()).unwrap();
    }
    assert!(log.flush(LONG).unwrap());
    wait_for("the queued victim is dropped", || {
        queued_drops.load(SeqCst) == 1
    });
    let seen = seen.lock().unwrap().clone();
    let of = |name| {
        seen.iter()
            .filter(|(n, _)| *n == name)
            .map(|&(_, s)| s)
            .collect::<Vec<_>>()
    };
    // Ended on this thread before its turn in the dispatch of seq 5.
    assert_eq!(of("sync victim"), [1, 2, 3, 4]);
    // A queued subscription is handed seq 5 when it is stored, before the
    // synchronous dispatch that ends it: its thread may deliver 5 or not yet,
    // but nothing after its end.
    let queued_seen = of("queued victim");
    assert!(
        queued_seen == [1, 2, 3, 4] || queued_seen == [1, 2, 3, 4, 5],
        "{queued_seen:?}"
    );
    // Subscribed during the dispatch of seq 5: starts with the next event.
    assert_eq!(of("newcomer"), [6, 7, 8, 9, 10]);
    assert_eq!((sync_drops.load(SeqCst), queued_drops.load(SeqCst)), (1, 1));
    assert!(
        log.subscription_stats(sync_victim).is_none() && log.unsubscribe(queued_victim).is_none()
    );
    assert_eq!(log.subscription_stats(first).unwrap().delivered, 10);
    assert_eq!(log.count(), 10);
    report("callbacks_unsubscribe_others", 3);
}

/// A callback's cleanup that logs and queries the same logger.
struct Farewell {
    log: Arc<AuditLogger>,
    done: Arc<AtomicUsize>,
}

impl Drop for Farewell {
    fn drop(&mut self) {
        self.log
            .log(&NewEvent {
                actor: "farewell",
                ..NewEvent::default()
            })
            .unwrap();
        assert!(!self.log.recent(1).is_empty());
        self.done.fetch_add(1, SeqCst);
    }
}

#[test]
fn cleanup_may_call_back_into_the_logger() {
    let log = Arc::new(AuditLogger::new(100).unwrap());
    let done = Arc::new(AtomicUsize::new(0));
    for delivery in [
        Delivery::Sync,
        Delivery::Queued {
            capacity: 4,
            overflow: Overflow::DropOldest,
        },
    ] {
        let farewell = Farewell {
            log: log.clone(),
            done: done.clone(),
        };
        let id = log
            .subscribe_with(
                Box::new(move |_| {
                    let _ = &farewell;
                    true
                }),
                delivery,
            )
            .unwrap();
        log.log(&NewEvent::default()).unwrap();
        assert!(log.flush(LONG).unwrap());
        assert!(log.unsubscribe(id).is_some());
    }
    wait_for("both cleanups ran", || done.load(SeqCst) == 2);
    let farewells = log.query(&Filter {
        actor: Some("farewell".into()),
        ..Filter::default()
    });
    assert_eq!(farewells.len(), 2);
    assert_eq!(log.count(), 4);
    report("cleanup_calls_back", 2);
}

#[test]
fn reentrant_logging_from_many_threads_and_a_queued_callback_is_accounted_for() {
    const THREADS: usize = 4;
    const EACH: usize = 500;
    let log = Arc::new(AuditLogger::new(100_000).unwrap());
    let outer = |actor| NewEvent {
        actor,
        ..NewEvent::default()
    };
    // Synchronous: each "outer" event logs an "inner" one on the same thread.
    let l = log.clone();
    let sync = log.subscribe(Box::new(move |e| {
        if e.actor() == "outer" {
            l.log(&outer("inner")).unwrap();
        }
        true
    }));
    // Queued: each "outer" event it receives logs a "from-queue" one.
    let l = log.clone();
    let queued_outer = Arc::new(AtomicU64::new(0));
    let q = queued_outer.clone();
    let queued = log
        .subscribe_with(
            Box::new(move |e| {
                if e.actor() == "outer" {
                    q.fetch_add(1, SeqCst);
                    l.log(&outer("from-queue")).unwrap();
                }
                true
            }),
            Delivery::Queued {
                capacity: 64,
                overflow: Overflow::DropOldest,
            },
        )
        .unwrap();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                for _ in 0..EACH {
                    log.log(&outer("outer")).unwrap();
                }
            });
        }
    });
    assert!(log.flush(LONG).unwrap());
    let n = (THREADS * EACH) as u64;
    let from_queue = queued_outer.load(SeqCst);
    assert_eq!(log.appended(), 2 * n + from_queue);
    let count = |actor: &str| {
        log.query(&Filter {
            actor: Some(actor.into()),
            ..Filter::default()
        })
        .len() as u64
    };
    assert_eq!(
        (count("outer"), count("inner"), count("from-queue")),
        (n, n, from_queue)
    );
    let sync_stats = log.subscription_stats(sync).unwrap();
    assert_eq!(
        (sync_stats.delivered, sync_stats.failed),
        (log.appended(), 0)
    );
    let stats = log.subscription_stats(queued).unwrap();
    assert_eq!(stats.delivered + stats.dropped, log.appended(), "{stats:?}");
    assert!(log.unsubscribe(sync).is_some() && log.unsubscribe(queued).is_some());
    report("reentrant_logging", THREADS * EACH);
}

// ------------------------------------------------------------ injection

/// Characters that could forge or split a record in a log consumer, and others
/// that are merely unusual.
fn hostile_strings() -> Vec<String> {
    let mut all: Vec<String> = (1u32..0x20)
        .map(|c| char::from_u32(c).unwrap().to_string())
        .collect();
    all.extend(
        [
            "\u{7f}",
            "\u{85}",
            "\u{2028}",
            "\u{2029}",
            "\"",
            "\\",
            "\\u0000",
            "\\n",
            "\u{feff}",
            "\u{200b}",
            "\u{fffd}",
            "\u{ffff}",
            "\u{10ffff}",
            "😀",
            "\u{1b}[31m",
            "</script>",
            "%s%n",
            "\r\n{\"forged\":true}\r\n",
            "' OR 1=1 --",
        ]
        .map(String::from),
    );
    all.push((1u32..0x80).filter_map(char::from_u32).collect());
    all
}

#[test]
fn hostile_characters_are_escaped_and_parse_back_exactly() {
    let log = AuditLogger::new(1000).unwrap();
    let hostile = hostile_strings();
    let mut expected = Vec::new();
    for h in &hostile {
        let s = format!("a{h}z");
        // serde_json escapes only what JSON requires: DEL, NEL, LS and PS go in raw.
        let details = json!({ s.clone(): s, "list": [s, {"k": s}] });
        log.log(&NewEvent {
            actor: &s,
            action: &s,
            resource: &s,
            outcome: &s,
            severity: Severity::Warning,
            details: Some(&details.to_string()),
        })
        .unwrap();
        expected.push((s, details));
    }
    let events = log.query(&Filter::default());
    let doc = log.export_json();
    assert_eq!(common::raw_line_breakers(&doc, true), [], "the export");
    let exported: Vec<Value> = serde_json::from_str(&doc).unwrap();
    for ((event, exported), (s, details)) in events.iter().zip(&exported).zip(&expected) {
        let mut line = Vec::new();
        write_compact(&mut line, event);
        let line = String::from_utf8(line).unwrap();
        assert_eq!(common::raw_line_breakers(&line, false), [], "{line}");
        assert_eq!(
            common::raw_line_breakers(event.details(), false),
            [],
            "{}",
            event.details()
        );
        let compact: Value = serde_json::from_str(&line).unwrap();
        for parsed in [&compact, exported] {
            for key in ["actor", "action", "resource", "outcome"] {
                assert_eq!(parsed[key].as_str(), Some(s.as_str()), "{key} of {s:?}");
            }
            assert_eq!(&parsed["details"], details);
            assert_eq!(parsed["seq"].as_u64(), Some(event.seq()));
        }
        assert_eq!(
            &serde_json::from_str::<Value>(event.details()).unwrap(),
            details
        );
    }
    // And through the library's own import: identical events, identical export.
    let copy = AuditLogger::new(1000).unwrap();
    assert_eq!(copy.import_json(&doc).unwrap(), hostile.len());
    assert_eq!(copy.export_json(), doc);
    report("injection", hostile.len() * 6);
}

#[test]
fn lone_surrogates_are_refused_and_pairs_accepted() {
    let log = AuditLogger::new(10).unwrap();
    let before = snapshot(&log);
    let lone = [
        r"\ud800",
        r"\udbff",
        r"\udc00",
        r"\udfff",
        r"\udc00\ud800",
        r"\ud800\u0041",
        r"\ud800x",
    ];
    for l in lone {
        let details = format!(r#"{{"k":"{l}"}}"#);
        let err = log
            .log(&NewEvent {
                details: Some(&details),
                ..NewEvent::default()
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidDetails, "{l}");
        let key = format!(r#"{{"{l}":1}}"#);
        let err = log
            .log(&NewEvent {
                details: Some(&key),
                ..NewEvent::default()
            })
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidDetails, "{l} as a key");
        for field in ["actor", "outcome"] {
            let doc = good_document().replacen(
                &format!("\"{field}\": \""),
                &format!("\"{field}\": \"{l}"),
                1,
            );
            expect_import_refused(
                &log,
                &doc,
                ErrorKind::InvalidDocument,
                &format!("{l} in {field}"),
            );
        }
        let doc = good_document().replacen("\"ip\": \"", &format!("\"ip\": \"{l}"), 1);
        expect_import_refused(
            &log,
            &doc,
            ErrorKind::InvalidDocument,
            &format!("{l} in details"),
        );
    }
    assert_unchanged(&log, &before, "lone surrogates");
    // A proper pair is one character.
    let doc = good_document().replacen("\"actor-0", r#""\ud83d\ude00"#, 1);
    log.import_json(&doc).unwrap();
    assert_eq!(log.query(&Filter::default())[0].actor(), "😀");
    log.log(&NewEvent {
        details: Some(r#"{"\ud83d\ude00":"\ud83d\ude00"}"#),
        ..NewEvent::default()
    })
    .unwrap();
    assert_eq!(log.recent(1)[0].details(), r#"{"😀":"😀"}"#);
    report("lone_surrogates", lone.len() * 5);
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn exports_keep_an_existing_files_mode_and_make_new_files_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log = filled(3);
    let fresh = dir.path().join("fresh.json");
    log.export_json_to(&fresh).unwrap();
    assert_eq!(mode(&fresh), 0o600, "a new export is private");
    for kept in [0o600, 0o640, 0o644, 0o400] {
        let path = dir.path().join(format!("kept-{kept:o}.json"));
        std::fs::write(&path, PREVIOUS).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(kept)).unwrap();
        log.export_json_to(&path).unwrap();
        assert_eq!(mode(&path), kept, "mode {kept:o} kept");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), log.export_json());
    }
    assert_eq!(
        entries(dir.path()).len(),
        5,
        "no temporary file left behind"
    );
    report("export_modes", 5);
}

#[test]
fn exports_follow_live_links_and_refuse_dangling_ones() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(2);
    let real = dir.path().join("real.json");
    std::fs::write(&real, PREVIOUS).unwrap();
    let live = dir.path().join("live.json");
    std::os::unix::fs::symlink(&real, &live).unwrap();
    log.export_json_to(&live).unwrap();
    assert!(std::fs::symlink_metadata(&live)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(std::fs::read_to_string(&real).unwrap(), log.export_json());

    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(dir.path().join("missing.json"), &dangling).unwrap();
    let err = log.export_json_to(&dangling).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(err.message().contains("symbolic link"), "{}", err.message());
    assert!(std::fs::symlink_metadata(&dangling)
        .unwrap()
        .file_type()
        .is_symlink());
    assert!(!dir.path().join("missing.json").exists());
    report("export_links", 2);
}

#[test]
fn pre_created_temporary_names_do_not_stop_an_export() {
    let dir = tempfile::tempdir().unwrap();
    let log = filled(2);
    let path = dir.path().join("audit.json");
    // Every name the old scheme would pick for the next exports.
    for n in 0..200 {
        let name = format!(".audit.json.tmp-{}-{n}", std::process::id());
        std::fs::write(dir.path().join(name), "squatter").unwrap();
    }
    for _ in 0..5 {
        log.export_json_to(&path).unwrap();
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), log.export_json());
    assert_eq!(entries(dir.path()).len(), 201);
    report("export_temp_names", 200);
}

#[test]
fn imports_refuse_pipes_devices_and_documents_over_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let log = target();
    let before = snapshot(&log);
    // A FIFO with no writer: opening it must not wait for one.
    let fifo = dir.path().join("fifo");
    let c_fifo = CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c_fifo.as_ptr(), 0o600) }, 0);
    for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
        let err = log.import_json_file(path).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{}", path.display());
        assert!(
            err.message().contains("not a regular file"),
            "{}",
            err.message()
        );
    }
    let missing = log
        .import_json_file(&dir.path().join("missing.json"))
        .unwrap_err();
    assert_eq!(missing.os_error(), Some(libc::ENOENT));
    // The document-size limit, for text and for files.
    let small = AuditLogger::with_config(Config {
        max_document_bytes: 100,
        ..Config::default()
    })
    .unwrap();
    let doc = good_document();
    assert!(doc.len() > 100);
    let file = dir.path().join("doc.json");
    std::fs::write(&file, &doc).unwrap();
    for err in [
        small.import_json(&doc).unwrap_err(),
        small.import_json_file(&file).unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::TooLarge);
        assert!(
            err.message().contains("max_document_bytes"),
            "{}",
            err.message()
        );
    }
    assert_eq!(small.count(), 0);
    assert_unchanged(&log, &before, "refused imports");
    report("import_non_regular", 6);
}

#[test]
fn a_file_import_reports_invalid_utf8_as_the_text_import_does() {
    let dir = tempfile::tempdir().unwrap();
    let log = target();
    let mut bytes = good_document().into_bytes();
    let at = bytes.iter().position(|&b| b == b'u').unwrap();
    bytes[at] = 0xff;
    let file = dir.path().join("bad.json");
    std::fs::write(&file, &bytes).unwrap();
    let before = snapshot(&log);
    let from_file = log.import_json_file(&file).unwrap_err();
    let from_bytes = log.import_json_bytes(&bytes).unwrap_err();
    assert_eq!(from_file, from_bytes);
    assert_eq!(from_file.kind(), ErrorKind::InvalidUtf8);
    assert!(
        from_file.message().ends_with(&format!("(at byte {at})")),
        "{}",
        from_file.message()
    );
    assert_unchanged(&log, &before, "invalid UTF-8");
    report("import_utf8", 1);
}

#[test]
fn records_written_as_arrays_are_refused() {
    let log = target();
    let before = snapshot(&log);
    let doc = r#"[["a","b","c","d","INFO",{},"2026-11-27T01:20:36.123456Z",7]]"#;
    let err = log.import_json(doc).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidDocument);
    assert!(err.message().contains("event object"), "{}", err.message());
    assert_unchanged(&log, &before, "an array record");
    report("import_array_record", 1);
}

#[test]
fn error_messages_quote_at_most_a_little_of_a_huge_value() {
    let log = target();
    let huge = "Q".repeat(10 << 20);
    let mut cases = Vec::new();
    for key in ["severity", "timestamp"] {
        cases.push(with_second_event(|o| {
            o.insert(key.into(), json!(huge));
        }));
    }
    cases.push(with_second_event(|o| {
        o.insert(huge.clone(), json!(1));
    }));
    for doc in cases {
        let err = log.import_json(&doc).unwrap_err();
        assert!(err.message().len() < 600, "{} bytes", err.message().len());
        assert!(err.message().contains("QQQQ"), "{}", err.message());
    }
    report("capped_messages", 3);
}

#[test]
fn configuration_errors_name_the_setting() {
    for (config, name) in [
        (
            Config {
                max_field_bytes: 512 << 20,
                ..Config::default()
            },
            "max_field_bytes",
        ),
        (
            Config {
                max_details_bytes: usize::MAX,
                ..Config::default()
            },
            "max_details_bytes",
        ),
        (
            Config {
                max_document_bytes: 0,
                ..Config::default()
            },
            "max_document_bytes",
        ),
    ] {
        let err = AuditLogger::with_config(config).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::InvalidCapacity);
        assert!(err.message().starts_with(name), "{}", err.message());
    }
}
