// Package auditlogger is the Go binding of audit-logger, an embeddable audit
// log: it records who did what to which resource, with what outcome, keeps the
// newest events in memory, queries them, exports and imports them as JSON, and
// forwards them to subscribers as they are logged.
//
// It calls libaudit_logger through cgo. Only runtime/cgo.Handle values cross
// into C, never Go pointers the library would keep.
//
// # Threading
//
// A *Logger is safe for concurrent use by any number of goroutines. Close it
// when done; after Close every method returns ErrClosed.
//
// Subscribers run synchronously on the thread that logged the event, after it
// is stored and with no library lock held: on the goroutine that called Log,
// or, when C code logs through the same logger, on that foreign C thread (cgo
// runs the Go function there). A subscriber may therefore log re-entrantly and
// unsubscribe itself, but it slows every Log call on its logger: hand slow work
// to a goroutine (for example through a buffered channel).
//
// # Errors
//
// Failures are *Error values carrying the library's Status and message; test
// them with errors.Is against the Err* sentinels.
package auditlogger
