//! JSON text, one file per job: the injection-safe string escaper
//! ([`escape`]), the `details` validator and compactor ([`compact`]), and the
//! re-indenter that turns stored compact `details` into pretty output
//! ([`pretty`]).

mod compact;
mod escape;
mod pretty;

pub(crate) use compact::compact_details;
pub(crate) use escape::write_string;
pub(crate) use pretty::write_pretty;
