//! Runs the shared scenario files in tests/vectors through the Rust core.
//! Every binding and the C harness run the same files.

use std::sync::{Arc, Mutex};

use audit_logger::core::{AuditLogger, ErrorKind, Filter, NewEvent, Severity};
use serde_json::Value;

/// A named subscriber of a scenario: its id and the seqs it has received.
type Recorder = (String, u64, Arc<Mutex<Vec<u64>>>);

fn error_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidCapacity => "INVALID_CAPACITY",
        ErrorKind::InvalidSeverity => "INVALID_SEVERITY",
        ErrorKind::InvalidDetails => "INVALID_DETAILS",
        ErrorKind::InvalidArgument => "INVALID_ARGUMENT",
        ErrorKind::TooLarge => "TOO_LARGE",
        ErrorKind::InvalidDocument => "INVALID_DOCUMENT",
        ErrorKind::Io => "IO",
        ErrorKind::NotFound => "NOT_FOUND",
        ErrorKind::InvalidUtf8 => "INVALID_UTF8",
        ErrorKind::TooDeep => "TOO_DEEP",
        ErrorKind::Timeout => "TIMEOUT",
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is a string"))
        .to_owned()
}

fn filter(v: &Value) -> Filter {
    let s = |k: &str| v.get(k).map(|x| x.as_str().unwrap().to_owned());
    let sev = |k: &str| {
        v.get(k)
            .map(|x| Severity::from_value(x.as_u64().unwrap() as u32).unwrap())
    };
    Filter {
        actor: s("actor"),
        action: s("action"),
        resource: s("resource"),
        outcome: s("outcome"),
        min_severity: sev("min_severity"),
        max_severity: sev("max_severity"),
        since: v.get("since").map(|x| x.as_i64().unwrap()),
        until: v.get("until").map(|x| x.as_i64().unwrap()),
        after_seq: v.get("after_seq").map(|x| x.as_u64().unwrap()),
        limit: v.get("limit").map(|x| x.as_u64().unwrap() as usize),
    }
}

fn run(path: &std::path::Path) {
    let vector: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let name = vector["name"].as_str().unwrap();
    let log = AuditLogger::new(vector["capacity"].as_u64().unwrap() as usize).unwrap();
    let mut received: Vec<Recorder> = Vec::new();
    for (i, step) in vector["steps"].as_array().unwrap().iter().enumerate() {
        let at = format!("{name} step {i}: {step}");
        let expect = &step["expect"];
        let result: Result<Value, ErrorKind> = match step["op"].as_str().unwrap() {
            "create" => AuditLogger::new(step["capacity"].as_u64().unwrap() as usize)
                .map(|_| Value::Null)
                .map_err(|e| e.kind()),
            "log" => Severity::from_value(step["severity"].as_u64().unwrap() as u32)
                .and_then(|severity| {
                    log.log(&NewEvent {
                        actor: &text(step, "actor"),
                        action: &text(step, "action"),
                        resource: &text(step, "resource"),
                        outcome: &text(step, "outcome"),
                        severity,
                        details: step["details"].as_str(),
                    })
                })
                .map(|seq| serde_json::json!({ "seq": seq }))
                .map_err(|e| e.kind()),
            "query" => Ok(seqs(&log.query(&filter(&step["filter"])))),
            "recent" => Ok(seqs(&log.recent(step["n"].as_u64().unwrap() as usize))),
            "event" => {
                let seq = step["seq"].as_u64().unwrap();
                let all = log.query(&Filter::default());
                let e = all.iter().find(|e| e.seq() == seq).expect("event exists");
                let mut v = serde_json::json!({
                    "actor": e.actor(), "action": e.action(), "resource": e.resource(),
                    "outcome": e.outcome(), "severity": e.severity().value(), "details": e.details(),
                });
                if expect.get("timestamp").is_some() {
                    v["timestamp"] = e.timestamp().into();
                }
                Ok(v)
            }
            "counters" => Ok(serde_json::json!({
                "count": log.count(), "capacity": log.capacity(),
                "evicted": log.evicted(), "appended": log.appended(),
            })),
            "import" => log
                .import_json(&text(step, "json"))
                .map(|n| serde_json::json!({ "imported": n }))
                .map_err(|e| e.kind()),
            "export" => Ok(serde_json::json!({ "json": log.export_json() })),
            "severity_from_name" => Severity::from_name(&text(step, "name"))
                .map(|s| serde_json::json!({ "severity": s.value() }))
                .map_err(|e| e.kind()),
            "subscribe" => {
                let seen = Arc::new(Mutex::new(Vec::new()));
                let sink = seen.clone();
                let id = log.subscribe(Box::new(move |e| {
                    sink.lock().unwrap().push(e.seq());
                    true
                }));
                received.push((text(step, "name"), id, seen));
                Ok(Value::Null)
            }
            "unsubscribe" => {
                let id = received
                    .iter()
                    .find(|r| r.0 == text(step, "name"))
                    .unwrap()
                    .1;
                Ok(serde_json::json!({ "removed": log.unsubscribe(id).is_some() }))
            }
            "received" => {
                let r = received.iter().find(|r| r.0 == text(step, "name")).unwrap();
                Ok(serde_json::json!({ "seqs": *r.2.lock().unwrap() }))
            }
            op => panic!("{at}: unknown op {op}"),
        };
        match (result, expect.get("error")) {
            (Err(kind), Some(want)) => assert_eq!(error_name(kind), want, "{at}"),
            (Err(kind), None) => panic!("{at}: unexpected error {kind:?}"),
            (Ok(got), Some(_)) => panic!("{at}: expected an error, got {got}"),
            (Ok(got), None) if !expect.is_null() => assert_eq!(&got, expect, "{at}"),
            (Ok(_), None) => {}
        }
    }
}

fn seqs(events: &[audit_logger::core::Event]) -> Value {
    serde_json::json!({ "seqs": events.iter().map(|e| e.seq()).collect::<Vec<_>>() })
}

#[test]
fn all_vectors_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            run(&path);
            n += 1;
        }
    }
    assert!(n >= 6, "found only {n} vectors");
}
