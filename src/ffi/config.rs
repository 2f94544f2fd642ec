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

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident, $field:ident) => {
        $(#[$doc])*
        ///
        /// Values are checked when a logger is made (`AUDIT_ERR_INVALID_CAPACITY`).
        /// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
        ///
        /// # Safety
        /// `config` is NULL or a live configuration not used by another thread.
        #[no_mangle]
        pub unsafe extern "C" fn $name(config: *mut Config, value: usize) -> AuditStatus {
            status(|| {
                arg_mut(config, "config")?.$field = value;
                Ok(())
            })
        }
    };
}

setter!(
    /// Sets the most events kept (> 0).
    audit_config_set_capacity,
    capacity
);
setter!(
    /// Sets the most bytes in each of actor, action, resource and outcome.
    audit_config_set_max_field_bytes,
    max_field_bytes
);
setter!(
    /// Sets the most bytes of `details` JSON text.
    audit_config_set_max_details_bytes,
    max_details_bytes
);
setter!(
    /// Sets the deepest nesting of `details` (1 to 128; the top object is level 1).
    audit_config_set_max_details_depth,
    max_details_depth
);
setter!(
    /// Sets the most bytes held by the ring; older events are evicted to stay under it.
    audit_config_set_max_total_bytes,
    max_total_bytes
);
