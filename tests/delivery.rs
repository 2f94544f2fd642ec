//! Queued delivery: overflow policies, counters, flush, and ending subscriptions
//! while callbacks are blocked or running.

mod common;

use common::{wait_for, DropCounter};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use audit_logger::core::{
    AuditLogger, Delivery, ErrorKind, NewEvent, Overflow, SubscriptionStats, MAX_NESTED_LOG_DEPTH,
};

const LONG: Duration = Duration::from_secs(30);

fn log_n(log: &AuditLogger, n: usize) {
    for _ in 0..n {
        log.log(&NewEvent::default()).unwrap();
    }
}

/// A callback that records seqs and holds its first call until released.
fn gated(
    seen: Arc<Mutex<Vec<u64>>>,
    gate: mpsc::Receiver<()>,
) -> Box<dyn Fn(&audit_logger::core::Event) -> bool + Send + Sync> {
    let gate = Mutex::new(Some(gate));
    Box::new(move |e| {
        if let Some(rx) = gate.lock().unwrap().take() {
            rx.recv().unwrap();
        }
        seen.lock().unwrap().push(e.seq());
        true
    })
}

fn queued(capacity: usize, overflow: Overflow) -> Delivery {
    Delivery::Queued { capacity, overflow }
}

/// Logs 100 events to a queue of 4 with `overflow` while its callback is held
/// at the first event, then releases it and flushes. Returns the counters and
/// the seqs the callback saw; checks that every event is accounted for.
fn overflow_100_into_4(overflow: Overflow) -> (SubscriptionStats, Vec<u64>) {
    let log = AuditLogger::new(1000).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (release, gate) = mpsc::channel();
    let id = log
        .subscribe_with(gated(seen.clone(), gate), queued(4, overflow))
        .unwrap();
    log_n(&log, 100);
    release.send(()).unwrap();
    assert!(log.flush(LONG).unwrap());
    let stats = log.subscription_stats(id).unwrap();
    assert_eq!(stats.delivered + stats.dropped, 100);
    let seen = seen.lock().unwrap().clone();
    (stats, seen)
}

#[test]
fn drop_oldest_keeps_the_newest_and_accounts_for_every_event() {
    let (stats, seen) = overflow_100_into_4(Overflow::DropOldest);
    assert!(stats.dropped >= 100 - 5);
    assert_eq!(seen.len() as u64, stats.delivered);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in log order");
    assert_eq!(*seen.last().unwrap(), 100, "the newest survived");
}

#[test]
fn drop_newest_keeps_the_oldest() {
    let (stats, seen) = overflow_100_into_4(Overflow::DropNewest);
    // The first four always fit; while the callback is held, at most one more
    // gets in (when the worker takes the first); every later event is dropped.
    assert_eq!(seen[..4], [1, 2, 3, 4]);
    assert!(stats.delivered <= 5, "{stats:?}");
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in log order");
}

#[test]
fn block_waits_for_room_and_loses_nothing() {
    let log = AuditLogger::new(1000).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let id = log
        .subscribe_with(
            Box::new(move |e| {
                std::thread::sleep(Duration::from_micros(200));
                s.lock().unwrap().push(e.seq());
                true
            }),
            queued(2, Overflow::Block(LONG)),
        )
        .unwrap();
    log_n(&log, 50);
    assert!(log.flush(LONG).unwrap());
    let stats = log.subscription_stats(id).unwrap();
    assert_eq!((stats.delivered, stats.dropped), (50, 0));
    assert_eq!(*seen.lock().unwrap(), (1..=50).collect::<Vec<u64>>());
}

#[test]
fn block_gives_up_after_its_timeout() {
    let log = AuditLogger::new(1000).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (release, gate) = mpsc::channel();
    let id = log
        .subscribe_with(
            gated(seen, gate),
            queued(1, Overflow::Block(Duration::from_millis(5))),
        )
        .unwrap();
    log_n(&log, 10);
    assert_eq!(log.count(), 10, "producers were never stopped");
    release.send(()).unwrap();
    assert!(log.flush(LONG).unwrap());
    let stats = log.subscription_stats(id).unwrap();
    assert_eq!(stats.delivered + stats.dropped, 10);
    assert!(stats.dropped >= 8);
}

