//! Events as C sees them: opaque `AuditEvent` with accessors, and `AuditEventList`.

use std::ffi::c_char;

use super::boundary::{status, value};
use super::status::AuditStatus;
use super::strings::{arg, out, owned, release_box};
use crate::core::{write_compact, Event};

/// The result of a query: events, oldest first, owned by the list.
pub struct AuditEventList(pub(crate) Vec<Event>);

/// Number of events in `list` (0 if NULL).
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_list_len(list: *const AuditEventList) -> usize {
    value(0, || Ok(arg(list, "list")?.0.len()))
}

/// The event at `index` (0 is the oldest), or NULL if `list` is NULL or `index`
/// is out of range. Borrowed: valid until the list is freed.
///
/// # Safety
/// `list` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_list_get(
    list: *const AuditEventList,
    index: usize,
) -> *const Event {
    value(std::ptr::null(), || {
        Ok(arg(list, "list")?
            .0
            .get(index)
            .map_or(std::ptr::null(), |e| e as *const Event))
    })
}

/// Releases a list and its events. NULL is a no-op.
///
/// # Safety
/// `list` is NULL or from this library and not yet freed; its events are not used afterwards.
#[no_mangle]
pub unsafe extern "C" fn audit_event_list_free(list: *mut AuditEventList) {
    release_box(list)
}

/// The event's sequence number (from 1, strictly increasing per logger; 0 if `event` is NULL).
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_seq(event: *const Event) -> u64 {
    value(0, || Ok(arg(event, "event")?.seq()))
}

/// The event's time in microseconds since the Unix epoch, UTC (0 if `event` is NULL).
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_timestamp(event: *const Event) -> i64 {
    value(0, || Ok(arg(event, "event")?.timestamp()))
}

/// The event's severity: 10, 20, 30 or 40 (0 if `event` is NULL).
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_severity(event: *const Event) -> u32 {
    value(0, || Ok(arg(event, "event")?.severity().value()))
}

/// Field `index` of a live event as a borrowed C string; NULL for a NULL event.
unsafe fn field(event: *const Event, index: usize) -> *const c_char {
    value(std::ptr::null(), || {
        Ok(arg(event, "event")?.field_with_nul(index).as_ptr().cast())
    })
}

/// The event's actor.
///
/// NUL-terminated UTF-8, borrowed from the event: valid as long as the event is
/// (until its list is freed, or until the callback that received it returns).
/// NULL if `event` is NULL.
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_actor(event: *const Event) -> *const c_char {
    field(event, 0)
}

/// The event's action.
///
/// NUL-terminated UTF-8, borrowed from the event: valid as long as the event is
/// (until its list is freed, or until the callback that received it returns).
/// NULL if `event` is NULL.
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_action(event: *const Event) -> *const c_char {
    field(event, 1)
}

/// The event's resource.
///
/// NUL-terminated UTF-8, borrowed from the event: valid as long as the event is
/// (until its list is freed, or until the callback that received it returns).
/// NULL if `event` is NULL.
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_resource(event: *const Event) -> *const c_char {
    field(event, 2)
}

/// The event's outcome.
///
/// NUL-terminated UTF-8, borrowed from the event: valid as long as the event is
/// (until its list is freed, or until the callback that received it returns).
/// NULL if `event` is NULL.
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_outcome(event: *const Event) -> *const c_char {
    field(event, 3)
}

/// The event's details: a JSON object as compact text, keys in the order logged.
///
/// NUL-terminated UTF-8, borrowed from the event: valid as long as the event is
/// (until its list is freed, or until the callback that received it returns).
/// NULL if `event` is NULL.
///
/// # Safety
/// `event` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn audit_event_details(event: *const Event) -> *const c_char {
    field(event, 4)
}

/// Writes `event` as one line of compact JSON (keys as in the export, no newline)
/// to `*out_json`, for forwarding as JSON Lines; free it with `audit_string_free`.
/// Errors: `AUDIT_ERR_NULL_ARGUMENT`.
///
/// # Safety
/// `event` is NULL or live; `out_json` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn audit_event_to_json(
    event: *const Event,
    out_json: *mut *mut c_char,
) -> AuditStatus {
    status(|| {
        let event = arg(event, "event")?;
        let out_json = out(out_json, "out_json")?;
        let mut line = Vec::with_capacity(256);
        write_compact(&mut line, event);
        out_json.set(owned(line));
        Ok(())
    })
}
