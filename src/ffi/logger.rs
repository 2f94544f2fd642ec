//! The logger handle: create, free, log, query, export, import, counters.

use std::ffi::c_char;
use std::sync::Arc;

use super::boundary::{status, value};
use super::config::Config;
use super::event::AuditEventList;
use super::status::{AuditStatus, Failure};
use super::strings::{arg, opt_out, opt_str_arg, out, owned, path_arg, release, str_arg};
use crate::core::{write_document, AuditLogger, Filter, NewEvent, Severity};

/// Makes a logger keeping the newest `capacity` events (other settings default)
/// and writes it to `*out_logger`. Release it with `audit_logger_free`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_CAPACITY` (capacity 0).
///
/// # Safety
/// `out_logger` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_new(
    capacity: usize,
    out_logger: *mut *mut AuditLogger,
) -> AuditStatus {
    status(|| {
        let out_logger = out(out_logger, "out_logger")?;
        out_logger.set(into_handle(AuditLogger::new(capacity)?));
        Ok(())
    })
}

/// Makes a logger from `config` (copied; free it whenever you like).
///
/// With a journal (`audit_config_set_journal`), the directory is opened
/// first: one writer per directory (a second open fails with `AUDIT_ERR_IO`,
/// "locked"); the newest `capacity` events are restored and the sequence
/// continues; a torn tail left by a crash is cut off and recorded as a
/// WARNING event `journal.recovered` (with the bytes dropped); damage in the
/// middle of the journal is refused (`AUDIT_ERR_IO`, nothing changed:
/// examine it with `audit_journal_verify`). While the journal cannot write
/// (a full disk), `audit_log` fails with `AUDIT_ERR_IO` and records nothing;
/// freeing the logger writes what is queued and seals a final checkpoint.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_CAPACITY` for a value
/// out of range (the message names it), `AUDIT_ERR_IO` (the journal).
///
/// # Safety
/// `config` is NULL or live; `out_logger` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_new_with_config(
    config: *const Config,
    out_logger: *mut *mut AuditLogger,
) -> AuditStatus {
    status(|| {
        let config = arg(config, "config")?.clone();
        let out_logger = out(out_logger, "out_logger")?;
        let logger = match config.journal {
            None => AuditLogger::with_config(config.core)?,
            Some(journal) => crate::journal::open_logger(config.core, journal)?,
        };
        out_logger.set(into_handle(logger));
        Ok(())
    })
}

/// A logger handle: the logger in a reference-counted box. The caller holds
/// one reference; each queued subscription holds another until its delivery
/// thread ends, so a callback running while the logger is freed can still use it.
fn into_handle(logger: AuditLogger) -> *mut AuditLogger {
    Arc::into_raw(Arc::new(logger)).cast_mut()
}

/// Another reference to a live handle, for a queued subscription to hold.
///
/// # Safety
/// `logger` is a live handle from [`into_handle`].
pub(crate) unsafe fn share_handle(logger: *const AuditLogger) -> Arc<AuditLogger> {
    Arc::increment_strong_count(logger);
    Arc::from_raw(logger)
}

/// Releases a logger and its events. Every subscription ends: each `free_ctx`
/// runs once, on this thread, except for a queued subscription whose callback
/// is running at that moment: its `free_ctx` runs on its delivery thread once
/// the call returns. Events still queued are discarded; call `audit_flush`
/// first to deliver them. This never waits for a delivery thread: a queued
/// callback that is running keeps the logger's memory alive until it returns,
/// so it may still call functions on this logger (they work; no subscriber
/// sees what it logs), and a queued callback may free its own logger. NULL is
/// a no-op. No other thread may be using the logger, and it must not be called
/// from a synchronous callback of the same logger.
///
/// # Safety
/// `logger` is NULL or from `audit_logger_new*` and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_free(logger: *mut AuditLogger) {
    release(logger, |logger| {
        let logger = Arc::from_raw(logger.cast_const());
        logger.close();
        drop(logger);
    })
}

