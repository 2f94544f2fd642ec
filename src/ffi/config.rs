//! `AuditConfig`: an opaque builder of logger settings, so that settings added
//! later never change a struct layout compiled into callers.

use super::boundary::{status, value};
use super::status::AuditStatus;
use super::strings::arg_mut;
use crate::core::Config;

/// A new configuration holding the defaults: capacity 5000, 8 KiB per string
/// field, 64 KiB and 32 levels of `details`, 1 GiB for the whole ring.
/// Owned: release with `audit_config_free`. NULL only if a panic was caught.
#[no_mangle]
pub extern "C" fn audit_config_new() -> *mut Config {
    value(std::ptr::null_mut(), || {
        Ok(Box::into_raw(Box::new(Config::default())))
    })
}

/// Releases a configuration. NULL is a no-op. Loggers made from it are unaffected.
///
/// # Safety
/// `config` is NULL or from `audit_config_new` and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn audit_config_free(config: *mut Config) {
    value((), || {
        if !config.is_null() {
            drop(Box::from_raw(config));
        }
        Ok(())
    })
}

/// Applies `set` to a live configuration.
unsafe fn set(config: *mut Config, set: impl FnOnce(&mut Config)) -> AuditStatus {
    status(|| {
        set(arg_mut(config, "config")?);
        Ok(())
    })
}

/// Sets the most events kept (> 0). Checked when a logger is made
/// (`AUDIT_ERR_INVALID_CAPACITY`). Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_capacity(
    config: *mut Config,
    value: usize,
) -> AuditStatus {
    set(config, |c| c.capacity = value)
}

/// Sets the most bytes in each of actor, action, resource and outcome (below
/// 512 MiB, checked when a logger is made). Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_max_field_bytes(
    config: *mut Config,
    value: usize,
) -> AuditStatus {
    set(config, |c| c.max_field_bytes = value)
}

/// Sets the most bytes of `details` as stored, in compact form (below 512 MiB,
/// checked when a logger is made). Text more than 8 times longer (plus 1 KiB)
/// is refused before it is parsed. Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_max_details_bytes(
    config: *mut Config,
    value: usize,
) -> AuditStatus {
    set(config, |c| c.max_details_bytes = value)
}

/// Sets the deepest nesting of `details`, the top object being level 1 (1 to
/// 128, checked when a logger is made). Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_max_details_depth(
    config: *mut Config,
    value: usize,
) -> AuditStatus {
    set(config, |c| c.max_details_depth = value)
}

/// Sets the most bytes held by the ring (> 0, checked when a logger is made);
/// older events are evicted to stay under it. Each event counts its text (the
/// four strings and details, each plus one byte) and a fixed overhead of about
/// 90 bytes. The newest event is always kept, even if it alone is over the
/// budget. Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_max_total_bytes(
    config: *mut Config,
    value: usize,
) -> AuditStatus {
    set(config, |c| c.max_total_bytes = value)
}

/// Sets the most bytes of a document `audit_import_json` and
/// `audit_import_json_file` accept (> 0, checked when a logger is made;
/// default 1 GiB). A longer document or file is refused with
/// `AUDIT_ERR_TOO_LARGE` before it is parsed or read. Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_max_document_bytes(
    config: *mut Config,
    value: usize,
) -> AuditStatus {
    set(config, |c| c.max_document_bytes = value)
}
