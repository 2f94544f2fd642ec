package auditlogger

/*
#include "capi.h"
*/
import "C"

import (
	"errors"
	"fmt"
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
)

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
type Error struct {
	Code    Status
	Message string
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
)

// ErrClosed is returned by every method of a Logger (and of its
// Subscriptions) after Logger.Close.
var ErrClosed = errors.New("auditlogger: logger is closed")
