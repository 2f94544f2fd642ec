package auditlogger_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	auditlogger "github.com/audit-logger/audit-logger/bindings/go"
)

// Record an event, read it back, and see what a bad entry gets.
func Example() {
	logger, err := auditlogger.New(1000)
	if err != nil {
		panic(err)
	}
	defer logger.Close()

	seq, err := logger.Log(auditlogger.Entry{
		Actor: "admin", Action: "user.delete", Resource: "user:42", Outcome: "success",
		Severity: auditlogger.SeverityWarning,
		Details:  map[string]any{"reason": "GDPR request"},
	})
	if err != nil {
		panic(err)
	}
	e, _ := logger.Get(seq)
	fmt.Println(e.Seq, e.Severity, e.Actor, e.Action, e.Resource, e.Outcome, string(e.Details))

	_, err = logger.Log(auditlogger.Entry{Actor: "x", Severity: auditlogger.SeverityInfo,
		Details: json.RawMessage(`{"a":1,"a":2}`)})
	fmt.Println(errors.Is(err, auditlogger.ErrInvalidDetails), logger.Count())
	// Output:
	// 1 WARNING admin user.delete user:42 success {"reason":"GDPR request"}
	// true 1
}

// Query by field and severity; the newest matches come last.
func ExampleLogger_Query() {
	logger, _ := auditlogger.New(100)
	defer logger.Close()
	for _, e := range []auditlogger.Entry{
		{Actor: "alice", Action: "login", Resource: "app", Outcome: "success", Severity: auditlogger.SeverityInfo},
		{Actor: "bob", Action: "login", Resource: "app", Outcome: "failure", Severity: auditlogger.SeverityWarning},
		{Actor: "alice", Action: "file.read", Resource: "file:/etc/shadow", Outcome: "denied", Severity: auditlogger.SeverityError},
	} {
		if _, err := logger.Log(e); err != nil {
			panic(err)
		}
	}
	alice, _ := logger.Query(auditlogger.Filter{Actor: auditlogger.Ptr("alice")})
	for _, e := range alice {
		fmt.Println(e.Seq, e.Action)
	}
	bad, _ := logger.Query(auditlogger.Filter{MinSeverity: auditlogger.SeverityWarning, Limit: auditlogger.Ptr(1)})
	fmt.Println(bad[0].Seq, bad[0].Actor, bad[0].Outcome)
	// Output:
	// 1 login
	// 3 file.read
	// 3 alice denied
}

// A subscriber sees every event after it is stored.
func ExampleLogger_Subscribe() {
	logger, _ := auditlogger.New(100)
	defer logger.Close()
	sub, err := logger.Subscribe(func(e auditlogger.Event) error {
		fmt.Println("forward:", e.Seq, e.Actor, e.Action)
		return nil
	})
	if err != nil {
		panic(err)
	}
	for _, actor := range []string{"alice", "bob"} {
		if _, err := logger.Log(auditlogger.Entry{Actor: actor, Action: "login", Resource: "app",
			Outcome: "success", Severity: auditlogger.SeverityInfo}); err != nil {
			panic(err)
		}
	}
	stats, _ := sub.Stats()
	fmt.Println("delivered:", stats.Delivered)
	fmt.Println("removed:", sub.Unsubscribe() == nil)
	// Output:
	// forward: 1 alice login
	// forward: 2 bob login
	// delivered: 2
	// removed: true
}

// An export imports back with the same timestamps; the import is all or nothing.
func ExampleLogger_ImportJSON() {
	logger, _ := auditlogger.New(100)
	defer logger.Close()
	n, err := logger.ImportJSON(`[{"actor": "alice", "action": "login", "resource": "app",
		"outcome": "success", "severity": "INFO", "details": {"ip": "192.0.2.1"},
		"timestamp": "2026-01-02T03:04:05.123456Z"}]`)
	fmt.Println(n, err)
	events, _ := logger.Recent(1)
	fmt.Println(events[0].Timestamp.Format(time.RFC3339Nano), string(events[0].Details))
	doc, _ := logger.ExportJSON("")
	fmt.Print(doc, "\n")
	// Output:
	// 1 <nil>
	// 2026-01-02T03:04:05.123456Z {"ip":"192.0.2.1"}
	// [
	//   {
	//     "actor": "alice",
	//     "action": "login",
	//     "resource": "app",
	//     "outcome": "success",
	//     "severity": "INFO",
	//     "details": {
	//       "ip": "192.0.2.1"
	//     },
	//     "timestamp": "2026-01-02T03:04:05.123456Z",
	//     "seq": 1
	//   }
	// ]
}
