//! Status codes and the failure type every C entry point reports through.

use std::ffi::{c_char, CStr};

use crate::core::{Error, ErrorKind};

/// A status code: `AUDIT_OK` (0) or one of the `AUDIT_ERR_*` values. The values
/// are fixed and never reused; new codes may be added, so treat unknown non-zero
/// values as failures.
pub type AuditStatus = u32;

/// Success.
pub const AUDIT_OK: AuditStatus = 0;
/// A required pointer argument was NULL.
pub const AUDIT_ERR_NULL_ARGUMENT: AuditStatus = 1;
/// A string argument was not valid UTF-8.
pub const AUDIT_ERR_INVALID_UTF8: AuditStatus = 2;
/// A severity was not 10, 20, 30 or 40 (or a name was not INFO, WARNING, ERROR, CRITICAL).
pub const AUDIT_ERR_INVALID_SEVERITY: AuditStatus = 3;
/// `details` was not a JSON object, was malformed, had a duplicate key or nested too deep.
pub const AUDIT_ERR_INVALID_DETAILS: AuditStatus = 4;
/// A capacity of 0, or another configuration value out of range.
pub const AUDIT_ERR_INVALID_CAPACITY: AuditStatus = 5;
/// An argument was unusable in another way (for example a string containing NUL).
pub const AUDIT_ERR_INVALID_ARGUMENT: AuditStatus = 6;
/// A field, `details` or a document exceeded a configured limit.
pub const AUDIT_ERR_TOO_LARGE: AuditStatus = 7;
/// An imported document was malformed or did not describe audit events.
pub const AUDIT_ERR_INVALID_DOCUMENT: AuditStatus = 8;
/// Reading or writing a file failed; the message names the path and the OS error.
pub const AUDIT_ERR_IO: AuditStatus = 9;
/// No subscription with that id, or no event with that seq.
pub const AUDIT_ERR_NOT_FOUND: AuditStatus = 10;
/// A bug inside the library was caught at the boundary; the logger is still usable.
pub const AUDIT_ERR_PANIC: AuditStatus = 11;
/// A wait (for example `audit_flush`) ended before its condition was met.
pub const AUDIT_ERR_TIMEOUT: AuditStatus = 12;
/// `audit_log` called from inside subscriber callbacks nested more than 16
/// levels deep (each level costs stack); nothing was recorded.
pub const AUDIT_ERR_TOO_DEEP: AuditStatus = 13;

const MESSAGES: [&CStr; 14] = [
    c"ok",
    c"a required pointer argument was NULL",
    c"a string argument was not valid UTF-8",
    c"invalid severity",
    c"invalid details JSON",
    c"invalid capacity or configuration",
    c"invalid argument",
    c"input exceeds a configured limit",
    c"invalid audit document",
    c"I/O error",
    c"not found",
    c"internal error (panic caught at the C boundary)",
    c"timed out",
    c"nested too deep",
];

/// A failure on its way to C: a status code and the detail for
/// `audit_last_error_message`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: AuditStatus,
    pub(crate) message: String,
    /// The OS error number behind an I/O failure, else 0.
    pub(crate) errno: i32,
}

impl Failure {
    pub(crate) fn new(code: AuditStatus, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            errno: 0,
        }
    }

    pub(crate) fn null(name: &str) -> Failure {
        Failure::new(AUDIT_ERR_NULL_ARGUMENT, format!("{name} is NULL"))
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        let code = match e.kind() {
            ErrorKind::InvalidCapacity => AUDIT_ERR_INVALID_CAPACITY,
            ErrorKind::InvalidSeverity => AUDIT_ERR_INVALID_SEVERITY,
            ErrorKind::InvalidDetails => AUDIT_ERR_INVALID_DETAILS,
            ErrorKind::InvalidArgument => AUDIT_ERR_INVALID_ARGUMENT,
            ErrorKind::TooLarge => AUDIT_ERR_TOO_LARGE,
            ErrorKind::InvalidDocument => AUDIT_ERR_INVALID_DOCUMENT,
            ErrorKind::Io => AUDIT_ERR_IO,
            ErrorKind::NotFound => AUDIT_ERR_NOT_FOUND,
            ErrorKind::InvalidUtf8 => AUDIT_ERR_INVALID_UTF8,
            ErrorKind::TooDeep => AUDIT_ERR_TOO_DEEP,
            ErrorKind::Timeout => AUDIT_ERR_TIMEOUT,
        };
        Failure {
            errno: e.os_error().unwrap_or(0),
            ..Failure::new(code, e.message())
        }
    }
}

/// A static, NUL-terminated description of `status`; never NULL, never freed.
/// Unknown codes give "unknown status". Thread-safe.
#[no_mangle]
pub extern "C" fn audit_status_str(status: AuditStatus) -> *const c_char {
    MESSAGES
        .get(status as usize)
        .copied()
        .unwrap_or(c"unknown status")
        .as_ptr()
}

/// The library version, "MAJOR.MINOR.PATCH", equal to the
/// `AUDIT_LOGGER_VERSION_*` macros of the header it was built with. Static.
#[no_mangle]
pub extern "C" fn audit_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("the version has no NUL"),
        };
    VERSION.as_ptr()
}
