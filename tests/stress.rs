//! Stress through the core API: producers log while racers query, export, import,
//! flush and churn subscriptions at random, with subscribers of every delivery
//! model registered for the whole run. Afterwards nothing may be lost, duplicated
//! or reordered beyond what eviction and the overflow policies account for.
//!
//! Size: 4 producers × 250,000 events in release builds, × 10,000 in debug builds
//! (`AUDIT_STRESS_EVENTS` overrides the per-producer count). The test prints one
//! `RELIABILITY rust_stress ...` line of figures (visible with `--nocapture`).

use std::panic;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, AtomicU64, AtomicU8, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use audit_logger::core::{
    AuditLogger, Delivery, Event, Filter, NewEvent, Overflow, Severity, SubscriptionStats,
};

mod common;
use common::{quiet_deliberate_panics, Rng};

const PRODUCERS: usize = 4;
const RACERS: usize = 3;
const CAPACITY: usize = 4096;
const IMPORT_EVENTS: u64 = 4;
const MAX_IMPORTS: u64 = 2000;
const MAX_LIVE_CHURNED: usize = 4;
const SEVERITIES: [Severity; 4] = [
    Severity::Info,
    Severity::Warning,
    Severity::Error,
    Severity::Critical,
];
/// The payload of the panics the failing subscriber raises on purpose.
const DELIBERATE: &str = "deliberate panic in a stress subscriber";

fn per_producer() -> u64 {
    match std::env::var("AUDIT_STRESS_EVENTS") {
        Ok(n) => n.parse().expect("AUDIT_STRESS_EVENTS is a number"),
        Err(_) if cfg!(debug_assertions) => 10_000,
        Err(_) => 250_000,
    }
}

fn zeroed<T: Default>(n: u64) -> Vec<T> {
    (0..n).map(|_| T::default()).collect()
}

/// The producer index in an actor `producer-N`.
fn producer_of(event: &Event) -> Option<usize> {
    event
        .actor()
        .strip_prefix("producer-")?
        .parse()
        .ok()
        .filter(|&p| p < PRODUCERS)
}

/// The event index `i` in details `{"p":P,"i":I,...}`.
fn index_of(event: &Event) -> Option<u32> {
    let rest = &event.details()[event.details().find("\"i\":")? + 4..];
    rest[..rest.find(|c: char| !c.is_ascii_digit())?]
        .parse()
        .ok()
}

/// Shared by everything in the run.
struct Run {
    log: AuditLogger,
    per_producer: u64,
    producers_done: AtomicBool,
    imports: AtomicU64,
    operations: AtomicU64,
    import_doc: String,
}

// ------------------------------------------------------------ whole-run subscribers

/// Synchronous: which producer event each seq carried.
struct Ledger {
    owner: Vec<AtomicU8>,
    index: Vec<AtomicU32>,
    calls: AtomicU64,
    twice: AtomicU64,
    unparsed: AtomicU64,
}

impl Ledger {
    fn record(&self, event: &Event) -> bool {
        self.calls.fetch_add(1, SeqCst);
        let seq = event.seq() as usize;
        match (producer_of(event), index_of(event)) {
            (Some(p), Some(i)) if seq < self.owner.len() => {
                if self.owner[seq].swap(p as u8 + 1, SeqCst) != 0 {
                    self.twice.fetch_add(1, SeqCst);
                }
                self.index[seq].store(i, SeqCst);
                true
            }
            _ => {
                self.unparsed.fetch_add(1, SeqCst);
                false
            }
        }
    }
}

/// Queued, one per overflow policy: each seq seen at most once, every event
/// after one with a lower seq (log order across all producers).
struct Watch {
    name: &'static str,
    overflow: Overflow,
    queue: usize,
    slow_every: u64,
    seen: Vec<AtomicU8>,
    calls: AtomicU64,
    twice: AtomicU64,
    out_of_order: AtomicU64,
    foreign: AtomicU64,
    last: AtomicU64,
}

