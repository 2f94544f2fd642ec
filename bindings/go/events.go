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
}

// eventFromC copies a borrowed C event into Go memory.
func eventFromC(e *C.AuditEvent) Event {
	var v C.GoAuditEventView
	C.go_audit_event_read(e, &v)
	text := func(i int) string { return C.GoStringN(v.text[i], C.int(v.len[i])) }
	return Event{
		Seq:       uint64(v.seq),
		Timestamp: time.UnixMicro(int64(v.timestamp)).UTC(),
		Actor:     text(0),
		Action:    text(1),
		Resource:  text(2),
		Outcome:   text(3),
		Severity:  Severity(v.severity),
		Details:   C.GoBytes(unsafe.Pointer(v.text[4]), C.int(v.len[4])),
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
