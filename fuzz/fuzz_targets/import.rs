//! Import: any document is imported whole or refused whole, without panicking;
//! what was imported exports into a document that imports again.
#![no_main]

use audit_logger::core::{AuditLogger, Filter, NewEvent};
use libfuzzer_sys::fuzz_target;

/// Every event's content, without the sequence numbers an import renews.
fn fields(log: &AuditLogger) -> Vec<(String, String, String, String, u32, String, i64)> {
    log.query(&Filter::default())
        .iter()
        .map(|e| {
            let text = |s: &str| s.to_owned();
            (
                text(e.actor()),
                text(e.action()),
                text(e.resource()),
                text(e.outcome()),
                e.severity().value(),
                text(e.details()),
                e.timestamp(),
            )
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let log = AuditLogger::new(16).unwrap();
    log.log(&NewEvent { actor: "kept", ..NewEvent::default() }).unwrap();
    let before = log.export_json();
    match log.import_json(text) {
        Err(_) => assert_eq!(log.export_json(), before, "a refused import changed the log"),
        Ok(n) => {
            assert_eq!(log.appended(), 1 + n as u64);
            let copy = AuditLogger::new(16).unwrap();
            copy.import_json(&log.export_json()).expect("an export imports");
            assert_eq!(fields(&copy), fields(&log), "export and import keep every event");
        }
    }
});
