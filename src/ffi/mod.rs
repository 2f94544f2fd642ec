//! The C boundary: handles, status codes, the panic boundary and string
//! conversion. No audit logic lives here: each function converts and checks its
//! arguments, calls [`crate::core`], and converts the result.

pub mod boundary;
pub mod config;
pub mod event;
pub mod forward;
pub mod journal;
pub mod logger;
pub mod query;
pub mod severity;
pub mod status;
pub mod strings;
pub mod subscribers;
