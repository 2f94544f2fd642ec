//! Properties (proptest): the logger against a model, and round trips.
//!
//! - The ring against a plain `Vec` with the same capacity and byte budget, under
//!   random sequences of log, query (every filter criterion, `after_seq`,
//!   `limit`), recent, get and import (good and broken documents).
//! - Export then import keeps arbitrary Unicode strings (any character but NUL)
//!   in the four fields, arbitrary `details` objects and timestamps across the
//!   whole supported range exactly, and the output never holds a raw control or
//!   line-separator character.
//!
//! 256 cases per property from a fixed seed (`PROPTEST_CASES` and
//! `PROPTEST_RNG_SEED` override). Each property prints
//! `RELIABILITY properties ...` lines of figures (visible with `--nocapture`).

mod common;

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

use audit_logger::core::{
    format_micros, parse_micros, write_compact, AuditLogger, Config, ErrorKind, Event, Filter,
    NewEvent, Severity,
};
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::{json, Map, Value};

const SEVERITIES: [Severity; 4] = [
    Severity::Info,
    Severity::Warning,
    Severity::Error,
    Severity::Critical,
];
/// Small alphabets, so that filters match some events and not others.
const WORDS: [&str; 4] = ["", "alice", "bob", "é\u{2028}"];
const DETAILS: [&str; 4] = [
    "{}",
    r#"{"a":1}"#,
    r#"{"k":"v","n":[1,2,{"x":null}]}"#,
    r#"{"s":"\n\u007f"}"#,
];
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z in microseconds.
const MIN_MICROS: i64 = -62_167_219_200_000_000;
const MAX_MICROS: i64 = 253_402_300_799_999_999;

fn config() -> ProptestConfig {
    common::proptest_config(0x5EED)
}

// ------------------------------------------------------------ the model

#[derive(Clone, Debug, PartialEq)]
struct Row {
    seq: u64,
    timestamp: i64,
    severity: Severity,
    fields: [String; 4],
    details: String,
}

impl Row {
    fn of(e: &Event) -> Row {
        Row {
            seq: e.seq(),
            timestamp: e.timestamp(),
            severity: e.severity(),
            fields: [e.actor(), e.action(), e.resource(), e.outcome()].map(String::from),
            details: e.details().to_string(),
        }
    }

    /// Bytes counted against the budget: the fixed overhead (the event and the
    /// two reference counts of its shared text) and the text, each string
    /// followed by a NUL.
    fn bytes(&self) -> usize {
        std::mem::size_of::<Event>()
            + 2 * std::mem::size_of::<usize>()
            + self.fields.iter().map(|f| f.len() + 1).sum::<usize>()
            + self.details.len()
            + 1
    }
}

/// A `Vec` with the ring's rules: evict the oldest while over capacity or over
/// the byte budget, but always keep the newest.
struct Model {
    rows: Vec<Row>,
    capacity: usize,
    max_bytes: usize,
    next_seq: u64,
    evicted: u64,
}

impl Model {
    fn push(&mut self, mut row: Row) {
        row.seq = self.next_seq;
        self.next_seq += 1;
        self.rows.push(row);
        while self.rows.len() > self.capacity
            || (self.rows.iter().map(Row::bytes).sum::<usize>() > self.max_bytes
                && self.rows.len() > 1)
        {
            self.rows.remove(0);
            self.evicted += 1;
        }
    }

    fn select(&self, f: &Filter) -> Vec<Row> {
        let hit = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have);
        let mut out: Vec<Row> = self
            .rows
            .iter()
            .filter(|r| {
                r.seq > f.after_seq.unwrap_or(0)
                    && hit(&f.actor, &r.fields[0])
                    && hit(&f.action, &r.fields[1])
                    && hit(&f.resource, &r.fields[2])
                    && hit(&f.outcome, &r.fields[3])
                    && f.min_severity.is_none_or(|s| r.severity >= s)
                    && f.max_severity.is_none_or(|s| r.severity <= s)
                    && f.since.is_none_or(|t| r.timestamp >= t)
                    && f.until.is_none_or(|t| r.timestamp <= t)
            })
            .cloned()
            .collect();
        if let Some(limit) = f.limit {
            out.drain(..out.len().saturating_sub(limit));
        }
        out
    }
}

