package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"sync/atomic"
)

// Logger is an audit log keeping the newest events in memory. It is safe for
// concurrent use by many goroutines. Make one with New or NewWithConfig and
// release it with Close.
type Logger struct {
	ptr *C.AuditLogger
	// state counts the calls in flight on ptr; closedBit is set by Close. The
	// C logger is freed when both say so: closed, and no call in flight.
	state atomic.Uint64
}

const closedBit = uint64(1) << 63

// Config holds a logger's settings. A zero field keeps the library's default:
// capacity 5000 events, 8 KiB per string field, 64 KiB and 32 levels of
// details, 1 GiB for all events held.
type Config struct {
	Capacity        int // most events kept; the oldest are evicted first
	MaxFieldBytes   int // most bytes in each of actor, action, resource, outcome
	MaxDetailsBytes int // most bytes of details JSON text
	MaxDetailsDepth int // deepest nesting of details (1 to 128; the top object is 1)
	MaxTotalBytes   int // most bytes held by all events; older ones are evicted to stay under it
	// MaxDocumentBytes is the most bytes of a document ImportJSON and
	// ImportJSONFile accept (default 1 GiB); longer is ErrTooLarge.
	MaxDocumentBytes int
	// Journal, with a Dir, makes the logger keep a durable, sealed journal
	// (see JournalConfig).
	Journal JournalConfig
}

// New makes a logger keeping the newest capacity events, with the other
// settings at their defaults. A capacity below 1 is an error matching
// ErrInvalidCapacity.
func New(capacity int) (*Logger, error) {
	if capacity < 0 {
		return nil, &Error{Code: StatusInvalidCapacity, Message: fmt.Sprintf("capacity %d is negative", capacity)}
	}
	var ptr *C.AuditLogger
	if err := call(func() C.AuditStatus { return C.audit_logger_new(C.size_t(capacity), &ptr) }); err != nil {
		return nil, err
	}
	return &Logger{ptr: ptr}, nil
}

// NewWithConfig makes a logger with the settings of cfg. A value out of range
// is an error matching ErrInvalidCapacity whose message names it.
func NewWithConfig(cfg Config) (*Logger, error) {
	config := C.audit_config_new()
	if config == nil {
		return nil, &Error{Code: StatusPanic, Message: "audit_config_new failed"}
	}
	defer C.audit_config_free(config)
	settings := []struct {
		name  string
		value int
		set   func(*C.AuditConfig, C.size_t) C.AuditStatus
	}{
		{"Capacity", cfg.Capacity, func(c *C.AuditConfig, v C.size_t) C.AuditStatus { return C.audit_config_set_capacity(c, v) }},
		{"MaxFieldBytes", cfg.MaxFieldBytes, func(c *C.AuditConfig, v C.size_t) C.AuditStatus { return C.audit_config_set_max_field_bytes(c, v) }},
		{"MaxDetailsBytes", cfg.MaxDetailsBytes, func(c *C.AuditConfig, v C.size_t) C.AuditStatus { return C.audit_config_set_max_details_bytes(c, v) }},
		{"MaxDetailsDepth", cfg.MaxDetailsDepth, func(c *C.AuditConfig, v C.size_t) C.AuditStatus { return C.audit_config_set_max_details_depth(c, v) }},
		{"MaxTotalBytes", cfg.MaxTotalBytes, func(c *C.AuditConfig, v C.size_t) C.AuditStatus { return C.audit_config_set_max_total_bytes(c, v) }},
		{"MaxDocumentBytes", cfg.MaxDocumentBytes, func(c *C.AuditConfig, v C.size_t) C.AuditStatus { return C.audit_config_set_max_document_bytes(c, v) }},
	}
	for _, s := range settings {
		if s.value < 0 {
			return nil, &Error{Code: StatusInvalidCapacity, Message: fmt.Sprintf("%s %d is negative", s.name, s.value)}
		}
		if s.value == 0 {
			continue
		}
		if err := call(func() C.AuditStatus { return s.set(config, C.size_t(s.value)) }); err != nil {
			return nil, err
		}
	}
	if err := cfg.Journal.apply(config); err != nil {
		return nil, err
	}
	var ptr *C.AuditLogger
	if err := callPath(cfg.Journal.Dir, func() C.AuditStatus { return C.audit_logger_new_with_config(config, &ptr) }); err != nil {
		return nil, err
	}
	return &Logger{ptr: ptr}, nil
}

// acquire marks a call in flight and returns the C logger, or ErrClosed.
// Every successful acquire is paired with release.
func (l *Logger) acquire() (*C.AuditLogger, error) {
	for {
		s := l.state.Load()
		if s&closedBit != 0 {
			return nil, ErrClosed
		}
		if l.state.CompareAndSwap(s, s+1) {
			return l.ptr, nil
		}
	}
}

// release ends a call in flight; the last one to end after Close frees the logger.
func (l *Logger) release() {
	if l.state.Add(^uint64(0)) == closedBit {
		C.audit_logger_free(l.ptr)
	}
}

// Close releases the logger and ends its subscriptions. Every later call
// returns ErrClosed. Calls already running on other goroutines finish first:
// the last of them frees the logger, so Close never waits for them (and may be
// called from a subscriber). Closing twice is a no-op. Freeing a logger with
// a journal writes what is queued and seals a final checkpoint.
//
// The library requires that no C code (such as a producer thread holding the
// logger's C pointer) uses the logger once it is freed.
func (l *Logger) Close() error {
	for {
		s := l.state.Load()
		if s&closedBit != 0 {
			return nil
		}
		if l.state.CompareAndSwap(s, s|closedBit) {
			if s == 0 {
				C.audit_logger_free(l.ptr)
			}
			return nil
		}
	}
}

