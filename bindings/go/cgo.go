package auditlogger

// How the library is found is chosen by build tags, in link_*.go: pkg-config
// (the default), the repository build (audit_logger_repo), or the static
// library (audit_logger_static).

/*
#include "capi.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"time"
	"unsafe"
)

// call runs one library function that returns an AuditStatus and turns a failure
// into an *Error. The goroutine stays on one OS thread for the call and the read
// of audit_last_error_message, which is thread-local.
func call(f func() C.AuditStatus) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if st := f(); st != C.AUDIT_OK {
		return &Error{Code: Status(st), Message: C.GoString(C.audit_last_error_message())}
	}
	return nil
}

// cString copies s into a NUL-terminated buffer in Go memory, for one C call
// (the library copies what it keeps). A NUL byte inside s would silently cut
// the string short in C, so it is refused with ErrInvalidArgument; invalid
// UTF-8 is passed on for the library to report.
func cString(name, s string) (*C.char, error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return nil, &Error{Code: StatusInvalidArgument, Message: fmt.Sprintf("%s contains a NUL byte (at byte %d)", name, i)}
	}
	b := make([]byte, len(s)+1)
	copy(b, s)
	return (*C.char)(unsafe.Pointer(&b[0])), nil
}

// settings applies a builder's C setters in order and keeps the first error:
// once a conversion or a setter failed, the rest do nothing. Forwarder and
// journal configurations are applied through it.
type settings struct{ err error }

// set calls one setter.
func (s *settings) set(f func() C.AuditStatus) {
	if s.err == nil {
		s.err = call(f)
	}
}

// keep records err if it is the first.
func (s *settings) keep(err error) {
	if s.err == nil {
		s.err = err
	}
}

// text is v for C (see cString); NULL when empty and optional.
func (s *settings) text(name, v string, optional bool) *C.char {
	if optional && v == "" {
		return nil
	}
	p, err := cString(name, v)
	s.keep(err)
	return p
}

// millis is d for a setter taking milliseconds (see millis).
func (s *settings) millis(name string, d time.Duration) C.uint32_t {
	ms, err := millis(name, d)
	s.keep(err)
	return ms
}

// seconds is d for a setter taking seconds (see seconds).
func (s *settings) seconds(name string, d time.Duration) C.uint64_t {
	secs, err := seconds(name, d)
	s.keep(err)
	return secs
}

// takeString copies and frees a string the library returned as char *.
func takeString(s *C.char) string {
	defer C.audit_string_free(s)
	return C.GoString(s)
}
