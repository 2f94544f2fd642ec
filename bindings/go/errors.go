package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"
)

// Status is a library status code (AuditStatus in C). Its values are fixed;
// newer libraries may add codes, which still count as failures.
type Status uint32

// The status codes of audit_logger.h.
const (
	StatusOK              Status = C.AUDIT_OK
	StatusNullArgument    Status = C.AUDIT_ERR_NULL_ARGUMENT
	StatusInvalidUTF8     Status = C.AUDIT_ERR_INVALID_UTF8
	StatusInvalidSeverity Status = C.AUDIT_ERR_INVALID_SEVERITY
	StatusInvalidDetails  Status = C.AUDIT_ERR_INVALID_DETAILS
	StatusInvalidCapacity Status = C.AUDIT_ERR_INVALID_CAPACITY
	StatusInvalidArgument Status = C.AUDIT_ERR_INVALID_ARGUMENT
	StatusTooLarge        Status = C.AUDIT_ERR_TOO_LARGE
	StatusInvalidDocument Status = C.AUDIT_ERR_INVALID_DOCUMENT
	StatusIO              Status = C.AUDIT_ERR_IO
	StatusNotFound        Status = C.AUDIT_ERR_NOT_FOUND
	StatusPanic           Status = C.AUDIT_ERR_PANIC
	StatusTimeout         Status = C.AUDIT_ERR_TIMEOUT
	StatusTooDeep         Status = C.AUDIT_ERR_TOO_DEEP
)

// statusNames is the binding's status table: each code and its name in the
// header without the AUDIT_ERR_ prefix. A test compares it with the header.
var statusNames = map[Status]string{
	StatusOK:              "OK",
	StatusNullArgument:    "NULL_ARGUMENT",
	StatusInvalidUTF8:     "INVALID_UTF8",
	StatusInvalidSeverity: "INVALID_SEVERITY",
	StatusInvalidDetails:  "INVALID_DETAILS",
	StatusInvalidCapacity: "INVALID_CAPACITY",
	StatusInvalidArgument: "INVALID_ARGUMENT",
	StatusTooLarge:        "TOO_LARGE",
	StatusInvalidDocument: "INVALID_DOCUMENT",
	StatusIO:              "IO",
	StatusNotFound:        "NOT_FOUND",
	StatusPanic:           "PANIC",
	StatusTimeout:         "TIMEOUT",
	StatusTooDeep:         "TOO_DEEP",
}

// Name is the status's name in audit_logger.h without the AUDIT_ERR_ prefix
// ("INVALID_SEVERITY"; "OK" for StatusOK), or "" for a code this package does
// not know.
func (s Status) Name() string { return statusNames[s] }

// String is the library's description of the status (audit_status_str).
func (s Status) String() string {
	return C.GoString(C.audit_status_str(C.AuditStatus(s)))
}

// Error is a failure reported by the library (or refused by this package
// before reaching it): the status code and the detail of what was wrong.
//
// Compare with the sentinels using errors.Is, which matches on Code:
//
//	if errors.Is(err, auditlogger.ErrInvalidSeverity) { ... }
//
// An I/O failure (StatusIO) carries the OS error behind it as Errno, and the
// file as Path. The error unwraps to that syscall.Errno, so the standard
// checks work as for an *fs.PathError:
//
//	errors.Is(err, fs.ErrNotExist)   // a missing file or directory
//	var errno syscall.Errno
//	errors.As(err, &errno)           // errno == syscall.ENOENT
type Error struct {
	Code    Status
	Message string
	Errno   syscall.Errno // the OS error of an I/O failure (audit_last_error_errno), else 0
	Path    string        // the file of an I/O failure, else ""
}

// Unwrap returns the OS error of an I/O failure (a syscall.Errno), or nil.
func (e *Error) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("auditlogger: %s", e.Code)
	}
	return fmt.Sprintf("auditlogger: %s: %s", e.Code, e.Message)
}

// Is reports whether target is an *Error with the same Code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is, one per status code.
var (
	ErrNullArgument    = &Error{Code: StatusNullArgument}
	ErrInvalidUTF8     = &Error{Code: StatusInvalidUTF8}
	ErrInvalidSeverity = &Error{Code: StatusInvalidSeverity}
	ErrInvalidDetails  = &Error{Code: StatusInvalidDetails}
	ErrInvalidCapacity = &Error{Code: StatusInvalidCapacity}
	ErrInvalidArgument = &Error{Code: StatusInvalidArgument}
	ErrTooLarge        = &Error{Code: StatusTooLarge}
	ErrInvalidDocument = &Error{Code: StatusInvalidDocument}
	ErrIO              = &Error{Code: StatusIO}
	ErrNotFound        = &Error{Code: StatusNotFound}
	ErrPanic           = &Error{Code: StatusPanic}
	ErrTimeout         = &Error{Code: StatusTimeout}
	ErrTooDeep         = &Error{Code: StatusTooDeep}
)

// callPath is call for a function that names a file: an AUDIT_ERR_IO failure
// also gets the OS error (audit_last_error_errno, read on the same thread as
// the failing call, since it is thread-local) and the path.
func callPath(path string, f func() C.AuditStatus) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	st := f()
	if st == C.AUDIT_OK {
		return nil
	}
	err := &Error{Code: Status(st), Message: C.GoString(C.audit_last_error_message())}
	if err.Code == StatusIO {
		err.Errno = syscall.Errno(C.audit_last_error_errno())
		err.Path = path
	}
	return err
}

// ErrClosed is returned by every method of a Logger (and of its
// Subscriptions) after Logger.Close.
var ErrClosed = errors.New("auditlogger: logger is closed")