impl Watch {
    fn new(
        name: &'static str,
        overflow: Overflow,
        queue: usize,
        slow_every: u64,
        max_seq: u64,
    ) -> Self {
        Watch {
            name,
            overflow,
            queue,
            slow_every,
            seen: zeroed(max_seq + 1),
            calls: AtomicU64::new(0),
            twice: AtomicU64::new(0),
            out_of_order: AtomicU64::new(0),
            foreign: AtomicU64::new(0),
            last: AtomicU64::new(0),
        }
    }

    fn record(&self, event: &Event) -> bool {
        let calls = self.calls.fetch_add(1, SeqCst) + 1;
        let seq = event.seq();
        let Some(_) = producer_of(event).filter(|_| (seq as usize) < self.seen.len()) else {
            self.foreign.fetch_add(1, SeqCst);
            return false;
        };
        if self.seen[seq as usize].swap(1, SeqCst) != 0 {
            self.twice.fetch_add(1, SeqCst);
        }
        if self.last.swap(seq, SeqCst) >= seq {
            self.out_of_order.fetch_add(1, SeqCst);
        }
        if calls % self.slow_every == 0 {
            std::thread::sleep(Duration::from_micros(50));
        }
        true
    }
}

// ------------------------------------------------------------ churned subscriptions

/// One churned subscription, kept until the end of the run to be checked.
#[derive(Default)]
struct Churned {
    queued: bool,
    id: AtomicU64,
    appended_before: AtomicU64,
    appended_at_stats: AtomicU64,
    appended_after: AtomicU64,
    stats: Mutex<Option<SubscriptionStats>>,
    calls: AtomicU64,
    /// Calls for events whose seq was taken before the subscription began.
    early: AtomicU64,
    max_seq: AtomicU64,
    out_of_order: AtomicU64,
    last: [AtomicU64; PRODUCERS],
    running: AtomicI32,
    /// Times the callback was dropped (the Rust form of free_ctx).
    drops: AtomicU32,
    calls_after_drop: AtomicU32,
    drop_while_running: AtomicU32,
}

impl Churned {
    fn call(&self, event: &Event) -> bool {
        self.running.fetch_add(1, SeqCst);
        if self.drops.load(SeqCst) != 0 {
            self.calls_after_drop.fetch_add(1, SeqCst);
        }
        self.calls.fetch_add(1, SeqCst);
        let seq = event.seq();
        if seq <= self.appended_before.load(SeqCst) {
            self.early.fetch_add(1, SeqCst);
        }
        self.max_seq.fetch_max(seq, SeqCst);
        if let Some(p) = producer_of(event) {
            if self.last[p].swap(seq, SeqCst) >= seq {
                self.out_of_order.fetch_add(1, SeqCst);
            }
        }
        self.running.fetch_sub(1, SeqCst);
        true
    }
}

/// Owned by the callback; its drop marks the end of the subscription.
struct DropMark(Arc<Churned>);

impl Drop for DropMark {
    fn drop(&mut self) {
        if self.0.running.load(SeqCst) != 0 {
            self.0.drop_while_running.fetch_add(1, SeqCst);
        }
        self.0.drops.fetch_add(1, SeqCst);
    }
}

// ------------------------------------------------------------ racers

struct Racer {
    rng: Rng,
    path: std::path::PathBuf,
    live: Vec<Arc<Churned>>,
    retired: Vec<Arc<Churned>>,
    ops: u64,
    failures: Vec<String>,
}

