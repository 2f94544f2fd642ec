// Command consumer runs the packaging scenario (tests/packaging/README.md)
// through the Go module, built outside the repository against an installed
// prefix found with PKG_CONFIG_PATH alone.
//
//	consumer FIXTURE OUTDIR NAME
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	auditlogger "github.com/audit-logger/audit-logger/bindings/go"
)

func line(e auditlogger.Event, withTime bool) string {
	t := ""
	if withTime {
		t = fmt.Sprintf("%d ", e.Timestamp.UnixMicro())
	}
	return fmt.Sprintf("%d %s%s %s %s %s %s %s\n", e.Seq, t, e.Severity, e.Actor, e.Action, e.Resource, e.Outcome, e.Details)
}

func must[T any](v T, err error) T {
	if err != nil {
		fmt.Fprintln(os.Stderr, "consumer:", err)
		os.Exit(1)
	}
	return v
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "Usage: consumer FIXTURE OUTDIR NAME")
		os.Exit(2)
	}
	fixture, outdir, name := os.Args[1], os.Args[2], os.Args[3]
	var out strings.Builder
	section := func(title string, events []auditlogger.Event, withTime bool) {
		out.WriteString(title + "\n")
		for _, e := range events {
			out.WriteString(line(e, withTime))
		}
	}
	fmt.Printf("audit-logger %s (module %s)\n", auditlogger.Version(), auditlogger.BindingVersion)

	fixed := must(auditlogger.New(100))
	doc := must(os.ReadFile(fixture))
	fmt.Fprintf(&out, "imported %d\n", must(fixed.ImportJSON(string(doc))))
	section("query actor=alice", must(fixed.Query(auditlogger.Filter{Actor: auditlogger.Ptr("alice")})), true)
	section("query min_severity=ERROR", must(fixed.Query(auditlogger.Filter{MinSeverity: auditlogger.SeverityError})), true)
	since, until := time.UnixMicro(1767225602000000), time.UnixMicro(1767225605000000)
	section("query since=1767225602000000 until=1767225605000000",
		must(fixed.Query(auditlogger.Filter{Since: &since, Until: &until})), true)
	section("query outcome=failure limit=1",
		must(fixed.Query(auditlogger.Filter{Outcome: auditlogger.Ptr("failure"), Limit: auditlogger.Ptr(1)})), true)
	section("recent 2", must(fixed.Recent(2)), true)
	must(0, os.WriteFile(filepath.Join(outdir, name+".json"), []byte(must(fixed.ExportJSON(""))), 0o644))
	fixed.Close()

	live := must(auditlogger.New(100))
	defer live.Close()
	out.WriteString("live\n")
	sub := must(live.Subscribe(func(e auditlogger.Event) error {
		out.WriteString(line(e, false))
		return nil
	}))
	entry := func(actor, action, resource, outcome string, sev auditlogger.Severity, details string) uint64 {
		return must(live.Log(auditlogger.Entry{Actor: actor, Action: action, Resource: resource,
			Outcome: outcome, Severity: sev, Details: details}))
	}
	entry("alice", "login", "app", "success", auditlogger.SeverityInfo, `{"b":1,"a":[true,null]}`)
	entry("bob", "user.update", "user:7", "success", auditlogger.SeverityWarning, `{"field":"email"}`)
	entry("mallory", "login", "app", "failure", auditlogger.SeverityError, `{}`)
	entry("svc", "key.rotate", "kms:1", "failure", auditlogger.SeverityCritical, `{"n":1.50}`)
	fmt.Fprintf(&out, "unsubscribe %t\n", sub.Unsubscribe() == nil)
	last := entry("alice", "logout", "app", "success", auditlogger.SeverityInfo, `{}`)
	fmt.Fprintf(&out, "logged %d\n", last)
	section("query outcome=failure", must(live.Query(auditlogger.Filter{Outcome: auditlogger.Ptr("failure")})), false)
	fmt.Fprintf(&out, "count %d\n", live.Count())

	must(0, os.WriteFile(filepath.Join(outdir, name+".txt"), []byte(out.String()), 0o644))
}
