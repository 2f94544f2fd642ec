package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"runtime/cgo"
	"sync/atomic"
)

// liveHandles counts subscriber handles not yet released (for tests).
var liveHandles atomic.Int64

// Subscription is a subscriber registered with Logger.Subscribe.
type Subscription struct {
	logger *Logger
	id     uint64
}

// Stats are a subscription's counters.
type Stats struct {
	Delivered uint64 // events handed to the subscriber, whatever it returned
	Failed    uint64 // of those, calls that returned an error or panicked
	Dropped   uint64 // events never handed to it (0 for these synchronous subscriptions)
}

// Subscribe calls fn with every event logged from now on (imported events are
// not delivered), after the event is stored, until Unsubscribe or Close.
//
// fn runs synchronously on the thread that logged the event: the goroutine
// that called Log, or a C thread when C code logs through the same logger.
// It may call any method of the logger, including Log (re-entrantly),
// Unsubscribe of itself or others, and Close (the logger is freed once the
// Log that called it returns); it must not call runtime.Goexit (so not t.Fatal). Returning an error or panicking counts as a
// failure in Stats (the panic is recovered) and affects nothing else.
func (l *Logger) Subscribe(fn func(Event) error) (*Subscription, error) {
	if fn == nil {
		return nil, &Error{Code: StatusNullArgument, Message: "subscriber function is nil"}
	}
	ptr, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer l.release()
	// Only the handle crosses into C; the library gives it back to
	// goAuditDeliver and, once, to goAuditRelease, which deletes it.
	h := cgo.NewHandle(fn)
	liveHandles.Add(1)
	var id C.uint64_t
	if err := call(func() C.AuditStatus { return C.go_audit_subscribe(ptr, C.uintptr_t(h), &id) }); err != nil {
		h.Delete()
		liveHandles.Add(-1)
		return nil, err
	}
	return &Subscription{logger: l, id: uint64(id)}, nil
}

// ID is the library's id of the subscription (never 0).
func (s *Subscription) ID() uint64 { return s.id }

// Unsubscribe ends the subscription: no call of its function starts after it
// returns (one running on another thread finishes). It returns an error
// matching ErrNotFound if the subscription had already ended, and ErrClosed
// once the logger is closed.
func (s *Subscription) Unsubscribe() error {
	ptr, err := s.logger.acquire()
	if err != nil {
		return err
	}
	defer s.logger.release()
	return call(func() C.AuditStatus { return C.audit_unsubscribe(ptr, C.uint64_t(s.id)) })
}

// Stats returns the subscription's counters, or an error matching ErrNotFound
// once it has ended.
func (s *Subscription) Stats() (Stats, error) {
	ptr, err := s.logger.acquire()
	if err != nil {
		return Stats{}, err
	}
	defer s.logger.release()
	var cs C.AuditSubscriptionStats
	cs.struct_size = C.sizeof_AuditSubscriptionStats
	if err := call(func() C.AuditStatus { return C.audit_subscription_stats(ptr, C.uint64_t(s.id), &cs) }); err != nil {
		return Stats{}, err
	}
	return Stats{Delivered: uint64(cs.delivered), Failed: uint64(cs.failed), Dropped: uint64(cs.dropped)}, nil
}