impl Racer {
    fn expect(&mut self, ok: bool, what: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(what());
        }
    }

    fn query(&mut self, run: &Run) {
        let rng = &mut self.rng;
        let newest = run.log.recent(1);
        let stamp = newest.first().map_or(0, Event::timestamp);
        let pick = |rng: &mut Rng, s: &[&str]| s[rng.below(s.len())].to_string();
        let appended = run.log.appended();
        let filter = Filter {
            actor: (rng.below(2) == 0).then(|| format!("producer-{}", rng.below(PRODUCERS))),
            action: (rng.below(4) == 0).then(|| pick(rng, &["read", "write", "import", ""])),
            outcome: (rng.below(4) == 0).then(|| pick(rng, &["success", "denied", ""])),
            min_severity: (rng.below(2) == 0).then(|| SEVERITIES[rng.below(4)]),
            max_severity: (rng.below(2) == 0).then(|| SEVERITIES[rng.below(4)]),
            since: (rng.below(4) == 0).then(|| stamp - rng.below(2000) as i64),
            until: (rng.below(4) == 0).then(|| stamp - rng.below(2000) as i64),
            after_seq: (rng.below(2) == 0)
                .then(|| appended.saturating_sub(rng.below(2 * CAPACITY) as u64)),
            limit: (rng.below(2) == 0).then(|| rng.below(2 * CAPACITY)),
            resource: None,
        };
        let got = run.log.query(&filter);
        let most = filter.limit.unwrap_or(usize::MAX).min(CAPACITY);
        let mut previous = filter.after_seq.unwrap_or(0);
        let mut bad = got.len() > most;
        for e in &got {
            bad |= e.seq() <= previous;
            previous = e.seq();
            bad |= filter.actor.as_deref().is_some_and(|a| a != e.actor())
                || filter.action.as_deref().is_some_and(|a| a != e.action())
                || filter.outcome.as_deref().is_some_and(|o| o != e.outcome())
                || filter.min_severity.is_some_and(|s| e.severity() < s)
                || filter.max_severity.is_some_and(|s| e.severity() > s)
                || filter.since.is_some_and(|t| e.timestamp() < t)
                || filter.until.is_some_and(|t| e.timestamp() > t);
        }
        self.expect(!bad, || {
            format!(
                "query {filter:?} gave {} events, not all matching",
                got.len()
            )
        });
    }

    fn recent(&mut self, run: &Run) {
        let n = self.rng.below(2 * CAPACITY);
        let got = run.log.recent(n);
        let contiguous = got.windows(2).all(|w| w[1].seq() == w[0].seq() + 1);
        self.expect(got.len() <= n.min(CAPACITY) && contiguous, || {
            format!(
                "recent({n}) gave {} events, contiguous: {contiguous}",
                got.len()
            )
        });
    }

    fn get(&mut self, run: &Run) {
        let seq = 1 + self.rng.below(run.log.appended() as usize + 16) as u64;
        let got = run.log.get(seq).map(|e| e.seq());
        self.expect(got.is_none_or(|s| s == seq), || {
            format!("get({seq}) gave seq {got:?}")
        });
    }

    fn export(&mut self, run: &Run, to_file: bool) {
        if to_file {
            let doc = run.log.export_json_to(&self.path);
            let on_disk = std::fs::read_to_string(&self.path).ok();
            let same = matches!((&doc, &on_disk), (Ok(d), Some(f)) if d == f);
            let path = self.path.display().to_string();
            self.expect(same, || format!("export to {path} did not match the file"));
            return;
        }
        let doc = run.log.export_json();
        let parsed: Result<Vec<serde_json::Map<String, serde_json::Value>>, _> =
            serde_json::from_str(&doc);
        let ok = parsed.as_ref().is_ok_and(|events| {
            !events.is_empty()
                && events.len() <= CAPACITY
                && events.iter().all(|e| e.len() == 8)
                && events
                    .windows(2)
                    .all(|w| w[0]["seq"].as_u64() < w[1]["seq"].as_u64())
        });
        self.expect(ok, || {
            format!(
                "export did not parse as events: {:?}",
                parsed.as_ref().err()
            )
        });
        if self.rng.below(4) == 0 {
            let scratch = AuditLogger::new(CAPACITY).unwrap();
            let n = parsed.map_or(0, |events| events.len());
            let imported = scratch.import_json(&doc);
            self.expect(imported == Ok(n), || {
                format!("re-import gave {imported:?}, expected {n}")
            });
        }
    }

    fn import(&mut self, run: &Run) {
        if run.imports.fetch_add(1, SeqCst) >= MAX_IMPORTS {
            run.imports.fetch_sub(1, SeqCst);
            return;
        }
        let got = run.log.import_json(&run.import_doc);
        self.expect(got == Ok(IMPORT_EVENTS as usize), || {
            format!("import gave {got:?}")
        });
    }

    fn churn_begin(&mut self, run: &Run) {
        let c = Arc::new(Churned {
            queued: self.rng.below(2) == 0,
            ..Churned::default()
        });
        c.appended_before.store(run.log.appended(), SeqCst);
        let mark = DropMark(c.clone());
        let callback = Box::new(move |e: &Event| mark.0.call(e));
        let delivery = if c.queued {
            let overflow = match self.rng.below(3) {
                0 => Overflow::DropOldest,
                1 => Overflow::DropNewest,
                _ => Overflow::Block(Duration::from_millis(self.rng.below(3) as u64)),
            };
            Delivery::Queued {
                capacity: 1 + self.rng.below(64),
                overflow,
            }
        } else {
            Delivery::Sync
        };
        match run.log.subscribe_with(callback, delivery) {
            Ok(id) => {
                c.id.store(id, SeqCst);
                self.live.push(c);
            }
            Err(e) => self
                .failures
                .push(format!("subscribe_with({delivery:?}): {e}")),
        }
    }

    fn churn_end(&mut self, run: &Run, slot: usize) {
        let c = self.live.swap_remove(slot);
        let id = c.id.load(SeqCst);
        let stats = run.log.subscription_stats(id);
        c.appended_at_stats.store(run.log.appended(), SeqCst);
        let removed = run.log.unsubscribe(id).is_some();
        c.appended_after.store(run.log.appended(), SeqCst);
        let again = run.log.unsubscribe(id).is_some();
        self.expect(stats.is_some() && removed && !again, || {
            format!("subscription {id}: stats {stats:?}, removed {removed}, removed again {again}")
        });
        *c.stats.lock().unwrap() = stats;
        self.retired.push(c);
    }

    fn race(&mut self, run: &Run) {
        while !run.producers_done.load(SeqCst) {
            match self.rng.below(100) {
                0..=29 => self.query(run),
                30..=44 => self.recent(run),
                45..=54 => self.get(run),
                55..=58 => self.export(run, false),
                59..=60 => self.export(run, true),
                61..=64 => self.import(run),
                65..=66 => {
                    // Must return (true or false), never hang or fail.
                    let flushed = run.log.flush(Duration::from_millis(1));
                    self.expect(flushed.is_ok(), || format!("flush gave {flushed:?}"));
                }
                _ if self.live.len() == MAX_LIVE_CHURNED
                    || (!self.live.is_empty() && self.rng.below(2) == 0) =>
                {
                    let slot = self.rng.below(self.live.len());
                    self.churn_end(run, slot);
                }
                _ => self.churn_begin(run),
            }
            let count = run.log.count();
            self.expect(count <= CAPACITY, || format!("count {count} over capacity"));
            self.ops += 1;
        }
        while !self.live.is_empty() {
            self.churn_end(run, 0);
        }
        run.operations.fetch_add(self.ops, SeqCst);
    }

    /// Checks every ended subscription once all of them have been dropped.
    fn check_retired(&mut self) {
        let producers = PRODUCERS as u64;
        for c in std::mem::take(&mut self.retired) {
            let (before, after) = (
                c.appended_before.load(SeqCst),
                c.appended_after.load(SeqCst),
            );
            let calls = c.calls.load(SeqCst);
            let stats = c.stats.lock().unwrap().unwrap_or_default();
            let problems = [
                (
                    c.drops.load(SeqCst) != 1,
                    "callback not dropped exactly once",
                ),
                (
                    c.calls_after_drop.load(SeqCst) != 0,
                    "called after being dropped",
                ),
                (
                    c.drop_while_running.load(SeqCst) != 0,
                    "dropped while running",
                ),
                // One event per producer may be in flight when it begins.
                (
                    c.early.load(SeqCst) > producers,
                    "more early events than producers",
                ),
                (
                    c.max_seq.load(SeqCst) > after,
                    "called with an event logged after it ended",
                ),
                (
                    calls > after - before + producers,
                    "more calls than events in its window",
                ),
                (
                    c.out_of_order.load(SeqCst) != 0,
                    "a producer's events out of order",
                ),
                (
                    stats.delivered > calls,
                    "delivered counts more than the calls seen",
                ),
                (
                    stats.delivered + stats.dropped
                        > c.appended_at_stats.load(SeqCst) - before + producers,
                    "delivered + dropped exceed the events in its window",
                ),
                (
                    !c.queued && stats.dropped != 0,
                    "a synchronous subscription dropped",
                ),
                (
                    stats.failed != 0,
                    "failures counted for a callback that never failed",
                ),
            ];
            for (bad, what) in problems {
                if bad {
                    self.failures.push(format!(
                        "churned subscription {} (queued {}): {what}; calls {calls}, stats {stats:?}, window {before}..={after}",
                        c.id.load(SeqCst),
                        c.queued
                    ));
                }
            }
        }
    }
}

