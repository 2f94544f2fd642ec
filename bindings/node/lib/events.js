'use strict';
// Copies events out of the library into plain JS objects. Events handed to C
// callers are borrowed (from a list, or for the duration of a callback), so
// everything is read at once and nothing keeps a pointer.

const { koffi } = require('./native');
const { check } = require('./errors');
const { SEVERITY_NAMES } = require('./severity');

/** The library's compact JSON line for the event at `ptr` (audit_event_to_json). */
function eventJson(lib, ptr) {
  const out = [null];
  check(lib, lib.audit_event_to_json(ptr, out));
  try {
    return koffi.decode(out[0], 'char', -1);
  } finally {
    lib.audit_string_free(out[0]);
  }
}

/**
 * A plain object for the AuditEvent at `ptr`:
 * { seq, timestamp (µs), time (Date), actor, action, resource, outcome,
 *   severity ('WARNING'), severityValue (20), details (parsed), detailsJson (text),
 *   json (the library's JSON line for it: the export format, compact) }.
 */
function toEvent(lib, ptr) {
  const timestamp = lib.audit_event_timestamp(ptr);
  const severityValue = lib.audit_event_severity(ptr);
  const detailsJson = lib.audit_event_details(ptr);
  return {
    seq: lib.audit_event_seq(ptr),
    timestamp,
    time: new Date(Math.floor(Number(timestamp) / 1000)),
    actor: lib.audit_event_actor(ptr),
    action: lib.audit_event_action(ptr),
    resource: lib.audit_event_resource(ptr),
    outcome: lib.audit_event_outcome(ptr),
    severity: SEVERITY_NAMES[severityValue],
    severityValue,
    details: JSON.parse(detailsJson),
    detailsJson,
    json: eventJson(lib, ptr),
  };
}

/** The events of an AuditEventList, oldest first; frees the list. */
function takeList(lib, list) {
  try {
    const n = lib.audit_event_list_len(list);
    const events = new Array(n);
    for (let i = 0; i < n; i++) events[i] = toEvent(lib, lib.audit_event_list_get(list, i));
    return events;
  } finally {
    lib.audit_event_list_free(list);
  }
}

module.exports = { toEvent, takeList };
