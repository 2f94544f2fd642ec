//! Fuzz replay: the corpus in `tests/fuzz/corpus/` and a bounded, deterministic
//! mutation loop over it, fed to the two parsers that take untrusted text:
//! the `details` validator (`AuditLogger::log`, and `audit_log` for bytes that
//! are not UTF-8) and the document importer (`import_json` / `audit_import_json`).
//!
//! Every input must end in success or a documented error, never a panic; on
//! error the logger is unchanged; on success the result is consistent (stored
//! details are a compact JSON object that logs back to itself; imported events
//! export and import again identically). The Rust API and the C ABI must agree
//! on every input. An input that panics is written to `target/fuzz-crashes/`;
//! copy it into the corpus and add a named regression test below.
//!
//! `AUDIT_FUZZ_MUTATIONS` (default 20,000 per target in release builds, 2,000 in
//! debug builds) and `AUDIT_FUZZ_SEED` change the loop. Each target prints a
//! `RELIABILITY fuzz_replay ...` line (visible with `--nocapture`).

use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use audit_logger::core::{AuditLogger, Config, ErrorKind, Filter, NewEvent};
use audit_logger::ffi::logger::{
    audit_import_json, audit_log, audit_logger_appended, audit_logger_free, audit_logger_new,
};
use audit_logger::ffi::status::{
    AuditStatus, AUDIT_ERR_INVALID_DETAILS, AUDIT_ERR_INVALID_DOCUMENT, AUDIT_ERR_INVALID_UTF8,
    AUDIT_ERR_TOO_LARGE, AUDIT_OK,
};
use serde_json::Value;

mod common;
use common::{Rng, RECORD_KEYS};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(corpus_dir(target))
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&path).unwrap(),
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 10, "the {target} corpus is seeded");
    files
}

fn mutations() -> usize {
    match std::env::var("AUDIT_FUZZ_MUTATIONS") {
        Ok(n) => n.parse().expect("AUDIT_FUZZ_MUTATIONS is a number"),
        Err(_) if cfg!(debug_assertions) => 2_000,
        Err(_) => 20_000,
    }
}

fn seed() -> u64 {
    std::env::var("AUDIT_FUZZ_SEED").map_or(0x5EED_F022, |s| {
        s.parse().expect("AUDIT_FUZZ_SEED is a number")
    })
}

/// What C would see of `bytes`: everything before the first NUL.
fn as_c_string(bytes: &[u8]) -> CString {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap()
}

/// A C-ABI logger for comparing statuses with the Rust API.
struct CLogger(*mut audit_logger::core::AuditLogger);

impl CLogger {
    fn new() -> CLogger {
        let mut logger = std::ptr::null_mut();
        // SAFETY: a valid out-pointer.
        assert_eq!(unsafe { audit_logger_new(8, &mut logger) }, AUDIT_OK);
        CLogger(logger)
    }

    fn appended(&self) -> u64 {
        // SAFETY: a live logger.
        unsafe { audit_logger_appended(self.0) }
    }
}

impl Drop for CLogger {
    fn drop(&mut self) {
        // SAFETY: from audit_logger_new, freed once.
        unsafe { audit_logger_free(self.0) }
    }
}

fn status_of(kind: ErrorKind) -> AuditStatus {
    match kind {
        ErrorKind::InvalidDetails => AUDIT_ERR_INVALID_DETAILS,
        ErrorKind::InvalidDocument => AUDIT_ERR_INVALID_DOCUMENT,
        ErrorKind::TooLarge => AUDIT_ERR_TOO_LARGE,
        other => panic!("unexpected error kind {other:?}"),
    }
}

/// Whether some object in `text` (JSON) repeats a key, after unescaping.
fn duplicate_key(text: &str) -> bool {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    struct Walk<'a>(&'a mut bool);

    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(Walk(&mut *self.0))?.is_some() {}
            Ok(())
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut keys = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<String>()? {
                *self.0 |= !keys.insert(key);
                map.next_value_seed(Walk(&mut *self.0))?;
            }
            Ok(())
        }
    }

    let mut found = false;
    let mut de = serde_json::Deserializer::from_str(text);
    Walk(&mut found).deserialize(&mut de).is_ok() && found
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The counts of one target's run.
#[derive(Default, Debug)]
struct Tally {
    inputs: usize,
    accepted: usize,
    refused: usize,
    /// Accepted details holding numbers beyond f64, which the oracle cannot read.
    beyond_f64: usize,
}

