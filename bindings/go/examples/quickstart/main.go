// Command quickstart shows the audit-logger Go binding: it logs a few events,
// forwards each to stdout as a JSON line, queries the failures, and exports
// the log to a file (the first argument, default audit_export.json in the
// temporary directory).
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	auditlogger "github.com/audit-logger/audit-logger/bindings/go"
)

const usage = `Usage: quickstart [EXPORT_PATH]
Logs a few audit events, forwards each to stdout as a JSON line, queries the
failures and exports the log to EXPORT_PATH (default: audit_export.json in the
temporary directory).
`

func main() {
	path := filepath.Join(os.TempDir(), "audit_export.json")
	switch {
	case len(os.Args) > 1 && (os.Args[1] == "--help" || os.Args[1] == "-h"):
		fmt.Print(usage)
		return
	case len(os.Args) > 2 || (len(os.Args) > 1 && strings.HasPrefix(os.Args[1], "-")):
		fmt.Fprintf(os.Stderr, "quickstart: unexpected argument %q\n%s", os.Args[len(os.Args)-1], usage)
		os.Exit(2)
	case len(os.Args) > 1:
		path = os.Args[1]
	}
	if err := run(path); err != nil {
		log.Fatal(err)
	}
}

func run(path string) error {
	logger, err := auditlogger.New(1000)
	if err != nil {
		return err
	}
	defer logger.Close()

	// A forwarder: runs on the logging goroutine, after each event is stored.
	forwarder, err := logger.Subscribe(func(e auditlogger.Event) error {
		line, err := json.Marshal(struct {
			Seq       uint64          `json:"seq"`
			Timestamp time.Time       `json:"timestamp"`
			Severity  string          `json:"severity"`
			Actor     string          `json:"actor"`
			Action    string          `json:"action"`
			Resource  string          `json:"resource"`
			Outcome   string          `json:"outcome"`
			Details   json.RawMessage `json:"details"`
		}{e.Seq, e.Timestamp, e.Severity.String(), e.Actor, e.Action, e.Resource, e.Outcome, e.Details})
		if err != nil {
			return err // counted as a failure of this subscription
		}
		fmt.Printf("forward: %s\n", line)
		return nil
	})
	if err != nil {
		return err
	}

	entries := []auditlogger.Entry{
		{Actor: "alice", Action: "login", Resource: "app", Outcome: "success", Severity: auditlogger.SeverityInfo},
		{Actor: "bob", Action: "user.delete", Resource: "user:42", Outcome: "success", Severity: auditlogger.SeverityWarning,
			Details: map[string]any{"reason": "GDPR request"}},
		{Actor: "mallory", Action: "file.read", Resource: "file:/etc/shadow", Outcome: "denied", Severity: auditlogger.SeverityError,
			Details: json.RawMessage(`{"path":"/etc/shadow","attempt":3}`)},
		{Actor: "kms", Action: "key.rotate", Resource: "kms:1", Outcome: "failure", Severity: auditlogger.SeverityCritical},
	}
	for _, e := range entries {
		if _, err := logger.Log(e); err != nil {
			return err
		}
	}

	// Bad input is an error, and nothing is recorded.
	_, err = logger.Log(auditlogger.Entry{Actor: "eve", Severity: 15})
	if !errors.Is(err, auditlogger.ErrInvalidSeverity) {
		return fmt.Errorf("expected an invalid severity error, got %v", err)
	}
	fmt.Println("rejected:", err)

	failures, err := logger.Query(auditlogger.Filter{MinSeverity: auditlogger.SeverityError})
	if err != nil {
		return err
	}
	fmt.Printf("%d events of severity ERROR or above:\n", len(failures))
	for _, e := range failures {
		fmt.Printf("  #%d %s %s %s on %s: %s %s\n", e.Seq, e.Timestamp.Format("15:04:05.000000"), e.Severity, e.Actor, e.Resource, e.Outcome, e.Details)
	}
	denied, err := logger.Query(auditlogger.Filter{Outcome: auditlogger.Ptr("denied")})
	if err != nil {
		return err
	}
	fmt.Printf("%d denied\n", len(denied))

	stats, err := forwarder.Stats()
	if err != nil {
		return err
	}
	fmt.Printf("forwarder: %d delivered, %d failed\n", stats.Delivered, stats.Failed)
	if err := forwarder.Unsubscribe(); err != nil {
		return err
	}

	doc, err := logger.ExportJSON(path)
	if err != nil {
		return err
	}
	fmt.Printf("exported %d events (%d bytes) to %s\n", logger.Count(), len(doc), path)
	return nil
}