/// Records an event and writes its sequence number to `*out_seq` (if not NULL).
///
/// `actor`, `action`, `resource`, `outcome`: UTF-8, required (pass "" for empty).
/// `severity`: 10, 20, 30 or 40 (`AUDIT_SEVERITY_*`). `details_json`: a JSON
/// object as text, or NULL for `{}`; duplicate keys are rejected, key order is
/// kept. The strings are copied: the caller may reuse its buffers at once.
///
/// Synchronous subscribers run before this returns, on this thread, after the
/// event is stored and with no lock held.
///
/// Errors (nothing is recorded): `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8`,
/// `AUDIT_ERR_INVALID_SEVERITY`, `AUDIT_ERR_INVALID_DETAILS`, `AUDIT_ERR_TOO_LARGE`.
/// Thread-safe.
///
/// # Safety
/// `logger` is NULL or live; strings are NULL or NUL-terminated; `out_seq` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_log(
    logger: *mut AuditLogger,
    actor: *const c_char,
    action: *const c_char,
    resource: *const c_char,
    outcome: *const c_char,
    severity: u32,
    details_json: *const c_char,
    out_seq: *mut u64,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let event = AuditNewEvent {
            actor,
            action,
            resource,
            outcome,
            severity,
            details_json,
        };
        let seq = logger.log(&event.as_new()?)?;
        if let Some(out_seq) = opt_out(out_seq) {
            out_seq.set(seq);
        }
        Ok(())
    })
}

/// One event for `audit_log_batch`: the arguments of `audit_log`, with the
/// same rules.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct AuditNewEvent {
    /// UTF-8, required ("" for empty).
    pub actor: *const c_char,
    /// UTF-8, required.
    pub action: *const c_char,
    /// UTF-8, required.
    pub resource: *const c_char,
    /// UTF-8, required.
    pub outcome: *const c_char,
    /// 10, 20, 30 or 40 (`AUDIT_SEVERITY_*`).
    pub severity: u32,
    /// A JSON object as text, or NULL for `{}`.
    pub details_json: *const c_char,
}

impl AuditNewEvent {
    /// The event as the core takes it, borrowing the caller's strings.
    ///
    /// # Safety
    /// The strings are NULL or NUL-terminated and live for `'a`.
    unsafe fn as_new<'a>(&self) -> Result<NewEvent<'a>, Failure> {
        Ok(NewEvent {
            actor: str_arg(self.actor, "actor")?,
            action: str_arg(self.action, "action")?,
            resource: str_arg(self.resource, "resource")?,
            outcome: str_arg(self.outcome, "outcome")?,
            severity: Severity::from_value(self.severity)?,
            details: opt_str_arg(self.details_json, "details_json")?,
        })
    }
}

/// Records the `count` events of the array `events` in one call and writes
/// the sequence number of the first to `*out_first_seq` (if not NULL): the
/// events get consecutive sequence numbers, first to first + count - 1, in
/// array order, and one timestamp. Cheaper than `count` calls of `audit_log`:
/// one lock, one clock reading.
///
/// All or nothing: every event is checked before any is recorded, and one
/// invalid event fails the call with the error `audit_log` would give for it,
/// its message starting with `event <index>: `; nothing is recorded. No other
/// event, from any thread, comes between the events of a batch, for queries
/// and for every subscriber and the journal. `count` 0 records nothing and
/// writes 0. Subscribers run as for `audit_log`, once per event, in order.
/// A queued subscriber with the `BLOCK` policy waits for room for the batch
/// up to its capacity; events of the batch beyond that which find no room are
/// dropped (and counted). A failing journal refuses the whole batch, as
/// `audit_log` refuses an event.
///
/// Errors: those of `audit_log`; `AUDIT_ERR_NULL_ARGUMENT` also for `events`
/// NULL with `count` > 0. Thread-safe.
///
/// # Safety
/// `logger` is NULL or live; `events` is NULL or points to `count` readable
/// structs whose strings are NULL or NUL-terminated; `out_first_seq` is NULL
/// or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_log_batch(
    logger: *mut AuditLogger,
    events: *const AuditNewEvent,
    count: usize,
    out_first_seq: *mut u64,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let events = match count {
            0 => &[][..],
            _ => std::slice::from_raw_parts(arg(events, "events")?, count),
        };
        let mut batch = Vec::with_capacity(count);
        for (i, e) in events.iter().enumerate() {
            batch.push(e.as_new().map_err(|f| Failure {
                message: format!("event {i}: {}", f.message),
                ..f
            })?);
        }
        let first = logger.log_batch(&batch)?;
        if let Some(out_first_seq) = opt_out(out_first_seq) {
            out_first_seq.set(first);
        }
        Ok(())
    })
}