// ------------------------------------------------------------ operations

#[derive(Clone, Debug)]
struct Fields {
    words: [usize; 4],
    severity: usize,
    details: usize,
}

#[derive(Clone, Debug)]
struct FilterSpec {
    words: [Option<usize>; 4],
    min: Option<usize>,
    max: Option<usize>,
    /// (which stored event's timestamp, offset in microseconds)
    since: Option<(usize, i64)>,
    until: Option<(usize, i64)>,
    /// Back from the next seq.
    after_back: Option<u64>,
    limit: Option<usize>,
}

#[derive(Clone, Debug)]
enum Op {
    Log(Fields),
    Query(FilterSpec),
    Recent(usize),
    Get(u64),
    /// Events with their timestamps; a broken event at this index, if any.
    Import(Vec<(Fields, i64)>, Option<usize>),
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        [0..4usize, 0..4usize, 0..4usize, 0..4usize],
        0..4usize,
        0..4usize,
    )
        .prop_map(|(words, severity, details)| Fields {
            words,
            severity,
            details,
        })
}

fn filter_spec() -> impl Strategy<Value = FilterSpec> {
    let word = || proptest::option::weighted(0.3, 0..4usize);
    let stamp = || proptest::option::weighted(0.2, (0..16usize, -2i64..=2));
    (
        [word(), word(), word(), word()],
        proptest::option::weighted(0.3, 0..4usize),
        proptest::option::weighted(0.3, 0..4usize),
        stamp(),
        stamp(),
        proptest::option::weighted(0.3, 0..20u64),
        proptest::option::weighted(0.3, 0..12usize),
    )
        .prop_map(
            |(words, min, max, since, until, after_back, limit)| FilterSpec {
                words,
                min,
                max,
                since,
                until,
                after_back,
                limit,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => fields().prop_map(Op::Log),
        3 => filter_spec().prop_map(Op::Query),
        1 => (0..12usize).prop_map(Op::Recent),
        1 => (0..40u64).prop_map(Op::Get),
        1 => (
            prop::collection::vec((fields(), MIN_MICROS..=MAX_MICROS), 0..5),
            proptest::option::weighted(0.3, 0..5usize)
        )
            .prop_map(|(events, bad)| Op::Import(events, bad)),
    ]
}

fn record(f: &Fields, timestamp: i64) -> Value {
    json!({
        "actor": WORDS[f.words[0]], "action": WORDS[f.words[1]],
        "resource": WORDS[f.words[2]], "outcome": WORDS[f.words[3]],
        "severity": SEVERITIES[f.severity].name(),
        "details": serde_json::from_str::<Value>(DETAILS[f.details]).unwrap(),
        "timestamp": format_micros(timestamp).unwrap(),
    })
}

fn row(f: &Fields, timestamp: i64) -> Row {
    Row {
        seq: 0,
        timestamp,
        severity: SEVERITIES[f.severity],
        fields: f.words.map(|w| WORDS[w].to_string()),
        details: DETAILS[f.details].to_string(),
    }
}

fn filter(spec: &FilterSpec, model: &Model) -> Filter {
    let word = |w: Option<usize>| w.map(|w| WORDS[w].to_string());
    let stamp = |s: Option<(usize, i64)>| {
        s.map(|(i, delta)| {
            model
                .rows
                .get(i)
                .map_or(0, |r| r.timestamp)
                .saturating_add(delta)
        })
    };
    Filter {
        actor: word(spec.words[0]),
        action: word(spec.words[1]),
        resource: word(spec.words[2]),
        outcome: word(spec.words[3]),
        min_severity: spec.min.map(|s| SEVERITIES[s]),
        max_severity: spec.max.map(|s| SEVERITIES[s]),
        since: stamp(spec.since),
        until: stamp(spec.until),
        after_seq: spec.after_back.map(|b| model.next_seq.saturating_sub(b)),
        limit: spec.limit,
    }
}

/// Runs `test` on `config().cases` inputs from `strategy`, panicking with the
/// smallest failing input, and prints the figures.
fn check<S: Strategy>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(config());
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{name}: {e}");
    }
    println!(
        "RELIABILITY properties property={name} cases={}",
        config().cases
    );
}

