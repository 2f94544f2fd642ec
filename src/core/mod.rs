//! The audit log itself, in plain Rust with no FFI: events, severities, the ring,
//! queries, the JSON document format and subscribers.

mod config;
mod error;
mod event;
mod export;
mod file;
pub(crate) use file::write_atomic;
#[cfg(not(feature = "shuttle"))]
mod fork;
mod json;
mod logger;
mod query;
pub(crate) mod queue;
mod ring;
mod severity;
mod sink;
pub(crate) mod stream;
mod subscribers;
pub(crate) mod sync;
pub(crate) mod text;
mod timestamp;

pub use config::Config;
pub use error::{Error, ErrorKind, Result};
pub use event::{Event, NewEvent};
pub use export::{parse_document, parse_line, write_compact, write_document};
pub use logger::AuditLogger;
pub use query::Filter;
pub use queue::{Delivery, Overflow};
pub use severity::Severity;
pub(crate) use sink::Sink;
pub use subscribers::{Callback, SubscriptionStats, MAX_NESTED_LOG_DEPTH};
pub(crate) use timestamp::write_timestamp;
pub use timestamp::{format_micros, now_micros, parse_micros};
