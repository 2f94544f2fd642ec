//! The typical event of every benchmark, as bench/c/bench_capi.c logs it:
//! number `n` has actor `user<n % 100>`, action `user.delete`, resource
//! `user:<n>`, outcome `success`, severity warning and details
//! `{"reason":"GDPR request","i":<n>}`, formatted per event into reused
//! buffers, as `snprintf` into stack buffers does in the C benchmark.

use audit_logger::core::{AuditLogger, NewEvent, Severity};

/// Formats the typical event number `n` into `buf` and logs it.
pub fn log_typical(log: &AuditLogger, n: u64, buf: &mut Typical) -> u64 {
    buf.fill(n);
    log.log(&buf.event()).expect("the typical event is valid")
}

/// Reusable buffers for the typical event's variable fields.
#[derive(Default)]
pub struct Typical {
    actor: String,
    resource: String,
    details: String,
}

impl Typical {
    /// Formats the fields of event number `n`.
    pub fn fill(&mut self, n: u64) {
        use std::fmt::Write;
        self.actor.clear();
        self.resource.clear();
        self.details.clear();
        let _ = write!(self.actor, "user{}", n % 100);
        let _ = write!(self.resource, "user:{n}");
        let _ = write!(self.details, r#"{{"reason":"GDPR request","i":{n}}}"#);
    }

    /// The event as last filled.
    pub fn event(&self) -> NewEvent<'_> {
        NewEvent {
            actor: &self.actor,
            action: "user.delete",
            resource: &self.resource,
            outcome: "success",
            severity: Severity::Warning,
            details: Some(&self.details),
        }
    }
}