fn beyond_f64(e: &serde_json::Error) -> bool {
    e.to_string().contains("number out of range")
}

// ------------------------------------------------------------ targets

/// `details` through `log` and `audit_log`.
fn check_details(input: &[u8], rust: &AuditLogger, c: &CLogger, tally: &mut Tally) {
    let text = as_c_string(input);
    let before = (rust.appended(), rust.export_json());
    let c_before = c.appended();
    let action = CString::new("fuzz").unwrap();
    // SAFETY: a live logger and NUL-terminated strings.
    let c_status = unsafe {
        audit_log(
            c.0,
            action.as_ptr(),
            action.as_ptr(),
            action.as_ptr(),
            action.as_ptr(),
            10,
            text.as_ptr(),
            std::ptr::null_mut(),
        )
    };
    tally.inputs += 1;
    let Ok(text) = text.to_str() else {
        assert_eq!(c_status, AUDIT_ERR_INVALID_UTF8, "{input:?}");
        assert_eq!(c.appended(), c_before);
        tally.refused += 1;
        return;
    };
    let result = rust.log(&NewEvent {
        details: Some(text),
        ..NewEvent::default()
    });
    // Differential check against serde_json: one object, no repeated key,
    // nested at most 32 deep, at most 64 KiB.
    let valid = match serde_json::from_str::<Value>(text) {
        Ok(v) => {
            Some(v.is_object() && depth(&v) <= 32 && !duplicate_key(text) && text.len() <= 64 << 10)
        }
        Err(e) if beyond_f64(&e) => None,
        Err(_) => Some(false),
    };
    match (&result, valid) {
        (Ok(_), Some(false)) => panic!("invalid details accepted: {text:?}"),
        (Err(e), Some(true)) => panic!("valid details refused: {text:?}: {}", e.message()),
        _ => {}
    }
    match result {
        Ok(seq) => {
            tally.accepted += 1;
            assert_eq!(c_status, AUDIT_OK, "{text:?}");
            assert_eq!(c.appended(), c_before + 1);
            let stored = rust.get(seq).unwrap().details().to_string();
            assert!(stored.starts_with('{') && stored.ends_with('}'), "{stored}");
            assert!(!stored.contains(['\n', '\r', '\u{7f}', '\u{85}', '\u{2028}', '\u{2029}']));
            match (
                serde_json::from_str::<Value>(&stored),
                serde_json::from_str::<Value>(text),
            ) {
                (Ok(value), Ok(given)) => {
                    assert!(value.is_object() && depth(&value) <= 32, "{stored}");
                    assert_eq!(value, given, "{text:?}");
                }
                // JSON's grammar allows numbers beyond f64, which serde_json
                // (the oracle here) refuses: it must then refuse both.
                (Err(a), Err(b)) if beyond_f64(&a) && beyond_f64(&b) => {
                    tally.beyond_f64 += 1;
                }
                (a, b) => panic!("stored {stored:?} from {text:?}: {a:?}, {b:?}"),
            };
            // The compact form is a fixed point (numbers are kept as given).
            let again = rust
                .log(&NewEvent {
                    details: Some(&stored),
                    ..NewEvent::default()
                })
                .unwrap();
            assert_eq!(rust.get(again).unwrap().details(), stored);
        }
        Err(e) => {
            tally.refused += 1;
            assert!(
                matches!(e.kind(), ErrorKind::InvalidDetails | ErrorKind::TooLarge),
                "{e:?}"
            );
            assert_eq!(c_status, status_of(e.kind()), "{text:?}: {}", e.message());
            assert_eq!(c.appended(), c_before);
            assert_eq!(
                (rust.appended(), rust.export_json()),
                before,
                "refused details changed the log"
            );
        }
    }
}

