//! audit-logger: an embeddable audit log with a stable C ABI.
//!
//! It records structured events (actor, action, resource, outcome, severity,
//! details, timestamp), keeps the newest N in a ring buffer, queries them, exports
//! and imports them as JSON, and calls subscribers in real time.
//!
//! [`core`] is the library in plain Rust; [`ffi`] is the C boundary over it, which
//! `include/audit_logger.h` describes. [`journal`] is the on-disk storage of a
//! durable log: locked directories of append-only, CRC-checked segment files.
//! [`seal`] makes a journal tamper-evident: RFC 9162 Merkle trees, checkpoints
//! signed with a forward-secure Ed25519 key chain, a verifier and offline proofs.
//! [`forward`] delivers events to syslog
//! (TCP/TLS), OTLP, Kafka and JSON Lines files, with retry and a persisted cursor.
//!
//! ```
//! use audit_logger::core::{AuditLogger, Filter, NewEvent, Severity};
//!
//! let log = AuditLogger::new(1000).unwrap();
//! let seq = log
//!     .log(&NewEvent {
//!         actor: "admin",
//!         action: "user.delete",
//!         resource: "user:42",
//!         outcome: "success",
//!         severity: Severity::Warning,
//!         details: Some(r#"{"reason":"GDPR request"}"#),
//!     })
//!     .unwrap();
//! let hits = log.query(&Filter { actor: Some("admin".into()), ..Filter::default() });
//! assert_eq!(hits[0].seq(), seq);
//! ```

#![warn(missing_docs)]

pub mod core;
pub mod ffi;
pub mod forward;
pub mod journal;
pub mod seal;
