package auditlogger

import "unsafe"

// Hooks for the tests of package auditlogger_test.

// CLogger is the logger's AuditLogger *, for the C producer fixture.
func CLogger(l *Logger) unsafe.Pointer { return unsafe.Pointer(l.ptr) }

// LiveHandles is the number of subscriber handles the library has not yet released.
func LiveHandles() int64 { return liveHandles.Load() }
