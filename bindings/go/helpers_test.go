package auditlogger_test

import (
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

// within runs fn and fails the test if it has not returned after d, so a
// deadlock fails fast instead of hanging the run.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not finish within %v (deadlock?)", d)
	}
}

// newLogger makes a logger closed when the test ends.
func newLogger(t *testing.T, capacity int) *al.Logger {
	t.Helper()
	l, err := al.New(capacity)
	if err != nil {
		t.Fatalf("New(%d): %v", capacity, err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// mustLog logs an INFO event by actor and returns its seq.
func mustLog(t *testing.T, l *al.Logger, actor string) uint64 {
	t.Helper()
	seq, err := l.Log(al.Entry{Actor: actor, Action: "test", Resource: "r", Outcome: "success", Severity: al.SeverityInfo})
	if err != nil {
		t.Fatalf("Log(%q): %v", actor, err)
	}
	return seq
}