// Entry is an event to log.
//
// Details is nil (an empty object), JSON text given as a json.RawMessage,
// []byte or string (passed to the library verbatim, so it must be a JSON
// object), or any other value, which is encoded with encoding/json and must
// encode to an object (a map or a struct).
type Entry struct {
	Actor    string
	Action   string
	Resource string
	Outcome  string
	Severity Severity
	Details  any
}

// Log records e and returns its sequence number. Subscribers run before Log
// returns, on the calling goroutine's thread. On error nothing is recorded;
// the error matches one of ErrInvalidSeverity, ErrInvalidDetails,
// ErrInvalidUTF8, ErrInvalidArgument (a NUL byte in a string) or ErrTooLarge.
func (l *Logger) Log(e Entry) (uint64, error) {
	ev, err := e.toC(nil)
	if err != nil {
		return 0, err
	}
	ptr, err := l.acquire()
	if err != nil {
		return 0, err
	}
	defer l.release()
	var seq C.uint64_t
	err = call(func() C.AuditStatus {
		return C.audit_log(ptr, ev.actor, ev.action, ev.resource, ev.outcome, ev.severity, ev.details_json, &seq)
	})
	return uint64(seq), err
}

// LogBatch records entries in one call and returns the sequence number of
// the first (0 for none): they get consecutive sequence numbers in order and
// one timestamp, and no event from elsewhere comes between them. Cheaper than
// a Log per entry. All or nothing: one bad entry gives the error Log would
// give for it, its message starting with "event <index>: ", and none is
// recorded.
func (l *Logger) LogBatch(entries []Entry) (uint64, error) {
	var pinner runtime.Pinner
	defer pinner.Unpin()
	events := make([]C.AuditNewEvent, len(entries))
	for i, e := range entries {
		ev, err := e.toC(&pinner)
		if err != nil {
			if ae, ok := err.(*Error); ok {
				return 0, &Error{Code: ae.Code, Message: fmt.Sprintf("event %d: %s", i, ae.Message)}
			}
			return 0, err
		}
		events[i] = ev
	}
	ptr, err := l.acquire()
	if err != nil {
		return 0, err
	}
	defer l.release()
	var first C.uint64_t
	var array *C.AuditNewEvent
	if len(events) > 0 {
		array = &events[0]
	}
	err = call(func() C.AuditStatus {
		return C.audit_log_batch(ptr, array, C.size_t(len(events)), &first)
	})
	return uint64(first), err
}

// toC converts e for the library. Its strings are in Go memory: passed as
// arguments they need nothing more, but stored in a struct passed to C they
// must be pinned, with pinner (nil: not pinned).
func (e Entry) toC(pinner *runtime.Pinner) (C.AuditNewEvent, error) {
	var ev C.AuditNewEvent
	for _, f := range [4]struct {
		name, value string
		to          **C.char
	}{
		{"actor", e.Actor, &ev.actor}, {"action", e.Action, &ev.action},
		{"resource", e.Resource, &ev.resource}, {"outcome", e.Outcome, &ev.outcome},
	} {
		s, err := cString(f.name, f.value)
		if err != nil {
			return ev, err
		}
		if pinner != nil {
			pinner.Pin(s)
		}
		*f.to = s
	}
	details, err := detailsText(e.Details)
	if err != nil {
		return ev, err
	}
	if details != nil && pinner != nil {
		pinner.Pin(details)
	}
	ev.details_json = details
	ev.severity = C.uint32_t(e.Severity)
	return ev, nil
}

// detailsText turns Entry.Details into the JSON text handed to audit_log
// (NULL for none).
func detailsText(details any) (*C.char, error) {
	var text []byte
	switch d := details.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		text = d
	case []byte:
		text = d
	case string:
		return cString("details", d)
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return nil, &Error{Code: StatusInvalidDetails, Message: "details cannot be encoded as JSON: " + err.Error()}
		}
		text = b
	}
	if text == nil {
		return nil, nil
	}
	return cString("details", string(text))
}

// counter reads one of the logger's counters (0 once it is closed).
func (l *Logger) counter(read func(*C.AuditLogger) C.uint64_t) uint64 {
	ptr, err := l.acquire()
	if err != nil {
		return 0
	}
	defer l.release()
	return uint64(read(ptr))
}

// Count is the number of events held now (at most the capacity).
func (l *Logger) Count() int {
	return int(l.counter(func(p *C.AuditLogger) C.uint64_t { return C.audit_logger_count(p) }))
}

// Capacity is the most events the logger holds.
func (l *Logger) Capacity() int {
	return int(l.counter(func(p *C.AuditLogger) C.uint64_t { return C.audit_logger_capacity(p) }))
}

// Evicted is the number of events evicted so far, oldest first, to respect the
// capacity or the byte budget.
func (l *Logger) Evicted() uint64 {
	return l.counter(func(p *C.AuditLogger) C.uint64_t { return C.audit_logger_evicted(p) })
}

// Appended is the number of events ever stored, logged or imported: always
// Count() + Evicted(). It is also the sequence number of the newest event.
func (l *Logger) Appended() uint64 {
	return l.counter(func(p *C.AuditLogger) C.uint64_t { return C.audit_logger_appended(p) })
}

// Version is the version of the loaded library, "MAJOR.MINOR.PATCH".
func Version() string {
	return C.GoString(C.audit_version())
}