/// A document through `import_json` and `audit_import_json`.
fn check_import(input: &[u8], rust: &AuditLogger, c: &CLogger, tally: &mut Tally) {
    let text = as_c_string(input);
    let before = (rust.appended(), rust.export_json());
    let c_before = c.appended();
    let mut c_count = usize::MAX;
    // SAFETY: a live logger, a NUL-terminated string and a valid out-pointer.
    let c_status = unsafe { audit_import_json(c.0, text.as_ptr(), &mut c_count) };
    tally.inputs += 1;
    let Ok(text) = text.to_str() else {
        assert_eq!(c_status, AUDIT_ERR_INVALID_UTF8, "{input:?}");
        assert_eq!(c.appended(), c_before);
        tally.refused += 1;
        return;
    };
    match rust.import_json(text) {
        Ok(n) => {
            tally.accepted += 1;
            assert_eq!((c_status, c_count), (AUDIT_OK, n), "{text:?}");
            assert_eq!(c.appended(), c_before + n as u64);
            assert_eq!(rust.appended(), before.0 + n as u64);
            // The imported events export, and that export imports to the same events.
            let imported = rust.query(&Filter {
                after_seq: Some(before.0),
                ..Filter::default()
            });
            assert_eq!(imported.len(), n.min(rust.capacity()));
            let first = AuditLogger::new(1000).unwrap();
            first.import_json(text).unwrap();
            let doc = first.export_json();
            let second = AuditLogger::new(1000).unwrap();
            assert_eq!(second.import_json(&doc), Ok(n), "re-import of {text:?}");
            assert_eq!(
                second.export_json(),
                doc,
                "export, import, export of {text:?}"
            );
        }
        Err(e) => {
            tally.refused += 1;
            assert!(
                matches!(e.kind(), ErrorKind::InvalidDocument | ErrorKind::TooLarge),
                "{e:?}"
            );
            assert_eq!(c_status, status_of(e.kind()), "{text:?}: {}", e.message());
            assert_eq!(c_count, usize::MAX, "count written on failure");
            assert_eq!(c.appended(), c_before);
            assert_eq!(
                (rust.appended(), rust.export_json()),
                before,
                "a refused import changed the log"
            );
        }
    }
}

// ------------------------------------------------------------ mutation

/// Fragments that tend to reach interesting paths of a JSON parser.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"\\udc00",
    b"\\ud83d\\ude00",
    b"\\u0000",
    b"\\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"null",
    b"true",
    b"false",
    b"0",
    b"-0",
    b"1e400",
    b"1e-400",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"0.1",
    b"\"k\":1",
    b"{\"a\":1,\"a\":2}",
    b"\xef\xbb\xbf",
    b"\xed\xa0\x80",
    b"\xff",
    b"\xc0\xaf",
    b"\xe2\x80\xa8",
    b"\xc2\x85",
    b"\x7f",
    b"\n",
    b"\t",
    b" ",
    b"INFO",
    b"CRITICAL",
    b"info",
    b"\"seq\":",
    b"\"details\":{}",
    b"Z",
    b".123456",
    b".1234567",
    b"T00:00:00",
    b"2026-01-01",
    b"\"actor\":\"\"",
];

/// Strings that are valid JSON content but awkward for a consumer.
const AWKWARD: &[&str] = &[
    "",
    "\n",
    "\r\n",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "\u{2029}",
    "\"",
    "\\",
    "\u{0}",
    "\u{1b}[2J",
    "\u{feff}",
    "\u{ffff}",
    "\u{10ffff}",
    "😀",
    "é",
    "{\"forged\":1}",
    "INFO",
    "seq",
];

