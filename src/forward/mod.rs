//! Forwarders: deliver the ordered stream of events to the collectors operators
//! already run (RFC 5424 syslog over TCP or TLS, OTLP/HTTP, Kafka) or to a JSON
//! Lines file, with retry, a bounded and counted backlog, and a persisted cursor.
//!
//! A [`Forwarder`] owns one worker thread, which takes events in sequence
//! order from a bounded queue: the one [`Forwarder::offer`] fills, or, for a
//! forwarder attached to a logger, the logger's own subscription queue. A
//! producer never waits for it longer than the configured [`Overflow`] policy
//! allows. The worker connects, sends, waits for the target's acknowledgement
//! and retries with exponential backoff and jitter. Delivery is at least once:
//! after an outage everything not acknowledged is sent again, with the same
//! `(log id, seq)`, which every format carries as the de-duplication key.
//!
//! A forwarder is usually attached to a logger with
//! [`AuditLogger::attach_forwarder`](crate::core::AuditLogger::attach_forwarder),
//! which feeds it the logger's ordered stream, or with a journal the journal
//! itself (see [`attach`]); it can also be driven by hand as below.
//!
//! Events come either from the forwarder's own bounded backlog (filled by
//! `offer`), or, with [`Source::Replay`], from a journal read through the
//! [`Replay`] trait, resuming after the cursor (last acknowledged seq) kept in
//! a file.
//!
//! ```no_run
//! use std::time::Duration;
//! use audit_logger::core::{AuditLogger, NewEvent};
//! use audit_logger::forward::{Forwarder, ForwarderConfig, LogId, Source, SyslogConfig, Target};
//!
//! let log = AuditLogger::new(1000).unwrap();
//! let config = ForwarderConfig::new(Target::Syslog(SyslogConfig::new("127.0.0.1:6514")));
//! let forwarder = Forwarder::start(config, LogId::random(), Source::Backlog).unwrap();
//! let seq = log.log(&NewEvent { action: "user.login", ..NewEvent::default() }).unwrap();
//! forwarder.offer(&log.get(seq).unwrap());
//! let report = forwarder.close(Duration::from_secs(5));
//! assert_eq!(report.left, 0);
//! ```

pub mod attach;
mod backoff;
mod config;
mod cursor;
mod engine;
pub mod format;
mod journal_replay;
pub mod jsonl;
#[cfg(feature = "kafka")]
mod kafka;
mod logid;
#[cfg(feature = "otlp")]
pub mod otlp;
mod sink;
mod source;
mod syslog;
#[cfg(feature = "tls")]
mod tls;

pub use crate::core::Overflow;
pub(crate) use attach::Attachments;
pub use config::{
    ForwarderConfig, KafkaConfig, OtlpConfig, RetryPolicy, SyslogConfig, Target, TlsConfig,
};
pub use cursor::{read_cursor, write_cursor};
pub use engine::{CloseReport, Forwarder, ForwarderStats};
pub use format::Format;
pub use jsonl::JsonlConfig;
pub use logid::LogId;
pub use source::{Item, Replay, Source};