#[test]
fn unsubscribing_a_blocked_subscription_discards_its_queue_without_waiting() {
    let drops = Arc::new(AtomicUsize::new(0));
    let probe = DropCounter(drops.clone());
    let log = AuditLogger::new(1000).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let id = log
        .subscribe_with(
            Box::new(move |_| {
                let _ = &probe;
                gate.lock().unwrap().recv().is_ok()
            }),
            queued(100, Overflow::DropOldest),
        )
        .unwrap();
    log_n(&log, 10);
    assert!(
        !log.flush(Duration::from_millis(20)).unwrap(),
        "still blocked"
    );
    assert!(
        log.unsubscribe(id).is_some(),
        "returns while the callback is blocked"
    );
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "the running call keeps the callback alive"
    );
    drop(release);
    wait_for("the callback is dropped once the call returned", || {
        drops.load(Ordering::SeqCst) == 1
    });
    log_n(&log, 5);
    assert!(log.flush(LONG).unwrap());
}

#[test]
fn a_queued_callback_may_log_and_unsubscribe_itself_but_not_flush() {
    let log = Arc::new(AuditLogger::new(1000).unwrap());
    let id = Arc::new(Mutex::new(0u64));
    let flush_error = Arc::new(Mutex::new(None));
    let calls = Arc::new(AtomicUsize::new(0));
    let (l, i, f, c) = (log.clone(), id.clone(), flush_error.clone(), calls.clone());
    let sub = log
        .subscribe_with(
            Box::new(move |e| {
                c.fetch_add(1, Ordering::SeqCst);
                if e.seq() == 1 {
                    *f.lock().unwrap() = l.flush(LONG).err().map(|e| e.kind());
                    l.log(&NewEvent {
                        actor: "from-callback",
                        ..NewEvent::default()
                    })
                    .unwrap();
                    assert!(l.unsubscribe(*i.lock().unwrap()).is_some());
                }
                true
            }),
            queued(16, Overflow::DropOldest),
        )
        .unwrap();
    *id.lock().unwrap() = sub;
    log.log(&NewEvent::default()).unwrap();
    wait_for("the callback logged and ended its subscription", || {
        log.count() == 2 && log.subscription_stats(sub).is_none()
    });
    assert_eq!(
        *flush_error.lock().unwrap(),
        Some(ErrorKind::InvalidArgument)
    );
    assert_eq!(log.get(2).unwrap().actor(), "from-callback");
    assert!(log.subscription_stats(sub).is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert!(log.flush(LONG).unwrap());
}

#[test]
fn zero_queue_capacity_is_an_error() {
    let log = AuditLogger::new(10).unwrap();
    let err = log
        .subscribe_with(Box::new(|_| true), queued(0, Overflow::DropOldest))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidCapacity);
}