/// An edit that keeps the text JSON: replace a leaf, add a member or an
/// element, or nest a value deeper. Most results are valid, so the accepting
/// paths (compaction, escaping, round trips) get exercised too.
fn mutate_value(rng: &mut Rng, v: &mut Value) {
    let children = match v {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    };
    if children > 0 && rng.below(3) != 0 {
        let i = rng.below(children);
        let child = match v {
            Value::Array(a) => &mut a[i],
            Value::Object(o) => o.values_mut().nth(i).unwrap(),
            _ => unreachable!(),
        };
        return mutate_value(rng, child);
    }
    let leaf = |rng: &mut Rng| -> Value {
        match rng.below(8) {
            0 => Value::Null,
            1 => Value::Bool(rng.below(2) == 0),
            2 => Value::from(rng.next() as i64),
            3 => Value::from(rng.next()),
            4 => Value::from((rng.next() % 1_000_000) as f64 / 64.0),
            _ => Value::from(awkward(rng)),
        }
    };
    match (rng.below(4), &mut *v) {
        (0, Value::Object(o)) => {
            let key = awkward(rng);
            o.insert(key, leaf(rng));
        }
        (0, Value::Array(a)) => a.push(leaf(rng)),
        (1, Value::String(s)) => {
            let at = (0..=s.len())
                .filter(|&i| s.is_char_boundary(i))
                .nth(rng.below(s.len() + 1))
                .unwrap_or(0);
            s.insert_str(at, &awkward(rng));
        }
        (2, _) => {
            let inner = v.take();
            *v = if rng.below(2) == 0 {
                Value::Array(vec![inner])
            } else {
                serde_json::json!({ "k": inner })
            };
        }
        _ => *v = leaf(rng),
    }
}

fn awkward(rng: &mut Rng) -> String {
    (0..1 + rng.below(3))
        .map(|_| AWKWARD[rng.below(AWKWARD.len())])
        .collect()
}

/// An RFC 3339 timestamp (sometimes without a zone, as the reference writes
/// them), in years that stay within 0000-9999 whatever the offset.
fn timestamp(rng: &mut Rng) -> String {
    let fraction = match rng.below(4) {
        0 => String::new(),
        _ => format!(".{:0width$}", rng.next() % 10u64.pow(6), width = 6)
            .chars()
            .take(1 + rng.below(7))
            .collect(),
    };
    let zone = match rng.below(4) {
        0 => String::new(),
        1 => "Z".to_string(),
        _ => format!(
            "{}{:02}:{:02}",
            ["+", "-"][rng.below(2)],
            rng.below(24),
            rng.below(60)
        ),
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}{zone}",
        1900 + rng.below(300),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60)
    )
}

/// An edit of an import document that mostly keeps it importable: copy or
/// drop an event, or change one of its members to another plausible value.
fn mutate_document(rng: &mut Rng, events: &mut Vec<Value>) {
    let i = rng.below(events.len());
    match rng.below(8) {
        0 => events.insert(i, events[i].clone()),
        1 => {
            events.remove(i);
        }
        _ => {
            let Some(event) = events[i].as_object_mut() else {
                return;
            };
            let key = RECORD_KEYS[rng.below(RECORD_KEYS.len())];
            let value = match key {
                "severity" => {
                    Value::from(["INFO", "warning", "Error", "CRITICAL", "LOUD"][rng.below(5)])
                }
                "timestamp" => Value::from(timestamp(rng)),
                "seq" => {
                    [Value::Null, Value::from(rng.next()), Value::from(0)][rng.below(3)].clone()
                }
                "details" => {
                    let mut details = event
                        .remove("details")
                        .unwrap_or_else(|| serde_json::json!({}));
                    mutate_value(rng, &mut details);
                    details
                }
                _ => Value::from(awkward(rng)),
            };
            event.insert(key.to_string(), value);
        }
    }
}

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[(String, Vec<u8>)]) -> Vec<u8> {
    if rng.below(2) == 0 {
        if let Ok(mut value) = serde_json::from_slice::<Value>(input) {
            for _ in 0..1 + rng.below(3) {
                match &mut value {
                    Value::Array(events) if !events.is_empty() && rng.below(4) != 0 => {
                        mutate_document(rng, events)
                    }
                    _ => mutate_value(rng, &mut value),
                }
            }
            return match rng.below(2) {
                0 => serde_json::to_vec(&value),
                _ => serde_json::to_vec_pretty(&value),
            }
            .unwrap();
        }
    }
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(2) * rng.below(4) {
        let len = out.len();
        let at = rng.below(len + 1);
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = b"\0\xff\"\\{}[],:0-e\x7f\xc0\xed\x80 "[rng.below(18)];
            }
            2 if len > 0 => {
                let end = (at + 1 + rng.below(8)).min(len);
                out.drain(at.min(end)..end);
            }
            3 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            4 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let chunk = out[start..end].to_vec();
                out.splice(at..at, chunk);
            }
            5 => {
                let other = &corpus[rng.below(corpus.len())].1;
                let from = rng.below(other.len() + 1);
                out.truncate(at);
                out.extend_from_slice(&other[from..]);
            }
            6 => out.truncate(at),
            7 => {
                let n = 1 + rng.below(200);
                let (open, close): (&[u8], &[u8]) = if rng.below(2) == 0 {
                    (b"{\"a\":", b"}")
                } else {
                    (b"[", b"]")
                };
                let mut wrapped = open.repeat(n);
                wrapped.extend_from_slice(&out);
                wrapped.extend_from_slice(&close.repeat(n));
                out = wrapped;
            }
            _ => {
                // Replace a digit run or a quoted word with a token.
                let token = TOKENS[rng.below(TOKENS.len())];
                let end = (at + 1 + rng.below(6)).min(len);
                out.splice(at.min(end)..end, token.iter().copied());
            }
        }
    }
    out
}

