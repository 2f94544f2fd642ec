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

// takeString copies and frees a string the library returned as char *.
func takeString(s *C.char) string {
	defer C.audit_string_free(s)
	return C.GoString(s)
}
