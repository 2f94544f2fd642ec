//! `AuditFilter`: an opaque query builder. A new filter matches everything; each
//! setter narrows it. New criteria arrive as new setters, never as layout changes.

use std::ffi::c_char;

use super::boundary::{status, value};
use super::status::AuditStatus;
use super::strings::{arg_mut, opt_str_arg};
use crate::core::{Filter, Severity};

/// A filter that matches every event. Owned: release with `audit_filter_free`.
/// NULL only if a panic was caught.
#[no_mangle]
pub extern "C" fn audit_filter_new() -> *mut Filter {
    value(std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(Filter::default())))
    })
}

/// Releases a filter. NULL is a no-op.
///
/// # Safety
/// `filter` is NULL or from `audit_filter_new` and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_free(filter: *mut Filter) {
    value((), || {
        if !filter.is_null() {
            drop(Box::from_raw(filter));
        }
        Ok(())
    })
}

macro_rules! string_setter {
    ($(#[$doc:meta])* $name:ident, $field:ident) => {
        $(#[$doc])*
        ///
        /// The string is copied. NULL removes the criterion; "" matches only
        /// events whose field is empty. Errors: `AUDIT_ERR_NULL_ARGUMENT` (filter),
        /// `AUDIT_ERR_INVALID_UTF8`; on error the filter is unchanged.
        ///
        /// # Safety
        /// `filter` is NULL or live and not used by another thread; `value` is NULL
        /// or NUL-terminated.
        #[no_mangle]
        pub unsafe extern "C" fn $name(filter: *mut Filter, value: *const c_char) -> AuditStatus {
            status(|| {
                let filter = arg_mut(filter, "filter")?;
                filter.$field = opt_str_arg(value, stringify!($field))?.map(str::to_owned);
                Ok(())
            })
        }
    };
}

string_setter!(
    /// Matches events whose actor equals `value` exactly.
    audit_filter_set_actor,
    actor
);
string_setter!(
    /// Matches events whose action equals `value` exactly.
    audit_filter_set_action,
    action
);
string_setter!(
    /// Matches events whose resource equals `value` exactly.
    audit_filter_set_resource,
    resource
);
string_setter!(
    /// Matches events whose outcome equals `value` exactly.
    audit_filter_set_outcome,
    outcome
);

macro_rules! severity_setter {
    ($(#[$doc:meta])* $name:ident, $field:ident) => {
        $(#[$doc])*
        ///
        /// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_SEVERITY` (not 10,
        /// 20, 30 or 40); on error the filter is unchanged.
        ///
        /// # Safety
        /// `filter` is NULL or live and not used by another thread.
        #[no_mangle]
        pub unsafe extern "C" fn $name(filter: *mut Filter, severity: u32) -> AuditStatus {
            status(|| {
                let filter = arg_mut(filter, "filter")?;
                filter.$field = Some(Severity::from_value(severity)?);
                Ok(())
            })
        }
    };
}

severity_setter!(
    /// Matches events with severity at least `severity`.
    audit_filter_set_min_severity,
    min_severity
);
severity_setter!(
    /// Matches events with severity at most `severity`.
    audit_filter_set_max_severity,
    max_severity
);

macro_rules! number_setter {
    ($(#[$doc:meta])* $name:ident, $field:ident, $ty:ty) => {
        $(#[$doc])*
        ///
        /// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
        ///
        /// # Safety
        /// `filter` is NULL or live and not used by another thread.
        #[no_mangle]
        pub unsafe extern "C" fn $name(filter: *mut Filter, value: $ty) -> AuditStatus {
            status(|| {
                arg_mut(filter, "filter")?.$field = Some(value);
                Ok(())
            })
        }
    };
}

number_setter!(
    /// Matches events with timestamp >= `micros` (microseconds since the Unix epoch).
    audit_filter_set_since,
    since,
    i64
);
number_setter!(
    /// Matches events with timestamp <= `micros` (microseconds since the Unix epoch).
    audit_filter_set_until,
    until,
    i64
);
number_setter!(
    /// Matches events with a sequence number greater than `value`: pass the last
    /// seq you have seen to resume; a gap between it and the first seq returned
    /// counts events evicted before you read them.
    audit_filter_set_after_seq,
    after_seq,
    u64
);
number_setter!(
    /// Keeps only the newest `value` matches (still returned oldest first);
    /// 0 keeps none.
    audit_filter_set_limit,
    limit,
    usize
);