/// Runs `check` on every corpus file and on mutations of them; a panic saves
/// the input under `target/fuzz-crashes/` and fails with its path.
fn replay(
    target: &str,
    logger: impl Fn() -> AuditLogger,
    check: impl Fn(&[u8], &AuditLogger, &CLogger, &mut Tally),
) {
    let corpus = corpus(target);
    let (rust, c) = (logger(), CLogger::new());
    let mut tally = Tally::default();
    let mut rng = Rng(seed() ^ target.len() as u64);
    let run = |input: &[u8], what: &str, tally: &mut Tally| {
        if catch_unwind(AssertUnwindSafe(|| check(input, &rust, &c, tally))).is_err() {
            let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/fuzz-crashes")
                .join(target);
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("crash-{:016x}", fxhash(input)));
            std::fs::write(&path, input).unwrap();
            panic!("{target}: {what} failed; input saved to {}", path.display());
        }
    };
    for (name, bytes) in &corpus {
        run(bytes, &format!("corpus file {name}"), &mut tally);
    }
    let seeds = tally.inputs;
    for i in 0..mutations() {
        let base = &corpus[rng.below(corpus.len())];
        let input = mutate(&mut rng, &base.1, &corpus);
        run(&input, &format!("mutation {i} of {}", base.0), &mut tally);
    }
    assert!(
        tally.accepted > 0 && tally.refused > 0,
        "{target}: {tally:?}"
    );
    println!(
        "RELIABILITY fuzz_replay target={target} corpus={seeds} inputs={} accepted={} refused={} beyond_f64={}",
        tally.inputs, tally.accepted, tally.refused, tally.beyond_f64
    );
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[test]
fn details_corpus_and_mutations() {
    replay("details", || AuditLogger::new(8).unwrap(), check_details);
}

#[test]
fn import_corpus_and_mutations() {
    replay("import", || AuditLogger::new(8).unwrap(), check_import);
}

#[test]
fn import_under_tight_limits() {
    // The same corpus against small limits, so size checks are hit often.
    let config = Config {
        max_field_bytes: 16,
        max_details_bytes: 128,
        max_details_depth: 3,
        ..Config::with_capacity(4)
    };
    let corpus = corpus("import");
    let log = AuditLogger::with_config(config).unwrap();
    let mut refused = 0;
    for (name, bytes) in &corpus {
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        let before = (log.appended(), log.export_json());
        if let Err(e) = log.import_json(text) {
            refused += 1;
            assert!(
                matches!(e.kind(), ErrorKind::InvalidDocument | ErrorKind::TooLarge),
                "{name}: {e:?}"
            );
            assert_eq!((log.appended(), log.export_json()), before, "{name}");
        }
    }
    assert!(refused > corpus.len() / 2);
}
