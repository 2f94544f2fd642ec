//! Model checking of the concurrency core with shuttle: each scenario runs under
//! many thread interleavings (random and PCT schedules). shuttle reports any
//! deadlock, including a lost wake-up, since its timed waits never time out.
//!
//! Run with `cargo test --features shuttle --test model`.
#![cfg(feature = "shuttle")]

use std::time::Duration;

use audit_logger::core::{AuditLogger, Delivery, Event, NewEvent, Overflow};
use shuttle::sync::atomic::{AtomicUsize, Ordering};
use shuttle::sync::{Arc, Mutex};
use shuttle::thread;

const ITERATIONS: usize = 2000;

fn check(scenario: fn()) {
    shuttle::check_random(scenario, ITERATIONS);
    shuttle::check_pct(scenario, ITERATIONS, 3);
}

fn log(logger: &AuditLogger, actor: &str) {
    logger
        .log(&NewEvent {
            actor,
            ..NewEvent::default()
        })
        .unwrap();
}

/// Records the seqs it is called with; counts its own drops.
struct Recorder {
    seen: Arc<Mutex<Vec<u64>>>,
    drops: Arc<AtomicUsize>,
}

impl Recorder {
    fn new() -> (Self, Arc<Mutex<Vec<u64>>>, Arc<AtomicUsize>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let drops = Arc::new(AtomicUsize::new(0));
        (
            Recorder {
                seen: seen.clone(),
                drops: drops.clone(),
            },
            seen,
            drops,
        )
    }

