package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"math"
	"runtime/cgo"
	"sync/atomic"
	"time"
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
	Dropped   uint64 // events never handed to it: discarded by a queue's overflow policy (0 when synchronous)
}

// Overflow is what a full queue of a queued subscription does with a new event.
type Overflow uint32

// The overflow policies of audit_logger.h (AUDIT_OVERFLOW_*).
const (
	// DropOldest discards the oldest queued event; producers never wait.
	DropOldest Overflow = C.AUDIT_OVERFLOW_DROP_OLDEST
	// DropNewest discards the new event; producers never wait.
	DropNewest Overflow = C.AUDIT_OVERFLOW_DROP_NEWEST
	// Block makes the producer wait up to Queue.BlockTimeout for room, then
	// discards the new event.
	Block Overflow = C.AUDIT_OVERFLOW_BLOCK
)

func (o Overflow) String() string {
	switch o {
	case DropOldest:
		return "DropOldest"
	case DropNewest:
		return "DropNewest"
	case Block:
		return "Block"
	}
	return fmt.Sprintf("Overflow(%d)", uint32(o))
}

// Queue configures a queued subscription (SubscribeQueued).
type Queue struct {
	Capacity     int           // most events waiting (> 0)
	Overflow     Overflow      // when full; the zero value means DropOldest
	BlockTimeout time.Duration // with Block: how long a producer waits for room (rounded up to ms)
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

// SubscribeQueued is Subscribe through a bounded queue: events are copied into
// a queue of at most q.Capacity events, and a thread the library starts for
// this subscription calls fn with them, one at a time, in strictly increasing
// seq order however many goroutines (or C threads) log. Log never waits for
// fn; when the queue is full, q.Overflow decides what is discarded (counted
// in Stats.Dropped), and with Block the producer waits up to q.BlockTimeout
// for room first.
//
// fn runs on a thread the library owns (cgo runs Go code on it as for any C
// thread); it may call any method of the logger, including Log (it never
// waits for its own queue) and Close, but Flush from fn returns an error
// matching ErrInvalidArgument (it would wait for itself). Use Flush before
// Unsubscribe or Close, which discard what is still queued.
func (l *Logger) SubscribeQueued(q Queue, fn func(Event) error) (*Subscription, error) {
	if fn == nil {
		return nil, &Error{Code: StatusNullArgument, Message: "subscriber function is nil"}
	}
	if q.Capacity < 0 {
		return nil, &Error{Code: StatusInvalidCapacity, Message: fmt.Sprintf("queue capacity %d is negative", q.Capacity)}
	}
	policy := q.Overflow
	if policy == 0 {
		policy = DropOldest
	}
	timeout, err := millis("BlockTimeout", q.BlockTimeout)
	if err != nil {
		return nil, err
	}
	ptr, err := l.acquire()
	if err != nil {
		return nil, err
	}
	defer l.release()
	h := cgo.NewHandle(fn)
	liveHandles.Add(1)
	var id C.uint64_t
	if err := call(func() C.AuditStatus {
		return C.go_audit_subscribe_queued(ptr, C.uintptr_t(h), C.size_t(q.Capacity), C.uint32_t(policy), timeout, &id)
	}); err != nil {
		h.Delete()
		liveHandles.Add(-1)
		return nil, err
	}
	return &Subscription{logger: l, id: uint64(id)}, nil
}

// Flush waits up to timeout until every queued subscription has handed all it
// holds to its function and the function has returned. It returns an error
// matching ErrTimeout if they are still busy then, and ErrInvalidArgument when
// called from a queued subscriber (it would wait for itself).
func (l *Logger) Flush(timeout time.Duration) error {
	ms, err := millis("timeout", timeout)
	if err != nil {
		return err
	}
	ptr, err := l.acquire()
	if err != nil {
		return err
	}
	defer l.release()
	return call(func() C.AuditStatus { return C.audit_flush(ptr, ms) })
}

// millis is d in whole milliseconds, rounded up, for a uint32_t.
func millis(name string, d time.Duration) (C.uint32_t, error) {
	if d < 0 {
		return 0, &Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("%s %v is negative", name, d)}
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxUint32 {
		return 0, &Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("%s %v is too long", name, d)}
	}
	return C.uint32_t(ms), nil
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

// UnsubscribeWithStats is Unsubscribe returning the subscription's final
// counters: events still queued count as dropped. (The library counts a
// delivery when the call returns, so a call running at that moment is not
// included.)
func (s *Subscription) UnsubscribeWithStats() (Stats, error) {
	ptr, err := s.logger.acquire()
	if err != nil {
		return Stats{}, err
	}
	defer s.logger.release()
	var cs C.AuditSubscriptionStats
	cs.struct_size = C.sizeof_AuditSubscriptionStats
	if err := call(func() C.AuditStatus { return C.audit_unsubscribe_with_stats(ptr, C.uint64_t(s.id), &cs) }); err != nil {
		return Stats{}, err
	}
	return Stats{Delivered: uint64(cs.delivered), Failed: uint64(cs.failed), Dropped: uint64(cs.dropped)}, nil
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
