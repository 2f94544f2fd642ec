//! `AuditConfig`: an opaque builder of logger settings, so that settings added
//! later never change a struct layout compiled into callers.

use std::ffi::c_char;
use std::time::Duration;

use super::boundary::{status, value};
use super::status::{AuditStatus, Failure, AUDIT_ERR_INVALID_ARGUMENT};
use super::strings::{arg_mut, path_arg, release_box};
use crate::journal::{Fsync, JournalConfig};

/// Logger settings as C sees them (`AuditConfig`): the core's, and a journal.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub(crate) core: crate::core::Config,
    pub(crate) journal: Option<JournalConfig>,
}

/// Fsync policy: events are written to the operating system but never
/// fsynced by the library (a process crash loses nothing written; a power
/// loss may lose what the OS had not written yet).
pub const AUDIT_FSYNC_NEVER: u32 = 1;
/// Fsync policy (the default): fsync once `batch_events` events wait or the
/// oldest has waited `batch_interval_ms`, whichever is first.
pub const AUDIT_FSYNC_BATCH: u32 = 2;
/// Fsync policy: `audit_log` returns only once the event is on disk;
/// producers logging at the same moment share one fsync (group commit).
pub const AUDIT_FSYNC_ALWAYS: u32 = 3;

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
    release_box(config)
}

/// Applies `set` to a live configuration's core settings.
unsafe fn set(config: *mut Config, set: impl FnOnce(&mut crate::core::Config)) -> AuditStatus {
    status(|| {
        set(&mut arg_mut(config, "config")?.core);
        Ok(())
    })
}

/// Applies `set` to a live configuration's journal settings, which
/// `audit_config_set_journal` must have made.
unsafe fn set_journal(
    config: *mut Config,
    set: impl FnOnce(&mut JournalConfig) -> Result<(), Failure>,
) -> AuditStatus {
    status(|| {
        let journal = arg_mut(config, "config")?.journal.as_mut().ok_or_else(|| {
            Failure::new(
                AUDIT_ERR_INVALID_ARGUMENT,
                "no journal is configured: call audit_config_set_journal first",
            )
        })?;
        set(journal)
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

/// Makes loggers from this configuration keep a durable, sealed journal in
/// the directory `dir` (made, mode 0700, if missing; copied), with the
/// default journal settings: fsync `AUDIT_FSYNC_BATCH` of 1,000 events or
/// 50 ms, a checkpoint every 10,000 events or 60 s, 64 MiB or one-day
/// segments, everything kept. NULL removes the journal. The directory also
/// holds the seal's key state (`seal.key`) and the trust anchor
/// (`anchor.pub`): copy the anchor out of band; `audit_journal_verify`
/// needs it. Opening an existing journal restores the newest `capacity`
/// events and continues the sequence (see `audit_logger_new_with_config`).
/// Errors: `AUDIT_ERR_NULL_ARGUMENT` (config).
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread;
/// `dir` is NULL or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_journal(
    config: *mut Config,
    dir: *const c_char,
) -> AuditStatus {
    status(|| {
        let config = arg_mut(config, "config")?;
        config.journal = if dir.is_null() {
            None
        } else {
            Some(JournalConfig::new(path_arg(dir, "dir")?))
        };
        Ok(())
    })
}

/// Sets the journal's fsync policy: `AUDIT_FSYNC_NEVER`, `AUDIT_FSYNC_BATCH`
/// (with `batch_events` > 0 and `batch_interval_ms`; producers wait while
/// `batch_events` events are not yet written, which bounds what a crash
/// loses) or `AUDIT_FSYNC_ALWAYS` (the two numbers are ignored).
/// `sync_critical` non-zero (the default) fsyncs a CRITICAL event at once
/// under any policy.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (no journal
/// set, an unknown policy, `batch_events` 0).
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_journal_fsync(
    config: *mut Config,
    policy: u32,
    batch_events: u32,
    batch_interval_ms: u32,
    sync_critical: i32,
) -> AuditStatus {
    set_journal(config, |j| {
        j.fsync = match policy {
            AUDIT_FSYNC_NEVER => Fsync::Never,
            AUDIT_FSYNC_ALWAYS => Fsync::Always,
            AUDIT_FSYNC_BATCH if batch_events > 0 => Fsync::Batch {
                events: batch_events as usize,
                interval: Duration::from_millis(u64::from(batch_interval_ms)),
            },
            AUDIT_FSYNC_BATCH => {
                return Err(Failure::new(
                    AUDIT_ERR_INVALID_ARGUMENT,
                    "batch_events must be greater than 0",
                ))
            }
            other => {
                return Err(Failure::new(
                    AUDIT_ERR_INVALID_ARGUMENT,
                    format!("fsync policy {other} is not 1 (never), 2 (batch) or 3 (always)"),
                ))
            }
        };
        j.sync_critical = sync_critical != 0;
        Ok(())
    })
}

/// Sets when the journal seals a checkpoint: after `events` events (> 0) or
/// `interval_ms` (> 0) after the previous one, also when idle, and always
/// when the logger is freed.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (no journal
/// set, a zero).
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_journal_epoch(
    config: *mut Config,
    events: u64,
    interval_ms: u32,
) -> AuditStatus {
    set_journal(config, |j| {
        if events == 0 || interval_ms == 0 {
            return Err(Failure::new(
                AUDIT_ERR_INVALID_ARGUMENT,
                "epoch events and interval_ms must be greater than 0",
            ));
        }
        j.epoch_events = events;
        j.epoch_interval = Duration::from_millis(u64::from(interval_ms));
        Ok(())
    })
}

/// Sets when the journal starts a new segment file: at `max_bytes` bytes or
/// `max_age_s` seconds (0: no limit of that kind). A segment ends at a
/// checkpoint.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (no journal set).
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_journal_segments(
    config: *mut Config,
    max_bytes: u64,
    max_age_s: u64,
) -> AuditStatus {
    set_journal(config, |j| {
        j.storage.max_segment_bytes = (max_bytes > 0).then_some(max_bytes);
        j.storage.max_segment_age = (max_age_s > 0).then(|| Duration::from_secs(max_age_s));
        Ok(())
    })
}

/// Sets retention: the oldest segments are deleted while the journal holds
/// more than `max_bytes` bytes or `max_segments` segments, or once they
/// ended more than `max_age_s` seconds ago (0: no limit of that kind; the
/// default keeps everything). Their checkpoints are kept in
/// `checkpoints.arch`, so what remains still verifies from the anchor.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_ARGUMENT` (no journal set).
///
/// # Safety
/// `config` is NULL or a live configuration not used by another thread.
#[no_mangle]
pub unsafe extern "C" fn audit_config_set_journal_retention(
    config: *mut Config,
    max_bytes: u64,
    max_segments: u64,
    max_age_s: u64,
) -> AuditStatus {
    set_journal(config, |j| {
        j.storage.retain_bytes = (max_bytes > 0).then_some(max_bytes);
        j.storage.retain_segments =
            (max_segments > 0).then(|| usize::try_from(max_segments).unwrap_or(usize::MAX));
        j.storage.retain_age = (max_age_s > 0).then(|| Duration::from_secs(max_age_s));
        Ok(())
    })
}