    fn callback(self) -> Box<dyn Fn(&Event) -> bool + Send + Sync> {
        Box::new(move |e| {
            assert_eq!(
                self.drops.load(Ordering::SeqCst),
                0,
                "called after being dropped"
            );
            self.seen.lock().unwrap().push(e.seq());
            true
        })
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn producers_readers_and_a_sync_subscriber() {
    check(|| {
        let logger = Arc::new(AuditLogger::new(2).unwrap());
        let (recorder, seen, _) = Recorder::new();
        logger.subscribe(recorder.callback());
        let producers: Vec<_> = (0..2)
            .map(|t| {
                let logger = logger.clone();
                thread::spawn(move || {
                    for _ in 0..2 {
                        log(&logger, if t == 0 { "a" } else { "b" });
                    }
                })
            })
            .collect();
        let got = logger.recent(10);
        assert!(got.len() <= 2);
        assert!(got.windows(2).all(|w| w[1].seq() == w[0].seq() + 1));
        for p in producers {
            p.join().unwrap();
        }
        assert_eq!(
            (logger.appended(), logger.count(), logger.evicted()),
            (4, 2, 2)
        );
        let mut seen = seen.lock().unwrap().clone();
        seen.sort_unstable();
        assert_eq!(seen, vec![1, 2, 3, 4]);
    });
}

#[test]
fn unsubscribe_racing_dispatch_drops_the_callback_once_and_last() {
    check(|| {
        let logger = Arc::new(AuditLogger::new(8).unwrap());
        let (recorder, _, drops) = Recorder::new();
        let id = logger.subscribe(recorder.callback());
        let producer = {
            let logger = logger.clone();
            thread::spawn(move || {
                log(&logger, "a");
                log(&logger, "b");
            })
        };
        assert!(logger.unsubscribe(id).is_some());
        producer.join().unwrap();
        assert_eq!(drops.load(Ordering::SeqCst), 1);
        assert!(logger.unsubscribe(id).is_none());
    });
}

#[test]
fn queued_delivery_accounts_for_every_event() {
    for overflow in [
        Overflow::DropOldest,
        Overflow::DropNewest,
        Overflow::Block(Duration::from_secs(60)),
    ] {
        shuttle::check_random(
            move || {
                let logger = Arc::new(AuditLogger::new(8).unwrap());
                let (recorder, seen, drops) = Recorder::new();
                let id = logger
                    .subscribe_with(
                        recorder.callback(),
                        Delivery::Queued {
                            capacity: 1,
                            overflow,
                        },
                    )
                    .unwrap();
                let producer = {
                    let logger = logger.clone();
                    thread::spawn(move || (0..3).for_each(|_| log(&logger, "a")))
                };
                producer.join().unwrap();
                assert!(logger.flush(Duration::from_secs(60)).unwrap());
                let stats = logger.subscription_stats(id).unwrap();
                assert_eq!(stats.delivered + stats.dropped, 3, "{overflow:?}");
                assert_eq!(seen.lock().unwrap().len() as u64, stats.delivered);
                if let Overflow::Block(_) = overflow {
                    assert_eq!(stats.dropped, 0);
                }
                drop(logger);
                // The delivery thread lets go of the callback once it sees the close.
                while drops.load(Ordering::SeqCst) == 0 {
                    thread::yield_now();
                }
            },
            ITERATIONS,
        );
    }
}

#[test]
fn closing_a_queue_while_a_producer_blocks_on_it_never_deadlocks() {
    check(|| {
        let logger = Arc::new(AuditLogger::new(8).unwrap());
        let (recorder, seen, drops) = Recorder::new();
        let id = logger
            .subscribe_with(
                recorder.callback(),
                Delivery::Queued {
                    capacity: 1,
                    overflow: Overflow::Block(Duration::from_secs(60)),
                },
            )
            .unwrap();
        let producer = {
            let logger = logger.clone();
            thread::spawn(move || (0..3).for_each(|_| log(&logger, "a")))
        };
        assert!(logger.unsubscribe(id).is_some());
        producer.join().unwrap();
        assert_eq!(logger.count(), 3, "producers were never lost");
        assert!(seen.lock().unwrap().len() <= 3);
        while drops.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
        assert!(logger.flush(Duration::from_secs(60)).unwrap());
    });
}

/// Two batches and a single append racing into a `Block` queue smaller than
/// the batches: producers reserve several places at once, nothing deadlocks
/// (no producer holds places while waiting for more), every event is
/// delivered or counted (only what exceeds the queue's capacity may be
/// dropped), delivery is in strictly increasing seq order, and each batch's
/// events are adjacent.
#[test]
fn batches_racing_into_a_small_blocking_queue_keep_the_stream_ordered() {
    check(|| {
        let logger = Arc::new(AuditLogger::new(16).unwrap());
        let (recorder, seen, drops) = Recorder::new();
        let id = logger
            .subscribe_with(
                recorder.callback(),
                Delivery::Queued {
                    capacity: 2,
                    overflow: Overflow::Block(Duration::from_secs(60)),
                },
            )
            .unwrap();
        let batcher = |actor: &'static str, n: usize| {
            let logger = logger.clone();
            thread::spawn(move || {
                let event = NewEvent {
                    actor,
                    ..NewEvent::default()
                };
                logger.log_batch(&vec![event; n]).unwrap()
            })
        };
        let (a, b) = (batcher("a", 3), batcher("b", 2));
        log(&logger, "s");
        let (first_a, first_b) = (a.join().unwrap(), b.join().unwrap());
        assert!(logger.flush(Duration::from_secs(60)).unwrap());
        let stats = logger.subscription_stats(id).unwrap();
        assert_eq!(stats.delivered + stats.dropped, 6);
        // Only the batch larger than the queue may lose its last event.
        assert!(stats.dropped <= 1, "{stats:?}");
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len() as u64, stats.delivered);
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
        let held: Vec<String> = logger
            .recent(6)
            .iter()
            .map(|e| e.actor().to_string())
            .collect();
        let (at, bt) = ((first_a - 1) as usize, (first_b - 1) as usize);
        assert_eq!(held[at..at + 3], ["a", "a", "a"], "{held:?}");
        assert_eq!(held[bt..bt + 2], ["b", "b"], "{held:?}");
        drop(logger);
        while drops.load(Ordering::SeqCst) == 0 {
            thread::yield_now();
        }
    });
}