unsafe fn filter_or_all(filter: *const Filter, all: &Filter) -> &Filter {
    filter.as_ref().unwrap_or(all)
}

/// Runs `filter` (NULL matches everything) and writes the matching events, oldest
/// first, to `*out_list`; release it with `audit_event_list_free`. The list is a
/// snapshot: later logging does not change it.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `logger` and `filter` are NULL or live; `out_list` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_query(
    logger: *const AuditLogger,
    filter: *const Filter,
    out_list: *mut *mut AuditEventList,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_list = out(out_list, "out_list")?;
        let events = logger.query(filter_or_all(filter, &Filter::default()));
        out_list.set(Box::into_raw(Box::new(AuditEventList(events))));
        Ok(())
    })
}

/// Like `audit_query`, but writes the result as a JSON document in the export
/// format to `*out_json`; release it with `audit_string_free`.
///
/// # Safety
/// As `audit_query`.
#[no_mangle]
pub unsafe extern "C" fn audit_query_json(
    logger: *const AuditLogger,
    filter: *const Filter,
    out_json: *mut *mut c_char,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_json = out(out_json, "out_json")?;
        let events = logger.query(filter_or_all(filter, &Filter::default()));
        let mut doc = Vec::with_capacity(events.len() * 320 + 2);
        write_document(&mut doc, &events);
        out_json.set(owned(doc));
        Ok(())
    })
}

/// Writes to `*out_list` a list holding the one event with sequence number `seq`
/// (for example the seq `audit_log` returned). O(1). Release it with
/// `audit_event_list_free`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_NOT_FOUND` (evicted, or not yet
/// logged). Thread-safe.
///
/// # Safety
/// `logger` is NULL or live; `out_list` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_get(
    logger: *const AuditLogger,
    seq: u64,
    out_list: *mut *mut AuditEventList,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_list = out(out_list, "out_list")?;
        let event = logger.get(seq).ok_or_else(|| {
            Failure::new(
                super::status::AUDIT_ERR_NOT_FOUND,
                format!("no event with seq {seq} is held (evicted, or not logged yet)"),
            )
        })?;
        out_list.set(Box::into_raw(Box::new(AuditEventList(vec![event]))));
        Ok(())
    })
}

/// Writes the newest `n` events, oldest first, to `*out_list` (`n` = 0 gives an
/// empty list). Release it with `audit_event_list_free`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`. Thread-safe.
///
/// # Safety
/// `logger` is NULL or live; `out_list` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_recent(
    logger: *const AuditLogger,
    n: usize,
    out_list: *mut *mut AuditEventList,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let out_list = out(out_list, "out_list")?;
        let events = logger.recent(n);
        out_list.set(Box::into_raw(Box::new(AuditEventList(events))));
        Ok(())
    })
}

/// Exports every stored event as a pretty-printed (2-space) JSON array: keys
/// actor, action, resource, outcome, severity (name), details, timestamp
/// (RFC 3339 UTC with microseconds) and seq; non-ASCII as UTF-8; control and
/// line-separator characters escaped.
///
/// If `path` is not NULL the document is written there atomically (temporary
/// file, fsync, rename): on failure the previous file is intact. If `out_json`
/// is not NULL the document is also written to `*out_json` (free with
/// `audit_string_free`). At least one of them must be given.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_IO` (message names path and OS
/// error). Thread-safe.
///
/// # Safety
/// `logger` is NULL or live; `path` is NULL or NUL-terminated; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_export_json(
    logger: *const AuditLogger,
    path: *const c_char,
    out_json: *mut *mut c_char,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        if path.is_null() && out_json.is_null() {
            return Err(Failure::null("both path and out_json"));
        }
        let doc = if path.is_null() {
            logger.export_json()
        } else {
            logger.export_json_to(path_arg(path, "path")?)?
        };
        if let Some(out_json) = opt_out(out_json) {
            out_json.set(owned(doc));
        }
        Ok(())
    })
}

