//! `AuditFilter`: an opaque query builder. A new filter matches everything; each
//! setter narrows it. New criteria arrive as new setters, never as layout changes.

use std::ffi::c_char;

use super::boundary::{status, value};
use super::status::{AuditStatus, Failure};
use super::strings::{arg_mut, opt_str_arg, release_box};
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
    release_box(filter)
}

/// Applies `set` to a live filter; the filter is unchanged on error.
unsafe fn set(
    filter: *mut Filter,
    set: impl FnOnce(&mut Filter) -> Result<(), Failure>,
) -> AuditStatus {
    status(|| set(arg_mut(filter, "filter")?))
}

/// A string criterion: NULL unsets it, anything else is copied.
unsafe fn text(value: *const c_char, name: &str) -> Result<Option<String>, Failure> {
    Ok(opt_str_arg(value, name)?.map(str::to_owned))
}

/// Matches events whose actor equals `actor` exactly. The string is copied. NULL
/// removes the criterion; "" matches only events whose actor is empty.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (filter), `AUDIT_ERR_INVALID_UTF8`; on error
/// the filter is unchanged.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread; `actor` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_actor(
    filter: *mut Filter,
    actor: *const c_char,
) -> AuditStatus {
    set(filter, |f| {
        f.actor = text(actor, "actor")?;
        Ok(())
    })
}

/// Matches events whose action equals `action` exactly. The string is copied. NULL
/// removes the criterion; "" matches only events whose action is empty.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (filter), `AUDIT_ERR_INVALID_UTF8`; on error
/// the filter is unchanged.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread; `action` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_action(
    filter: *mut Filter,
    action: *const c_char,
) -> AuditStatus {
    set(filter, |f| {
        f.action = text(action, "action")?;
        Ok(())
    })
}

/// Matches events whose resource equals `resource` exactly. The string is copied. NULL
/// removes the criterion; "" matches only events whose resource is empty.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (filter), `AUDIT_ERR_INVALID_UTF8`; on error
/// the filter is unchanged.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread; `resource` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_resource(
    filter: *mut Filter,
    resource: *const c_char,
) -> AuditStatus {
    set(filter, |f| {
        f.resource = text(resource, "resource")?;
        Ok(())
    })
}

/// Matches events whose outcome equals `outcome` exactly. The string is copied. NULL
/// removes the criterion; "" matches only events whose outcome is empty.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (filter), `AUDIT_ERR_INVALID_UTF8`; on error
/// the filter is unchanged.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread; `outcome` is NULL or
/// NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_outcome(
    filter: *mut Filter,
    outcome: *const c_char,
) -> AuditStatus {
    set(filter, |f| {
        f.outcome = text(outcome, "outcome")?;
        Ok(())
    })
}

/// Matches events with severity at least `severity`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_SEVERITY` (not 10, 20, 30
/// or 40); on error the filter is unchanged.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_min_severity(
    filter: *mut Filter,
    severity: u32,
) -> AuditStatus {
    set(filter, |f| {
        f.min_severity = Some(Severity::from_value(severity)?);
        Ok(())
    })
}

/// Matches events with severity at most `severity`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_SEVERITY` (not 10, 20, 30
/// or 40); on error the filter is unchanged.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_max_severity(
    filter: *mut Filter,
    severity: u32,
) -> AuditStatus {
    set(filter, |f| {
        f.max_severity = Some(Severity::from_value(severity)?);
        Ok(())
    })
}

/// Matches events with timestamp >= `micros` (microseconds since the Unix epoch, UTC).
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_since(filter: *mut Filter, micros: i64) -> AuditStatus {
    set(filter, |f| {
        f.since = Some(micros);
        Ok(())
    })
}

/// Matches events with timestamp <= `micros` (microseconds since the Unix epoch, UTC).
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_until(filter: *mut Filter, micros: i64) -> AuditStatus {
    set(filter, |f| {
        f.until = Some(micros);
        Ok(())
    })
}

/// Matches events with a sequence number greater than `seq`: pass the last seq
/// you have read to resume; a gap between it and the first seq returned counts
/// the events evicted before you read them.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_after_seq(filter: *mut Filter, seq: u64) -> AuditStatus {
    set(filter, |f| {
        f.after_seq = Some(seq);
        Ok(())
    })
}

/// Keeps only the newest `n` matches (still returned oldest first); 0 keeps none.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `filter` is NULL or live and not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_filter_set_limit(filter: *mut Filter, n: usize) -> AuditStatus {
    set(filter, |f| {
        f.limit = Some(n);
        Ok(())
    })
}
