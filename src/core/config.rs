//! Logger configuration: capacity and the limits that keep hostile input bounded.

use super::error::{Error, ErrorKind, Result};

/// Logger settings: how many events and bytes it keeps, and the size limits on
/// what it accepts. Start from the defaults and change what you need; the values
/// are checked when a logger is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Most events kept; the oldest is evicted first. Default 5000; must be > 0.
    pub capacity: usize,
    /// Most bytes (UTF-8) in each of actor, action, resource and outcome. Default 8 KiB.
    pub max_field_bytes: usize,
    /// Most bytes of `details` as stored (compact JSON). Default 64 KiB.
    pub max_details_bytes: usize,
    /// Deepest nesting of arrays and objects in `details`, the top object
    /// counting as 1. Default 32; at most 128.
    pub max_details_depth: usize,
    /// Most bytes held by the ring in total; older events are evicted to stay
    /// under it, as they are for `capacity`. Default 1 GiB.
    pub max_total_bytes: usize,
    /// Most bytes of a document [`import_json`](super::AuditLogger::import_json)
    /// and its file and bytes variants accept. Default 1 GiB.
    pub max_document_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            capacity: 5000,
            max_field_bytes: 8 << 10,
            max_details_bytes: 64 << 10,
            max_details_depth: 32,
            max_total_bytes: 1 << 30,
            max_document_bytes: 1 << 30,
        }
    }
}

impl Config {
    /// The default configuration with `capacity`.
    pub fn with_capacity(capacity: usize) -> Self {
        Config {
            capacity,
            ..Config::default()
        }
    }

    /// Checks every value is in range.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: &str| Err(Error::new(ErrorKind::InvalidCapacity, what.to_string()));
        if self.capacity == 0 {
            return bad("capacity must be greater than 0");
        }
        if self.max_details_depth == 0 || self.max_details_depth > 128 {
            return bad("max_details_depth must be between 1 and 128");
        }
        const LIMIT: usize = u32::MAX as usize / 8;
        if self.max_field_bytes > LIMIT {
            return bad(&format!(
                "max_field_bytes is {}; it must be below 512 MiB",
                self.max_field_bytes
            ));
        }
        if self.max_details_bytes > LIMIT {
            return bad(&format!(
                "max_details_bytes is {}; it must be below 512 MiB",
                self.max_details_bytes
            ));
        }
        if self.max_total_bytes == 0 {
            return bad("max_total_bytes must be greater than 0");
        }
        if self.max_document_bytes == 0 {
            return bad("max_document_bytes must be greater than 0");
        }
        Ok(())
    }
}
