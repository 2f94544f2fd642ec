package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"time"
)

// Filter says which events Query returns. The zero Filter matches every event;
// each criterion set narrows it. A nil string criterion is unset, while a
// pointer to "" matches only events whose field is empty:
//
//	logger.Query(auditlogger.Filter{Actor: auditlogger.Ptr("alice"), Limit: auditlogger.Ptr(10)})
type Filter struct {
	Actor    *string // exact match
	Action   *string
	Resource *string
	Outcome  *string

	MinSeverity Severity // 0 = unset
	MaxSeverity Severity // 0 = unset

	Since *time.Time // inclusive; compared at microsecond precision
	Until *time.Time // inclusive

	AfterSeq uint64 // only events with a greater seq: a reader's cursor (0 = from the start)
	Limit    *int   // only the newest N matches, still oldest first; 0 returns none
}

// Ptr returns a pointer to v, for the optional fields of Filter.
func Ptr[T any](v T) *T { return &v }

// Query returns the events matching f, oldest first. The result is a snapshot:
// later logging does not change it.
func (l *Logger) Query(f Filter) ([]Event, error) {
	filter := C.audit_filter_new()
	if filter == nil {
		return nil, &Error{Code: StatusPanic, Message: "audit_filter_new failed"}
	}
	defer C.audit_filter_free(filter)
	if err := f.apply(filter); err != nil {
		return nil, err
	}
	ptr, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer l.release()
	var list *C.AuditEventList
	if err := call(func() C.AuditStatus { return C.audit_query(ptr, filter, &list) }); err != nil {
		return nil, err
	}
	return takeList(list), nil
}

// QueryJSON is Query with the result as a JSON document in the export format,
// written by the library (audit_query_json).
func (l *Logger) QueryJSON(f Filter) (string, error) {
	filter := C.audit_filter_new()
	if filter == nil {
		return "", &Error{Code: StatusPanic, Message: "audit_filter_new failed"}
	}
	defer C.audit_filter_free(filter)
	if err := f.apply(filter); err != nil {
		return "", err
	}
	ptr, err := l.acquire()
	if err != nil {
		return "", err
	}
	defer l.release()
	var out *C.char
	if err := call(func() C.AuditStatus { return C.audit_query_json(ptr, filter, &out) }); err != nil {
		return "", err
	}
	return takeString(out), nil
}

// apply sets f's criteria on a C filter.
func (f Filter) apply(filter *C.AuditFilter) error {
	for _, s := range [...]struct {
		name  string
		value *string
		set   func(*C.AuditFilter, *C.char) C.AuditStatus
	}{
		{"actor", f.Actor, func(p *C.AuditFilter, v *C.char) C.AuditStatus { return C.audit_filter_set_actor(p, v) }},
		{"action", f.Action, func(p *C.AuditFilter, v *C.char) C.AuditStatus { return C.audit_filter_set_action(p, v) }},
		{"resource", f.Resource, func(p *C.AuditFilter, v *C.char) C.AuditStatus { return C.audit_filter_set_resource(p, v) }},
		{"outcome", f.Outcome, func(p *C.AuditFilter, v *C.char) C.AuditStatus { return C.audit_filter_set_outcome(p, v) }},
	} {
		if s.value == nil {
			continue
		}
		value, err := cString(s.name, *s.value)
		if err != nil {
			return err
		}
		if err := call(func() C.AuditStatus { return s.set(filter, value) }); err != nil {
			return err
		}
	}
	var set []func() C.AuditStatus
	if f.MinSeverity != 0 {
		set = append(set, func() C.AuditStatus { return C.audit_filter_set_min_severity(filter, C.uint32_t(f.MinSeverity)) })
	}
	if f.MaxSeverity != 0 {
		set = append(set, func() C.AuditStatus { return C.audit_filter_set_max_severity(filter, C.uint32_t(f.MaxSeverity)) })
	}
	if f.Since != nil {
		// Rounded up: an event earlier in the same microsecond does not match.
		since := f.Since.UnixMicro()
		if f.Since.Nanosecond()%1000 != 0 {
			since++
		}
		set = append(set, func() C.AuditStatus { return C.audit_filter_set_since(filter, C.int64_t(since)) })
	}
	if f.Until != nil {
		until := f.Until.UnixMicro() // rounded down
		set = append(set, func() C.AuditStatus { return C.audit_filter_set_until(filter, C.int64_t(until)) })
	}
	if f.AfterSeq != 0 {
		set = append(set, func() C.AuditStatus { return C.audit_filter_set_after_seq(filter, C.uint64_t(f.AfterSeq)) })
	}
	if f.Limit != nil {
		limit := *f.Limit
		if limit < 0 {
			return &Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("limit %d is negative", limit)}
		}
		set = append(set, func() C.AuditStatus { return C.audit_filter_set_limit(filter, C.size_t(limit)) })
	}
	for _, s := range set {
		if err := call(s); err != nil {
			return err
		}
	}
	return nil
}

// Recent returns the newest n events, oldest first (none for n = 0).
func (l *Logger) Recent(n int) ([]Event, error) {
	if n < 0 {
		return nil, &Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("n %d is negative", n)}
	}
	ptr, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer l.release()
	var list *C.AuditEventList
	if err := call(func() C.AuditStatus { return C.audit_recent(ptr, C.size_t(n), &list) }); err != nil {
		return nil, err
	}
	return takeList(list), nil
}

// Get returns the event with sequence number seq, or an error matching
// ErrNotFound if it was evicted or not yet logged.
func (l *Logger) Get(seq uint64) (Event, error) {
	ptr, err := l.acquire()
	if err != nil {
		return Event{}, err
	}
	defer l.release()
	var list *C.AuditEventList
	if err := call(func() C.AuditStatus { return C.audit_get(ptr, C.uint64_t(seq), &list) }); err != nil {
		return Event{}, err
	}
	return takeList(list)[0], nil
}