/// Appends the events of a JSON document in the export format (the reference
/// implementation's exports are accepted too; zone-less timestamps are UTC).
/// Each object needs exactly the keys actor, action, resource, outcome,
/// severity (a name), details (an object) and timestamp (RFC 3339), and may
/// have seq (ignored); any other key is an error.
/// Events keep their timestamps and get new sequence numbers; they are not
/// passed to subscribers. All or nothing: on any error the logger is unchanged.
/// Writes the number imported to `*out_count` if not NULL.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`, `AUDIT_ERR_INVALID_UTF8` (message names
/// the byte), `AUDIT_ERR_INVALID_DOCUMENT` (message names the event index),
/// `AUDIT_ERR_TOO_LARGE` (a field, or the document over `max_document_bytes`).
///
/// # Safety
/// `logger` is NULL or live; `json` is NULL or NUL-terminated; `out_count` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_import_json(
    logger: *mut AuditLogger,
    json: *const c_char,
    out_count: *mut usize,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let json = arg(json, "json").map(|_| std::ffi::CStr::from_ptr(json))?;
        let n = logger.import_json_bytes(json.to_bytes())?;
        if let Some(out_count) = opt_out(out_count) {
            out_count.set(n);
        }
        Ok(())
    })
}

/// Like `audit_import_json`, reading the document from the file at `path`:
/// the same document gives the same result and the same message either way.
/// Only a regular file is read (a pipe, device or directory is refused without
/// reading), and one longer than `max_document_bytes` (default 1 GiB) is
/// refused with `AUDIT_ERR_TOO_LARGE` before it is read.
/// Errors also include `AUDIT_ERR_IO` (`audit_last_error_errno` gives the OS error).
///
/// # Safety
/// As `audit_import_json`.
#[no_mangle]
pub unsafe extern "C" fn audit_import_json_file(
    logger: *mut AuditLogger,
    path: *const c_char,
    out_count: *mut usize,
) -> AuditStatus {
    status(|| {
        let logger = arg(logger, "logger")?;
        let n = logger.import_json_file(path_arg(path, "path")?)?;
        if let Some(out_count) = opt_out(out_count) {
            out_count.set(n);
        }
        Ok(())
    })
}

/// Reads a counter of a live logger; 0 (with the last error set) for NULL.
unsafe fn counter(logger: *const AuditLogger, read: impl FnOnce(&AuditLogger) -> u64) -> u64 {
    value(0, || Ok(read(arg(logger, "logger")?)))
}

/// Events held now (at most the capacity). 0 if `logger` is NULL. Thread-safe.
///
/// # Safety
/// `logger` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_count(logger: *const AuditLogger) -> u64 {
    counter(logger, |l| l.count() as u64)
}

/// The most events the logger holds. 0 if `logger` is NULL. Thread-safe.
///
/// # Safety
/// `logger` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_capacity(logger: *const AuditLogger) -> u64 {
    counter(logger, |l| l.capacity() as u64)
}

/// Events evicted so far (oldest first) to respect the capacity or the byte
/// budget. 0 if `logger` is NULL. Thread-safe.
///
/// # Safety
/// `logger` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_evicted(logger: *const AuditLogger) -> u64 {
    counter(logger, AuditLogger::evicted)
}

/// Events ever stored, logged or imported: always count + evicted. It is also
/// the sequence number of the newest event (0 if none, or if `logger` is NULL).
/// Thread-safe.
///
/// # Safety
/// `logger` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_logger_appended(logger: *const AuditLogger) -> u64 {
    counter(logger, AuditLogger::appended)
}
