//! Behaviour of the Rust core that the shared vectors cannot express:
//! subscribers' re-entrancy and failures, threads, files, limits.

mod common;

use common::DropCounter;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use audit_logger::core::{AuditLogger, Config, ErrorKind, Filter, NewEvent, Severity};

fn event(actor: &str) -> NewEvent<'_> {
    NewEvent {
        actor,
        action: "user.delete",
        resource: "user:1",
        outcome: "success",
        severity: Severity::Warning,
        details: Some(r#"{"reason":"test"}"#),
    }
}

#[test]
fn a_subscriber_may_log_and_unsubscribe_itself_without_deadlock() {
    let log = Arc::new(AuditLogger::new(100).unwrap());
    let id = Arc::new(AtomicU64::new(0));
    let calls = Arc::new(AtomicUsize::new(0));
    let (l, i, c) = (log.clone(), id.clone(), calls.clone());
    let sub = log.subscribe(Box::new(move |e| {
        c.fetch_add(1, Ordering::SeqCst);
        // Stored before the callback runs.
        assert_eq!(l.get(e.seq()).unwrap().actor(), e.actor());
        if e.actor() == "outer" {
            l.log(&event("inner")).unwrap();
            assert!(l.unsubscribe(i.load(Ordering::SeqCst)).is_some());
        }
        true
    }));
    id.store(sub, Ordering::SeqCst);
    log.log(&event("outer")).unwrap();
    // The inner event was delivered (the subscription was still active), then it ended.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    log.log(&event("after")).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(log.count(), 3);
    assert!(log.unsubscribe(sub).is_none());
}

#[test]
fn failing_and_panicking_subscribers_are_counted_and_do_not_stop_others() {
    let log = AuditLogger::new(10).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let failing = log.subscribe(Box::new(|_| false));
    let panicking = log.subscribe(Box::new(|_| panic!("subscriber bug")));
    let good = log.subscribe(Box::new(move |e| {
        s.lock().unwrap().push(e.seq());
        true
    }));
    for _ in 0..3 {
        log.log(&event("a")).unwrap();
    }
    assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3]);
    for id in [failing, panicking] {
        let stats = log.subscription_stats(id).unwrap();
        assert_eq!((stats.delivered, stats.failed), (3, 3));
    }
    let stats = log.subscription_stats(good).unwrap();
    assert_eq!((stats.delivered, stats.failed), (3, 0));
}

#[test]
fn dropping_the_logger_drops_each_callback_once() {
    let drops = Arc::new(AtomicUsize::new(0));
    let log = AuditLogger::new(10).unwrap();
    for _ in 0..3 {
        let probe = DropCounter(drops.clone());
        log.subscribe(Box::new(move |_| {
            let _ = &probe;
            true
        }));
    }
    let p = DropCounter(drops.clone());
    let id = log.subscribe(Box::new(move |_| {
        let _ = &p;
        true
    }));
    assert!(log.unsubscribe(id).is_some());
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    drop(log);
    assert_eq!(drops.load(Ordering::SeqCst), 4);
}

#[test]
fn threads_log_concurrently_without_loss_or_duplicate_seq_and_in_time_order() {
    let log = Arc::new(AuditLogger::new(1000).unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    log.subscribe(Box::new(move |e| {
        s.lock().unwrap().push(e.seq());
        true
    }));
    let producers: Vec<_> = (0..4)
        .map(|t| {
            let log = log.clone();
            std::thread::spawn(move || {
                let actor = format!("t{t}");
                for _ in 0..5000 {
                    log.log(&event(&actor)).unwrap();
                }
            })
        })
        .collect();
    let reader = {
        let log = log.clone();
        std::thread::spawn(move || {
            for _ in 0..200 {
                let got = log.query(&Filter::default());
                assert!(got.len() <= 1000);
                assert!(got.windows(2).all(|w| w[1].seq() == w[0].seq() + 1));
                // Seq order is time order, however the threads race to the lock.
                assert!(got.windows(2).all(|w| w[1].timestamp() >= w[0].timestamp()));
            }
        })
    };
    for p in producers {
        p.join().unwrap();
    }
    reader.join().unwrap();
    assert_eq!(log.appended(), 20_000);
    assert_eq!(log.count(), 1000);
    assert_eq!(log.evicted(), 19_000);
    let mut seqs = seen.lock().unwrap().clone();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=20_000).collect::<Vec<_>>());
}

