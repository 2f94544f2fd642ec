//! Severity numbers and names, and the library version.

use std::ffi::{c_char, CStr};

use super::boundary::{status, value};
use super::status::AuditStatus;
use super::strings::{out, str_arg};
use crate::core::Severity;

/// Severity INFO: routine activity.
pub const AUDIT_SEVERITY_INFO: u32 = 10;
/// Severity WARNING: something worth a look.
pub const AUDIT_SEVERITY_WARNING: u32 = 20;
/// Severity ERROR: a failed or refused operation.
pub const AUDIT_SEVERITY_ERROR: u32 = 30;
/// Severity CRITICAL: needs immediate attention.
pub const AUDIT_SEVERITY_CRITICAL: u32 = 40;

/// The static upper-case name of `severity` ("INFO", "WARNING", "ERROR",
/// "CRITICAL"), or NULL (with the last error set) if it is not 10, 20, 30 or 40.
/// Never freed. Thread-safe.
#[no_mangle]
pub extern "C" fn audit_severity_name(severity: u32) -> *const c_char {
    value(std::ptr::null(), || {
        let name: &'static CStr = match Severity::from_value(severity)? {
            Severity::Info => c"INFO",
            Severity::Warning => c"WARNING",
            Severity::Error => c"ERROR",
            Severity::Critical => c"CRITICAL",
        };
        Ok(name.as_ptr())
    })
}

/// Writes to `*out_severity` the number of the severity called `name`, ignoring
/// ASCII case. Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`,
/// `AUDIT_ERR_INVALID_SEVERITY` for any other name (nothing is guessed).
///
/// # Safety
/// `name` is NULL or NUL-terminated; `out_severity` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_severity_from_name(
    name: *const c_char,
    out_severity: *mut u32,
) -> AuditStatus {
    status(|| {
        let name = str_arg(name, "name")?;
        let out_severity = out(out_severity, "out_severity")?;
        let severity = Severity::from_name(name)?;
        out_severity.set(severity.value());
        Ok(())
    })
}
