package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"encoding/json"
	"time"
	"unsafe"
)

// Event is a recorded audit event, copied out of the library.
type Event struct {
	Seq       uint64    // from 1, strictly increasing per logger; gaps reveal eviction
	Timestamp time.Time // UTC, microsecond precision
	Actor     string
	Action    string
	Resource  string
	Outcome   string
	Severity  Severity
	Details   json.RawMessage // a JSON object as compact text, keys in the order logged

	line []byte // the library's JSON line for the event (audit_event_to_json)
}

// MarshalJSON returns the event as the library writes it (audit_event_to_json):
// one compact record of the export format, with the keys actor, action,
// resource, outcome, severity (name), details, timestamp (RFC 3339 UTC,
// microseconds) and seq. So json.Marshal of an Event, or of a []Event, gives
// the library's records. An Event that was not read from a logger (built by
// hand) has no such line and is encoded field by field, with Go's names.
func (e Event) MarshalJSON() ([]byte, error) {
	if e.line != nil {
		return append([]byte(nil), e.line...), nil
	}
	type fields Event // without this method
	return json.Marshal(fields(e))
}

// eventFromC copies a borrowed C event into Go memory.
func eventFromC(e *C.AuditEvent) Event {
	var v C.GoAuditEventView
	C.go_audit_event_read(e, &v)
	text := func(i int) string { return C.GoStringN(v.text[i], C.int(v.len[i])) }
	var line *C.char
	var n C.size_t
	var lineBytes []byte
	if C.go_audit_event_json(e, &line, &n) == C.AUDIT_OK {
		lineBytes = C.GoBytes(unsafe.Pointer(line), C.int(n))
		C.audit_string_free(line)
	}
	return Event{
		Seq:       uint64(v.seq),
		Timestamp: time.UnixMicro(int64(v.timestamp)).UTC(),
		Actor:     text(0),
		Action:    text(1),
		Resource:  text(2),
		Outcome:   text(3),
		Severity:  Severity(v.severity),
		Details:   C.GoBytes(unsafe.Pointer(v.text[4]), C.int(v.len[4])),
		line:      lineBytes,
	}
}

// takeList copies the events of a C list and frees it.
func takeList(list *C.AuditEventList) []Event {
	defer C.audit_event_list_free(list)
	n := int(C.audit_event_list_len(list))
	events := make([]Event, n)
	for i := range events {
		events[i] = eventFromC(C.audit_event_list_get(list, C.size_t(i)))
	}
	return events
}
