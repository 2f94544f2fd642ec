package auditlogger

/*
#include "capi.h"
*/
import "C"

import "strconv"

// Severity is an event's severity. Only the four constants are valid; the zero
// value is not a severity, and the library rejects it.
type Severity uint32

// The severities, with the library's numbers. (They carry the Severity prefix,
// as slog's levels do, because Error already names this package's error type.)
const (
	SeverityInfo     Severity = C.AUDIT_SEVERITY_INFO
	SeverityWarning  Severity = C.AUDIT_SEVERITY_WARNING
	SeverityError    Severity = C.AUDIT_SEVERITY_ERROR
	SeverityCritical Severity = C.AUDIT_SEVERITY_CRITICAL
)

// String gives the library's name, "INFO", "WARNING", "ERROR" or "CRITICAL"
// (audit_severity_name), or "Severity(n)" for any other value.
func (s Severity) String() string {
	switch s {
	case SeverityInfo, SeverityWarning, SeverityError, SeverityCritical:
		return C.GoString(C.audit_severity_name(C.uint32_t(s)))
	}
	return "Severity(" + strconv.FormatUint(uint64(s), 10) + ")"
}

// ParseSeverity gives the severity called name, ignoring ASCII case. Any other
// name is an error matching ErrInvalidSeverity: nothing is guessed.
func ParseSeverity(name string) (Severity, error) {
	cname, err := cString("name", name)
	if err != nil {
		return 0, err
	}
	var value C.uint32_t
	if err := call(func() C.AuditStatus { return C.audit_severity_from_name(cname, &value) }); err != nil {
		return 0, err
	}
	return Severity(value), nil
}