// ------------------------------------------------------------ the run

fn produce(run: &Run, p: usize) -> Vec<u64> {
    let actor = format!("producer-{p}");
    let mut seqs = Vec::with_capacity(run.per_producer as usize);
    let mut details = String::new();
    for i in 0..run.per_producer {
        details.clear();
        details.push_str(&format!("{{\"p\":{p},\"i\":{i},\"tag\":\"stress\"}}"));
        let seq = run
            .log
            .log(&NewEvent {
                actor: &actor,
                action: if i % 3 == 0 { "read" } else { "write" },
                resource: "resource",
                outcome: if i % 5 == 0 { "denied" } else { "success" },
                severity: SEVERITIES[(i % 4) as usize],
                details: Some(&details),
            })
            .expect("a valid event is recorded");
        seqs.push(seq);
    }
    seqs
}

/// Silences the panics the failing subscriber raises on purpose; others still print.
#[test]
fn concurrent_producers_racers_and_subscribers_lose_nothing() {
    quiet_deliberate_panics(DELIBERATE);
    let per_producer = per_producer();
    let logged = PRODUCERS as u64 * per_producer;
    let max_seq = logged + IMPORT_EVENTS * MAX_IMPORTS;
    let import_doc = {
        let source = AuditLogger::new(IMPORT_EVENTS as usize).unwrap();
        for s in SEVERITIES {
            source
                .log(&NewEvent {
                    actor: "importer",
                    action: "import",
                    resource: "batch",
                    outcome: "success",
                    severity: s,
                    details: Some(r#"{"imported":true}"#),
                })
                .unwrap();
        }
        source.export_json()
    };
    let run = Run {
        log: AuditLogger::new(CAPACITY).unwrap(),
        per_producer,
        producers_done: AtomicBool::new(false),
        imports: AtomicU64::new(1),
        operations: AtomicU64::new(0),
        import_doc,
    };
    // One import before anything runs, so no export sees an empty ring.
    assert_eq!(
        run.log.import_json(&run.import_doc).unwrap(),
        IMPORT_EVENTS as usize
    );

    let ledger = Arc::new(Ledger {
        owner: zeroed(max_seq + 1),
        index: zeroed(max_seq + 1),
        calls: AtomicU64::new(0),
        twice: AtomicU64::new(0),
        unparsed: AtomicU64::new(0),
    });
    let l = ledger.clone();
    let ledger_id = run.log.subscribe(Box::new(move |e| l.record(e)));

    // Fails every seventh seq, and panics on a few.
    let failing_calls = Arc::new(AtomicU64::new(0));
    let failing_returned = Arc::new(AtomicU64::new(0));
    let (calls, returned) = (failing_calls.clone(), failing_returned.clone());
    let failing_id = run.log.subscribe(Box::new(move |e| {
        calls.fetch_add(1, SeqCst);
        if e.seq() % 7 != 0 {
            return true;
        }
        returned.fetch_add(1, SeqCst);
        if e.seq() % 49_999 == 0 {
            panic::panic_any(DELIBERATE);
        }
        false
    }));

    let watches: Vec<Arc<Watch>> = vec![
        Arc::new(Watch::new(
            "drop-oldest",
            Overflow::DropOldest,
            64,
            128,
            max_seq,
        )),
        Arc::new(Watch::new(
            "drop-newest",
            Overflow::DropNewest,
            64,
            128,
            max_seq,
        )),
        Arc::new(Watch::new(
            "block",
            Overflow::Block(Duration::from_millis(5)),
            256,
            1024,
            max_seq,
        )),
    ];
    let watch_ids: Vec<u64> = watches
        .iter()
        .map(|w| {
            let watch = w.clone();
            run.log
                .subscribe_with(
                    Box::new(move |e| watch.record(e)),
                    Delivery::Queued {
                        capacity: w.queue,
                        overflow: w.overflow,
                    },
                )
                .unwrap()
        })
        .collect();

    let dir = tempfile::tempdir().unwrap();
    let mut racers: Vec<Racer> = (0..RACERS)
        .map(|i| Racer {
            rng: Rng(0x5EED_0000 + i as u64 * 0x9E37_79B9),
            path: dir.path().join(format!("export-{i}.json")),
            live: Vec::new(),
            retired: Vec::new(),
            ops: 0,
            failures: Vec::new(),
        })
        .collect();

    let seqs: Vec<Vec<u64>> = std::thread::scope(|s| {
        let run = &run;
        for racer in racers.iter_mut() {
            s.spawn(move || racer.race(run));
        }
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| s.spawn(move || produce(run, p)))
            .collect();
        let seqs = producers.into_iter().map(|h| h.join().unwrap()).collect();
        run.producers_done.store(true, SeqCst);
        seqs
    });
    assert!(
        run.log.flush(Duration::from_secs(300)).unwrap(),
        "queued subscribers drained"
    );

    // Counters and the ring.
    let imported = run.imports.load(SeqCst) * IMPORT_EVENTS;
    let (appended, count, evicted) = (
        run.log.appended(),
        run.log.count() as u64,
        run.log.evicted(),
    );
    assert_eq!(appended, logged + imported);
    assert_eq!(count, appended.min(CAPACITY as u64));
    assert_eq!(appended, count + evicted);
    let all = run.log.query(&Filter::default());
    assert_eq!(all.len() as u64, count);
    assert!(
        all.windows(2).all(|w| w[1].seq() == w[0].seq() + 1),
        "contiguous"
    );
    assert_eq!(all.last().unwrap().seq(), appended);

    // Each producer's seqs increase; no seq was handed out twice; the ledger saw
    // exactly the producers' events, each once, with the content logged under it.
    let mut producer_seen = vec![false; max_seq as usize + 1];
    let (mut duplicate, mut mismatched) = (0u64, 0u64);
    for (p, list) in seqs.iter().enumerate() {
        assert!(
            list.windows(2).all(|w| w[0] < w[1]),
            "producer {p} seqs increase"
        );
        for (i, &seq) in list.iter().enumerate() {
            let seq = seq as usize;
            if seq > max_seq as usize || std::mem::replace(&mut producer_seen[seq], true) {
                duplicate += 1;
                continue;
            }
            let owner = ledger.owner[seq].load(SeqCst);
            mismatched +=
                u64::from(owner != p as u8 + 1 || ledger.index[seq].load(SeqCst) != i as u32);
        }
    }
    let phantom = (1..=max_seq as usize)
        .filter(|&s| ledger.owner[s].load(SeqCst) != 0 && !producer_seen[s])
        .count();
    assert_eq!(
        (duplicate, mismatched, phantom),
        (0, 0, 0),
        "duplicate, mismatched, phantom"
    );
    assert_eq!(ledger.calls.load(SeqCst), logged);
    assert_eq!(ledger.twice.load(SeqCst) + ledger.unparsed.load(SeqCst), 0);
    let stats = run.log.subscription_stats(ledger_id).unwrap();
    assert_eq!(
        (stats.delivered, stats.failed, stats.dropped),
        (logged, 0, 0)
    );

    let stats = run.log.subscription_stats(failing_id).unwrap();
    assert_eq!(failing_calls.load(SeqCst), logged);
    assert_eq!(stats.delivered, logged);
    assert_eq!(stats.failed, failing_returned.load(SeqCst));
    assert!(stats.failed > 0);
    assert_eq!(stats.dropped, 0);

    let mut lost = duplicate + mismatched + appended.abs_diff(count + evicted);
    let mut dropped_total = 0;
    for (w, &id) in watches.iter().zip(&watch_ids) {
        let stats = run.log.subscription_stats(id).unwrap();
        let distinct = w.seen.iter().filter(|s| s.load(SeqCst) != 0).count() as u64;
        let outsiders = (1..=max_seq as usize)
            .filter(|&s| w.seen[s].load(SeqCst) != 0 && !producer_seen[s])
            .count();
        println!(
            "queued {} (queue {}): delivered {}, dropped {}",
            w.name, w.queue, stats.delivered, stats.dropped
        );
        lost += logged.saturating_sub(stats.delivered + stats.dropped);
        assert_eq!(stats.delivered + stats.dropped, logged, "{}", w.name);
        assert_eq!(stats.delivered, w.calls.load(SeqCst), "{}", w.name);
        assert_eq!(distinct, stats.delivered, "{}", w.name);
        assert_eq!(outsiders, 0, "{}", w.name);
        assert_eq!(
            w.twice.load(SeqCst) + w.foreign.load(SeqCst),
            0,
            "{}",
            w.name
        );
        assert_eq!(
            w.out_of_order.load(SeqCst),
            0,
            "{}: order per producer",
            w.name
        );
        assert_eq!(stats.failed, 0, "{}", w.name);
        dropped_total += stats.dropped;
    }
    assert_eq!(lost, 0);

    assert!(run.log.unsubscribe(ledger_id).is_some() && run.log.unsubscribe(failing_id).is_some());
    for id in watch_ids {
        assert!(run.log.unsubscribe(id).is_some());
    }
    drop(run.log);
    // Queued callbacks are dropped on their delivery threads, possibly a little
    // after their subscription ended.
    let all_dropped = || {
        racers
            .iter()
            .flat_map(|r| &r.retired)
            .all(|c| c.drops.load(SeqCst) > 0)
    };
    for _ in 0..60_000 {
        if all_dropped() {
            break;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let churned: usize = racers.iter().map(|r| r.retired.len()).sum();
    for r in racers.iter_mut() {
        r.check_retired();
    }
    let failures: Vec<&String> = racers.iter().flat_map(|r| &r.failures).collect();
    assert!(
        failures.is_empty(),
        "{} failures, first: {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(churned > 0);
    println!(
        "RELIABILITY rust_stress producers={PRODUCERS} events_per_producer={per_producer} events_logged={logged} \
         events_imported={imported} threads={} operations_raced={} churned_subscriptions={churned} \
         queued_dropped={dropped_total} events_lost={lost}",
        PRODUCERS + RACERS,
        run.operations.load(SeqCst)
    );
}