#[test]
fn the_ring_behaves_like_a_bounded_vec() {
    let ops_run = AtomicU64::new(0);
    let strategy = (
        1..8usize,
        proptest::option::weighted(0.4, 100..1200usize),
        prop::collection::vec(op(), 1..60),
    );
    check("ring_model", strategy, |(capacity, max_bytes, ops)| {
        let config = Config {
            max_total_bytes: max_bytes.unwrap_or(1 << 30),
            ..Config::with_capacity(capacity)
        };
        let log = AuditLogger::with_config(config).unwrap();
        let mut model = Model {
            rows: Vec::new(),
            capacity,
            max_bytes: max_bytes.unwrap_or(1 << 30),
            next_seq: 1,
            evicted: 0,
        };
        for op in &ops {
            match op {
                Op::Log(f) => {
                    let words = f.words.map(|w| WORDS[w]);
                    let seq = log
                        .log(&NewEvent {
                            actor: words[0],
                            action: words[1],
                            resource: words[2],
                            outcome: words[3],
                            severity: SEVERITIES[f.severity],
                            details: Some(DETAILS[f.details]),
                        })
                        .unwrap();
                    prop_assert_eq!(seq, model.next_seq);
                    // The newest event is always kept: its timestamp comes from the clock.
                    let stamp = log.get(seq).unwrap().timestamp();
                    model.push(row(f, stamp));
                }
                Op::Query(spec) => {
                    let filter = filter(spec, &model);
                    let got: Vec<Row> = log.query(&filter).iter().map(Row::of).collect();
                    prop_assert_eq!(got, model.select(&filter), "{:?}", filter);
                }
                Op::Recent(n) => {
                    let got: Vec<Row> = log.recent(*n).iter().map(Row::of).collect();
                    let want = model.select(&Filter {
                        limit: Some(*n),
                        ..Filter::default()
                    });
                    prop_assert_eq!(got, want);
                }
                Op::Get(seq) => {
                    let got = log.get(*seq).map(|e| Row::of(&e));
                    let want = model.rows.iter().find(|r| r.seq == *seq).cloned();
                    prop_assert_eq!(got, want);
                }
                Op::Import(events, bad) => {
                    let mut doc: Vec<Value> = events.iter().map(|(f, t)| record(f, *t)).collect();
                    let broken = bad.filter(|&b| b <= doc.len());
                    if let Some(b) = broken {
                        let mut wrong = record(&fields_zero(), 0);
                        wrong["severity"] = json!("LOUD");
                        doc.insert(b, wrong);
                    }
                    let result = log.import_json(&serde_json::to_string(&doc).unwrap());
                    if broken.is_some() {
                        prop_assert_eq!(
                            result.map_err(|e| e.kind()),
                            Err(ErrorKind::InvalidDocument)
                        );
                    } else {
                        prop_assert_eq!(result, Ok(events.len()));
                        for (f, t) in events {
                            model.push(row(f, *t));
                        }
                    }
                }
            }
            prop_assert_eq!(log.count(), model.rows.len());
            prop_assert_eq!(log.evicted(), model.evicted);
            prop_assert_eq!(log.appended(), model.next_seq - 1);
            prop_assert_eq!(log.appended(), log.count() as u64 + log.evicted());
        }
        let all: Vec<Row> = log.query(&Filter::default()).iter().map(Row::of).collect();
        prop_assert_eq!(all, model.rows.clone());
        ops_run.fetch_add(ops.len() as u64, SeqCst);
        Ok(())
    });
    println!(
        "RELIABILITY properties model_operations={}",
        ops_run.load(SeqCst)
    );
}

fn fields_zero() -> Fields {
    Fields {
        words: [0; 4],
        severity: 0,
        details: 0,
    }
}

// ------------------------------------------------------------ round trips

/// Any character but NUL, with the troublesome ones often.
fn text() -> impl Strategy<Value = String> {
    let troublesome = prop::sample::select(vec![
        '\n',
        '\r',
        '\t',
        '\u{1}',
        '\u{1b}',
        '\u{1f}',
        '\u{7f}',
        '\u{85}',
        '\u{2028}',
        '\u{2029}',
        '"',
        '\\',
        '/',
        '\u{feff}',
        '\u{fffd}',
        '\u{ffff}',
        '\u{10ffff}',
        '😀',
        'é',
    ]);
    let c = prop_oneof![
        3 => any::<char>(),
        2 => troublesome,
        2 => proptest::char::range(' ', '~'),
    ]
    .prop_filter("no NUL", |c| *c != '\0');
    prop::collection::vec(c, 0..24).prop_map(String::from_iter)
}