#[test]
fn freeing_the_logger_with_a_stuck_subscriber_does_not_hang() {
    let log = AuditLogger::new(10).unwrap();
    let (release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    let (entered_tx, entered) = mpsc::channel::<()>();
    let entered_tx = Mutex::new(entered_tx);
    log.subscribe_with(
        Box::new(move |_| {
            let _ = entered_tx.lock().unwrap().send(());
            gate.lock().unwrap().recv_timeout(LONG).is_ok()
        }),
        queued(4, Overflow::DropOldest),
    )
    .unwrap();
    log_n(&log, 10);
    entered.recv_timeout(LONG).expect("the callback is running");
    let start = Instant::now();
    drop(log);
    let took = start.elapsed();
    // The callback is held for up to 30 s; dropping the logger must not wait for it.
    assert!(took < Duration::from_secs(5), "drop waited {took:?}");
    release.send(()).unwrap();
}

/// Logs `per_thread` events from each of `threads` producers into a logger
/// with one queued subscription per policy, and checks that each saw strictly
/// increasing seqs and accounts for every event.
fn ordered_under_producers(threads: usize, per_thread: usize) {
    let log = Arc::new(AuditLogger::new(1000).unwrap());
    let policies = [
        (64, Overflow::DropOldest),
        (64, Overflow::DropNewest),
        (16, Overflow::Block(Duration::from_millis(1))),
        (100_000, Overflow::Block(LONG)),
    ];
    let mut subs = Vec::new();
    for (capacity, overflow) in policies {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let into = seen.clone();
        let id = log
            .subscribe_with(
                Box::new(move |e| {
                    into.lock().unwrap().push(e.seq());
                    true
                }),
                queued(capacity, overflow),
            )
            .unwrap();
        subs.push((id, overflow, seen));
    }
    std::thread::scope(|s| {
        for _ in 0..threads {
            let log = log.clone();
            s.spawn(move || log_n(&log, per_thread));
        }
    });
    assert!(log.flush(LONG).unwrap());
    let total = (threads * per_thread) as u64;
    for (id, overflow, seen) in subs {
        let seen = seen.lock().unwrap();
        let out_of_order = seen.windows(2).filter(|w| w[0] >= w[1]).count();
        assert_eq!(out_of_order, 0, "{overflow:?}: {out_of_order} out of order");
        let stats = log.unsubscribe(id).unwrap();
        assert_eq!(stats.delivered, seen.len() as u64, "{overflow:?}");
        assert_eq!(stats.delivered + stats.dropped, total, "{overflow:?}");
        if overflow == Overflow::Block(LONG) {
            assert_eq!(stats.dropped, 0);
            assert_eq!(seen.len() as u64, total);
        }
        if overflow == Overflow::DropOldest && stats.dropped > 0 {
            // What survives is the newest: the last event is always delivered.
            assert_eq!(*seen.last().unwrap(), total);
        }
    }
}

#[test]
fn queued_subscribers_see_strictly_increasing_seqs_under_four_producers() {
    ordered_under_producers(4, 20_000);
}

#[test]
fn a_block_callback_logging_to_its_own_full_queue_does_not_wait_for_itself() {
    let log = Arc::new(AuditLogger::new(100).unwrap());
    let inner = Arc::downgrade(&log);
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let id = log
        .subscribe_with(
            Box::new(move |e| {
                counted.fetch_add(1, Ordering::SeqCst);
                if e.actor() == "outer" {
                    let log = inner.upgrade().unwrap();
                    // The queue (capacity 1) is full of these: each one would
                    // wait an hour for its own thread.
                    for _ in 0..3 {
                        log.log(&NewEvent {
                            actor: "inner",
                            ..NewEvent::default()
                        })
                        .unwrap();
                    }
                }
                true
            }),
            queued(1, Overflow::Block(Duration::from_secs(3600))),
        )
        .unwrap();
    let start = Instant::now();
    log.log(&NewEvent {
        actor: "outer",
        ..NewEvent::default()
    })
    .unwrap();
    assert!(log.flush(LONG).unwrap());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    // All four were recorded; the callback got the outer event and the first
    // inner one (which fit); the other two were dropped, not waited for.
    assert_eq!(log.appended(), 4);
    let stats = log.unsubscribe(id).unwrap();
    assert_eq!((stats.delivered, stats.dropped), (2, 2));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn unsubscribing_returns_the_final_counters_including_discarded_events() {
    let log = AuditLogger::new(100).unwrap();
    let (entered_tx, entered) = mpsc::channel::<()>();
    let (release, gate) = mpsc::channel::<()>();
    let (entered_tx, gate) = (Mutex::new(entered_tx), Mutex::new(gate));
    let id = log
        .subscribe_with(
            Box::new(move |_| {
                entered_tx.lock().unwrap().send(()).unwrap();
                gate.lock().unwrap().recv_timeout(LONG).is_ok()
            }),
            queued(10, Overflow::DropNewest),
        )
        .unwrap();
    log_n(&log, 8);
    // One event is in the callback, held; seven wait in the queue.
    entered.recv_timeout(LONG).unwrap();
    let stats = log.unsubscribe(id).unwrap();
    release.send(()).unwrap();
    assert_eq!((stats.delivered, stats.dropped), (0, 7));
    assert!(log.unsubscribe(id).is_none());
}

#[test]
fn logging_from_callbacks_nested_too_deep_is_refused() {
    let log = Arc::new(AuditLogger::new(1000).unwrap());
    let inner = Arc::downgrade(&log);
    let refusals = Arc::new(Mutex::new(Vec::new()));
    let into = refusals.clone();
    log.subscribe(Box::new(move |_| {
        let log = inner.upgrade().unwrap();
        if let Err(e) = log.log(&NewEvent::default()) {
            into.lock().unwrap().push(e.kind());
        }
        true
    }));
    log_n(&log, 1);
    // The first event, then one per level of nesting until the limit.
    let chain = u64::from(MAX_NESTED_LOG_DEPTH);
    assert_eq!(log.appended(), chain);
    assert_eq!(*refusals.lock().unwrap(), vec![ErrorKind::TooDeep]);
    // The guard is per call chain: the thread can log again.
    log_n(&log, 1);
    assert_eq!(log.appended(), 2 * chain);
}
