package auditlogger

// The Go functions the library calls, through the C trampolines of capi.c.
// (A file with //export may only declare C in its preamble.)

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"runtime/cgo"
)

// goAuditDeliver calls the subscriber behind handle ctx with a copy of event;
// it returns 1 (a failure) if the subscriber returned an error or panicked.
//
//export goAuditDeliver
func goAuditDeliver(ctx C.uintptr_t, event *C.AuditEvent) C.int32_t {
	fn := cgo.Handle(ctx).Value().(func(Event) error)
	if err := deliver(fn, eventFromC(event)); err != nil {
		return 1
	}
	return 0
}

// deliver runs fn, turning a panic into an error: a panic must not unwind
// through the library's C frames.
func deliver(fn func(Event) error, e Event) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("auditlogger: subscriber panicked: %v", r)
		}
	}()
	return fn(e)
}

// goAuditRelease runs once when a subscription ends, and frees its handle.
//
//export goAuditRelease
func goAuditRelease(ctx C.uintptr_t) {
	cgo.Handle(ctx).Delete()
	liveHandles.Add(-1)
}