/// Floats with at most 12 significant digits and a small exponent, below 1e14.
/// (Any number text is kept as given: see the compactor's `keeps_numbers_as_given`.)
fn decimal() -> impl Strategy<Value = f64> {
    (-999_999_999_999i64..=999_999_999_999, -8i32..=2)
        .prop_map(|(m, e)| format!("{m}e{e}").parse::<f64>().unwrap())
}

/// Any JSON value, a few levels deep.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        decimal().prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            object(inner),
        ]
    })
}

fn object(inner: impl Strategy<Value = Value>) -> impl Strategy<Value = Value> {
    prop::collection::vec((text(), inner), 0..6)
        .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
}

#[derive(Clone, Debug)]
struct Record {
    fields: [String; 4],
    severity: Severity,
    details: Value,
    timestamp: i64,
}

fn records() -> impl Strategy<Value = Vec<Record>> {
    let one = (
        [text(), text(), text(), text()],
        0..4usize,
        object(value()),
        prop_oneof![
            MIN_MICROS..=MAX_MICROS,
            Just(MIN_MICROS),
            Just(MAX_MICROS),
            Just(0i64),
            Just(-1i64)
        ],
    )
        .prop_map(|(fields, s, details, timestamp)| Record {
            fields,
            severity: SEVERITIES[s],
            details,
            timestamp,
        });
    prop::collection::vec(one, 1..6)
}

#[test]
fn export_then_import_keeps_every_string_value_and_timestamp() {
    let events_run = AtomicU64::new(0);
    check("export_import_round_trip", records(), |records| {
        // Written by serde_json (not by the library), imported, exported, imported again.
        let doc: Vec<Value> = records.iter().map(|r| json!({
            "actor": r.fields[0], "action": r.fields[1], "resource": r.fields[2], "outcome": r.fields[3],
            "severity": r.severity.name(), "details": r.details,
            "timestamp": format_micros(r.timestamp).unwrap(),
        })).collect();
        let first = AuditLogger::new(100).unwrap();
        prop_assert_eq!(
            first.import_json(&serde_json::to_string(&doc).unwrap()),
            Ok(records.len())
        );
        let events = first.query(&Filter::default());
        for (e, r) in events.iter().zip(&records) {
            prop_assert_eq!(
                [e.actor(), e.action(), e.resource(), e.outcome()],
                r.fields.each_ref().map(String::as_str)
            );
            prop_assert_eq!(e.severity(), r.severity);
            prop_assert_eq!(e.timestamp(), r.timestamp);
            prop_assert_eq!(
                &serde_json::from_str::<Value>(e.details()).unwrap(),
                &r.details
            );
            let mut line = Vec::new();
            write_compact(&mut line, e);
            let line = String::from_utf8(line).unwrap();
            prop_assert!(
                common::raw_line_breakers(&line, false).is_empty(),
                "{}",
                line
            );
            let parsed: Value = serde_json::from_str(&line).unwrap();
            prop_assert_eq!(&parsed["actor"], &json!(r.fields[0]));
            prop_assert_eq!(&parsed["details"], &r.details);
        }
        let export = first.export_json();
        prop_assert!(common::raw_line_breakers(&export, true).is_empty());
        let second = AuditLogger::new(100).unwrap();
        prop_assert_eq!(second.import_json(&export), Ok(records.len()));
        prop_assert_eq!(second.export_json(), export);
        events_run.fetch_add(records.len() as u64, SeqCst);
        Ok(())
    });
    println!(
        "RELIABILITY properties round_trip_events={}",
        events_run.load(SeqCst)
    );
}

#[test]
fn timestamps_format_and_parse_back() {
    check("timestamp_text", MIN_MICROS..=MAX_MICROS, |t| {
        let text = format_micros(t).unwrap();
        prop_assert_eq!(text.len(), 27);
        prop_assert_eq!(parse_micros(&text), Ok(t));
        Ok(())
    });
}
