//! `AuditLogger::log_batch`: one call records many events with consecutive
//! seqs and one timestamp, all or nothing, in order for every consumer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_logger::core::{
    AuditLogger, Config, Delivery, ErrorKind, Filter, NewEvent, Overflow, Severity,
};
use audit_logger::journal::{open_logger, Fsync, JournalConfig};

const LONG: Duration = Duration::from_secs(30);

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

fn actors(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}")).collect()
}

fn batch(names: &[String]) -> Vec<NewEvent<'_>> {
    names.iter().map(|a| event(a)).collect()
}

#[test]
fn a_batch_gets_consecutive_seqs_one_timestamp_and_keeps_its_fields() {
    let log = AuditLogger::new(100).unwrap();
    log.log(&event("before")).unwrap();
    let names = actors("b", 5);
    let mut events = batch(&names);
    events[3].severity = Severity::Critical;
    events[3].details = Some(r#"{ "n" : [1, 2] }"#);
    assert_eq!(log.log_batch(&events).unwrap(), 2);
    assert_eq!(log.log(&event("after")).unwrap(), 7);
    let held = log.query(&Filter::default());
    let stored: Vec<&str> = held.iter().map(|e| e.actor()).collect();
    assert_eq!(stored, ["before", "b0", "b1", "b2", "b3", "b4", "after"]);
    let batch_held = &held[1..6];
    assert!(batch_held
        .iter()
        .all(|e| e.timestamp() == batch_held[0].timestamp()));
    assert!(held
        .windows(2)
        .all(|w| w[0].timestamp() <= w[1].timestamp()));
    assert_eq!(held[4].severity(), Severity::Critical);
    assert_eq!(held[4].details(), r#"{"n":[1,2]}"#);
    assert_eq!(held[2].details(), r#"{"reason":"test"}"#);
}

#[test]
fn one_invalid_event_refuses_the_whole_batch() {
    let log = AuditLogger::new(100).unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    log.subscribe(Box::new(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
        true
    }));
    log.log(&event("first")).unwrap();
    let names = actors("b", 6);
    let long = "x".repeat(Config::default().max_field_bytes + 1);
    let cases: [(usize, NewEvent<'_>, ErrorKind); 3] = [
        (
            2,
            NewEvent {
                details: Some("[1]"),
                ..event("bad")
            },
            ErrorKind::InvalidDetails,
        ),
        (5, event("nul\0inside"), ErrorKind::InvalidArgument),
        (0, event(&long), ErrorKind::TooLarge),
    ];
    for (at, bad, kind) in cases {
        let mut events = batch(&names);
        events[at] = bad;
        let err = log.log_batch(&events).unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        assert!(err.message().starts_with(&format!("event {at}: ")), "{err}");
        assert_eq!(log.appended(), 1, "nothing recorded");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(log.log_batch(&batch(&names)).unwrap(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 7);
}

#[test]
fn an_empty_batch_records_nothing() {
    let log = AuditLogger::new(10).unwrap();
    assert_eq!(log.log_batch(&[]).unwrap(), 0);
    assert_eq!(log.appended(), 0);
    assert_eq!(log.log(&event("a")).unwrap(), 1);
}

#[test]
fn a_batch_larger_than_the_capacity_keeps_its_newest_events() {
    let log = AuditLogger::new(10).unwrap();
    log.log(&event("old")).unwrap();
    let names = actors("b", 25);
    assert_eq!(log.log_batch(&batch(&names)).unwrap(), 2);
    assert_eq!((log.count(), log.evicted(), log.appended()), (10, 16, 26));
    let held: Vec<String> = log
        .query(&Filter::default())
        .iter()
        .map(|e| e.actor().to_string())
        .collect();
    assert_eq!(held, names[15..]);
}

/// Two threads log at once, one in batches, one event at a time: each
/// consumer sees every event once in seq order, and each batch contiguous.
#[test]
fn consumers_see_each_batch_whole_and_in_seq_order_among_other_threads() {
    const BATCHES: usize = 200;
    const SIZE: usize = 16;
    let log = Arc::new(AuditLogger::new(100_000).unwrap());
    let queued = Arc::new(Mutex::new(Vec::new()));
    let synced = Arc::new(Mutex::new(Vec::new()));
    let q = queued.clone();
    let id = log
        .subscribe_with(
            Box::new(move |e| {
                q.lock().unwrap().push((e.seq(), e.actor().to_string()));
                true
            }),
            Delivery::Queued {
                capacity: 64,
                overflow: Overflow::Block(LONG),
            },
        )
        .unwrap();
    let s = synced.clone();
    log.subscribe(Box::new(move |e| {
        s.lock().unwrap().push(e.seq());
        true
    }));
    let batcher = {
        let log = log.clone();
        std::thread::spawn(move || {
            for b in 0..BATCHES {
                let names = actors(&format!("b{b}-"), SIZE);
                log.log_batch(&batch(&names)).unwrap();
            }
        })
    };
    for i in 0..BATCHES * 4 {
        log.log(&event(&format!("single{i}"))).unwrap();
    }
    batcher.join().unwrap();
    assert!(log.flush(LONG).unwrap());
    let total = BATCHES * SIZE + BATCHES * 4;
    let stats = log.subscription_stats(id).unwrap();
    assert_eq!((stats.delivered, stats.dropped), (total as u64, 0));
    let queued = queued.lock().unwrap();
    let seqs: Vec<u64> = queued.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, (1..=total as u64).collect::<Vec<_>>());
    let mut synced = synced.lock().unwrap().clone();
    synced.sort_unstable();
    assert_eq!(synced, seqs);
    for (i, (_, actor)) in queued.iter().enumerate() {
        if let Some(rest) = actor.strip_prefix('b') {
            let (b, k) = rest.split_once('-').unwrap();
            let k: usize = k.parse().unwrap();
            let start = i - k;
            let expected = format!("b{b}-0");
            assert_eq!(queued[start].1, expected, "batch {b} is contiguous");
        }
    }
}

/// A `Block` queue smaller than the batch holds up the producer for room up
/// to its capacity; every event is delivered or counted as dropped.
#[test]
fn a_blocking_queue_smaller_than_the_batch_accounts_for_every_event() {
    let log = AuditLogger::new(1000).unwrap();
    let id = log
        .subscribe_with(
            Box::new(|_| true),
            Delivery::Queued {
                capacity: 4,
                overflow: Overflow::Block(LONG),
            },
        )
        .unwrap();
    let names = actors("b", 64);
    for _ in 0..10 {
        log.log_batch(&batch(&names)).unwrap();
    }
    assert!(log.flush(LONG).unwrap());
    let stats = log.subscription_stats(id).unwrap();
    assert_eq!(stats.delivered + stats.dropped, 640);
    assert!(stats.delivered >= 40, "{stats:?}");
}

#[test]
fn a_batch_reaches_the_journal_whole_even_past_its_queue_capacity() {
    let dir = tempfile::tempdir().unwrap();
    let journal = || JournalConfig {
        fsync: Fsync::Always,
        queue_capacity: 8,
        ..JournalConfig::new(dir.path())
    };
    let log = open_logger(Config::with_capacity(1000), journal()).unwrap();
    let names = actors("b", 100);
    assert_eq!(log.log_batch(&batch(&names)).unwrap(), 1);
    assert_eq!(log.log_batch(&batch(&names)).unwrap(), 101);
    let before = log.export_json();
    drop(log);
    let log = open_logger(Config::with_capacity(1000), journal()).unwrap();
    assert_eq!(log.appended(), 200);
    assert_eq!(log.export_json(), before);
}
