//! `details` validation: any text is accepted or refused without panicking;
//! nothing is recorded when it is refused; what is stored is canonical (logging
//! it again stores the same text) and survives export and import.
#![no_main]

use audit_logger::core::{AuditLogger, NewEvent};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let log = AuditLogger::new(4).unwrap();
    match log.log(&NewEvent { details: Some(text), ..NewEvent::default() }) {
        Err(_) => assert_eq!(log.appended(), 0, "a refused event was recorded"),
        Ok(seq) => {
            let stored = log.get(seq).unwrap().details().to_owned();
            let again = log
                .log(&NewEvent { details: Some(&stored), ..NewEvent::default() })
                .expect("stored details are accepted again");
            assert_eq!(log.get(again).unwrap().details(), stored, "compaction is idempotent");
            let copy = AuditLogger::new(4).unwrap();
            copy.import_json(&log.export_json()).expect("an export imports");
            assert_eq!(copy.get(1).unwrap().details(), stored, "export and import keep details");
        }
    }
});
