//! Criterion benchmarks of the Rust core (`audit_logger::core`), without the C
//! boundary: append at small and large capacity, queries over a million events,
//! export and import of 100,000 events, and synchronous subscriber dispatch.
//!
//! Run with `cargo bench --bench core` (about two minutes); pass a name to run
//! one group, e.g. `cargo bench --bench core -- query`. Sample counts are small
//! on purpose: the machine is shared, so compare medians, not single runs.
//! `bench/compare.py` measures the same operations through the C ABI against
//! spdlog and the reference implementation.

use std::hint::black_box;
use std::time::Duration;

#[path = "typical.rs"]
mod typical;

use audit_logger::core::{AuditLogger, Delivery, Filter};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use typical::{log_typical, Typical};

/// A logger of `capacity` already holding `count` typical events.
fn filled(capacity: usize, count: u64) -> AuditLogger {
    let log = AuditLogger::new(capacity).expect("capacity > 0");
    let mut buf = Typical::default();
    for n in 0..count {
        log_typical(&log, n, &mut buf);
    }
    log
}

/// Appending to a full ring (every append also evicts the oldest event).
fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Elements(1));
    for capacity in [1_000usize, 1_000_000] {
        let log = filled(capacity, capacity as u64);
        let mut buf = Typical::default();
        let mut n = capacity as u64;
        group.bench_with_input(BenchmarkId::new("capacity", capacity), &log, |b, log| {
            b.iter(|| {
                n += 1;
                black_box(log_typical(log, n, &mut buf))
            })
        });
    }
    group.finish();
}

/// Queries over 1,000,000 stored events: actor equal (1% of events match),
/// the same keeping the newest 50, and `recent(50)`.
fn query(c: &mut Criterion) {
    let log = filled(1_000_000, 1_000_000);
    let actor = Filter {
        actor: Some("user7".into()),
        ..Filter::default()
    };
    let limited = Filter {
        limit: Some(50),
        ..actor.clone()
    };
    assert_eq!(log.query(&actor).len(), 10_000);
    assert_eq!(log.query(&limited).len(), 50);
    let mut group = c.benchmark_group("query_1e6");
    group.bench_function("actor_1pct", |b| b.iter(|| black_box(log.query(&actor))));
    group.bench_function("actor_1pct_limit50", |b| {
        b.iter(|| black_box(log.query(&limited)))
    });
    group.bench_function("recent50", |b| b.iter(|| black_box(log.recent(50))));
    group.finish();
}

/// Export of 100,000 events as a pretty document, and import of that document
/// into a fresh logger (whose drop is not timed).
fn export_import(c: &mut Criterion) {
    const EVENTS: usize = 100_000;
    let log = filled(EVENTS, EVENTS as u64);
    let doc = log.export_json();
    let mut group = c.benchmark_group("document_1e5");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("export_json", |b| b.iter(|| black_box(log.export_json())));
    group.bench_function("import_json", |b| {
        b.iter_batched(
            || AuditLogger::new(EVENTS).expect("capacity > 0"),
            |fresh| {
                assert_eq!(fresh.import_json(&doc).expect("valid document"), EVENTS);
                fresh
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

/// Append at the default capacity with 0 and 1 synchronous no-op subscriber:
/// the difference is the dispatch cost per event.
fn dispatch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Elements(1));
    for subscribers in [0usize, 1] {
        let log = filled(5_000, 5_000);
        for _ in 0..subscribers {
            log.subscribe_with(Box::new(|e| black_box(e.seq()) > 0), Delivery::Sync)
                .expect("synchronous subscriptions cannot fail");
        }
        let mut buf = Typical::default();
        let mut n = 5_000u64;
        group.bench_with_input(
            BenchmarkId::new("sync_subscribers", subscribers),
            &log,
            |b, log| {
                b.iter(|| {
                    n += 1;
                    black_box(log_typical(log, n, &mut buf))
                })
            },
        );
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

criterion_group! {
    name = benches;
    config = config();
    targets = append, query, export_import, dispatch
}
criterion_main!(benches);
