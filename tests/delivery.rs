//! Queued delivery: overflow policies, counters, flush, and ending subscriptions
//! while callbacks are blocked or running.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_logger::core::{AuditLogger, Delivery, ErrorKind, NewEvent, Overflow, SubscriptionStats};

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
    struct Probe(Arc<AtomicUsize>);
    impl Drop for Probe {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let drops = Arc::new(AtomicUsize::new(0));
    let probe = Probe(drops.clone());
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
    for _ in 0..3000 {
        if drops.load(Ordering::SeqCst) == 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "dropped once the call returned"
    );
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
    for _ in 0..3000 {
        if log.count() == 2 && log.subscription_stats(sub).is_none() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
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
    let (_release, gate) = mpsc::channel::<()>();
    let gate = Mutex::new(gate);
    log.subscribe_with(
        Box::new(move |_| {
            gate.lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(2))
                .is_ok()
        }),
        queued(4, Overflow::DropOldest),
    )
    .unwrap();
    log_n(&log, 10);
    drop(log);
}