#[test]
fn limits_reject_oversized_input_and_the_byte_budget_evicts() {
    let config = Config {
        capacity: 100,
        max_field_bytes: 11,
        max_details_bytes: 32,
        max_details_depth: 2,
        max_total_bytes: 4096,
        max_document_bytes: 1 << 20,
    };
    let log = AuditLogger::with_config(config).unwrap();
    let too_long = NewEvent {
        actor: "123456789012",
        ..event("")
    };
    assert_eq!(log.log(&too_long).unwrap_err().kind(), ErrorKind::TooLarge);
    let big_details = NewEvent {
        details: Some(r#"{"a":"0123456789012345678901234567"}"#),
        ..event("a")
    };
    assert_eq!(
        log.log(&big_details).unwrap_err().kind(),
        ErrorKind::TooLarge
    );
    let deep = NewEvent {
        details: Some(r#"{"a":{"b":{}}}"#),
        ..event("a")
    };
    assert_eq!(
        log.log(&deep).unwrap_err().kind(),
        ErrorKind::InvalidDetails
    );
    let nul = NewEvent {
        resource: "a\0b",
        ..event("a")
    };
    assert_eq!(
        log.log(&nul).unwrap_err().kind(),
        ErrorKind::InvalidArgument
    );
    assert_eq!(log.appended(), 0);

    for _ in 0..100 {
        log.log(&event("a")).unwrap();
    }
    let per_event = log.get(100).unwrap().memory_size();
    assert!(log.count() < 100, "the byte budget evicted some events");
    assert_eq!(log.count(), 4096 / per_event);
    assert_eq!(log.evicted() + log.count() as u64, 100);
    assert!(Config {
        capacity: 0,
        ..Config::default()
    }
    .validate()
    .is_err());
    assert!(AuditLogger::new(0).is_err());
}

#[test]
fn export_is_atomic_and_failures_leave_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.json");
    let log = AuditLogger::new(10).unwrap();
    log.log(&event("first")).unwrap();
    let first = log.export_json_to(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), first);

    log.log(&event("second")).unwrap();
    let second = log.export_json_to(&path).unwrap();
    assert_eq!(std::fs::read_to_string(&path).unwrap(), second);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        names,
        vec![std::ffi::OsString::from("audit.json")],
        "no temporary file left"
    );

    for bad in [
        dir.path().to_path_buf(),
        dir.path().join("missing/audit.json"),
        "/dev/full".into(),
    ] {
        let err = log.export_json_to(&bad).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Io, "{}", bad.display());
        assert!(
            err.message()
                .contains(&*bad.parent().unwrap().to_string_lossy())
                || err.message().contains(&*bad.to_string_lossy())
        );
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), second);
    assert_eq!(log.count(), 2);

    let copy = AuditLogger::new(10).unwrap();
    assert_eq!(copy.import_json_file(&path).unwrap(), 2);
    assert_eq!(
        copy.export_json(),
        second,
        "export, import, export is identical"
    );
}

#[test]
fn import_is_all_or_nothing() {
    let log = AuditLogger::new(10).unwrap();
    log.log(&event("kept")).unwrap();
    let good = log.export_json();
    let broken = good.replacen("\"WARNING\"", "\"LOUD\"", 1);
    let truncated = &good[..good.len() / 2];
    for doc in [
        broken.as_str(),
        truncated,
        "[1]",
        "{}",
        "",
        "[{\"actor\":\"a\"}]",
    ] {
        assert_eq!(
            log.import_json(doc).unwrap_err().kind(),
            ErrorKind::InvalidDocument,
            "{doc}"
        );
    }
    assert_eq!(log.count(), 1);
    assert_eq!(log.import_json(&good).unwrap(), 1);
    assert_eq!(log.count(), 2);
}

#[test]
fn recorded_events_do_not_change_when_the_caller_reuses_its_buffers() {
    let log = AuditLogger::new(10).unwrap();
    let mut actor = String::from("alice");
    let mut details = String::from(r#"{"k":"v"}"#);
    log.log(&NewEvent {
        actor: &actor,
        details: Some(&details),
        ..NewEvent::default()
    })
    .unwrap();
    actor.replace_range(.., "mallory");
    details.replace_range(.., r#"{"k":"forged"}"#);
    let stored = log.get(1).unwrap();
    assert_eq!(
        (stored.actor(), stored.details()),
        ("alice", r#"{"k":"v"}"#)
    );
}

#[test]
fn timestamps_are_microseconds_near_now() {
    let log = AuditLogger::new(10).unwrap();
    let before = audit_logger::core::now_micros();
    log.log(&event("a")).unwrap();
    let after = audit_logger::core::now_micros();
    let t = log.get(1).unwrap().timestamp();
    assert!(before <= t && t <= after);
    let text = audit_logger::core::format_micros(t).unwrap();
    assert_eq!(audit_logger::core::parse_micros(&text).unwrap(), t);
}
