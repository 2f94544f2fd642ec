package auditlogger_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

func TestForwarderJSONLReceivesEveryEvent(t *testing.T) {
	out := filepath.Join(t.TempDir(), "events.jsonl")
	l, err := al.New(50)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	index, err := l.AddForwarder("file", al.ForwarderConfig{Target: al.TargetJSONL, Address: out, Format: al.FormatJSONLine})
	if err != nil || index != 0 {
		t.Fatalf("AddForwarder = %d, %v", index, err)
	}
	for i := 0; i < 130; i++ {
		logAs(t, l, "alice", "doc")
	}
	report, err := l.CloseForwarder(index, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if report.Delivered != 130 || report.Left != 0 || report.TimedOut || report.LastAckedSeq != 130 {
		t.Fatalf("report %+v", report)
	}
	stats, err := l.ForwarderStats(index)
	if err != nil || stats.Offered != 130 || stats.Delivered != 130 || stats.LagEvents != 0 || stats.LastError != "" {
		t.Fatalf("stats %+v, %v", stats, err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	var seq uint64
	for scanner.Scan() {
		var line struct {
			Seq   uint64 `json:"seq"`
			LogID string `json:"log_id"`
		}
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		seq++
		if line.Seq != seq || line.LogID == "" {
			t.Fatalf("line %d: %+v", seq, line)
		}
	}
	if seq != 130 {
		t.Fatalf("%d lines", seq)
	}
}

func TestForwarderUnwritableFileShowsInStats(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "missing", "x.jsonl")
	l, err := al.New(10)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cfg := al.ForwarderConfig{Target: al.TargetJSONL, Address: bad, RetryInitial: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, CloseTimeout: 100 * time.Millisecond}
	if _, err := l.AddForwarder("bad", cfg); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		logAs(t, l, "a", "b")
	}
	var stats al.ForwarderStats
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if stats, err = l.ForwarderStats(0); err != nil || stats.LastError != "" {
			break
		}
	}
	if !strings.Contains(stats.LastError, bad) || stats.Connected || stats.LagEvents != 3 {
		t.Fatalf("stats %+v", stats)
	}
	report, err := l.CloseForwarder(0, 100*time.Millisecond)
	if err != nil || report.Left != 3 || !report.TimedOut {
		t.Fatalf("report %+v, %v", report, err)
	}
}

func TestForwarderBadConfigurationsAreRefused(t *testing.T) {
	dir := t.TempDir()
	l, err := al.New(10)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	file := al.ForwarderConfig{Target: al.TargetJSONL, Address: filepath.Join(dir, "f")}
	for name, cfg := range map[string]al.ForwarderConfig{
		"a/b": file,
		"t":   {Address: "x"},
		"b":   {Target: al.TargetJSONL, Address: filepath.Join(dir, "b"), Backlog: -1},
		"s":   {Target: al.TargetSyslog, Address: "127.0.0.1:1", Format: al.FormatOCSF},
		"n":   {Target: al.TargetJSONL, Address: "a\x00b"},
	} {
		if _, err := l.AddForwarder(name, cfg); !errors.Is(err, al.ErrInvalidArgument) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Each option's failure is the error, the first one when several fail.
	syslog := func(c al.ForwarderConfig) al.ForwarderConfig {
		c.Target, c.Address = al.TargetSyslog, "127.0.0.1:1"
		return c
	}
	for name, c := range map[string]struct {
		cfg  al.ForwarderConfig
		want string
	}{
		"tls-on-a-file":  {al.ForwarderConfig{Target: al.TargetJSONL, Address: filepath.Join(dir, "t"), TLS: &al.ForwarderTLS{}}, "TLS"},
		"tls-nul":        {al.ForwarderConfig{Target: al.TargetSyslog, Address: "127.0.0.1:1", TLS: &al.ForwarderTLS{CAFile: "a\x00"}}, "TLS contains a NUL"},
		"property-key":   {syslog(al.ForwarderConfig{Properties: map[string]string{"k\x00": "v"}}), "Properties key contains a NUL"},
		"property-value": {syslog(al.ForwarderConfig{Properties: map[string]string{"k": "v\x00"}}), "Properties value contains a NUL"},
		"block-timeout":  {syslog(al.ForwarderConfig{Backlog: 5, BlockTimeout: -time.Second}), "BlockTimeout -1s is negative"},
		"retry-first":    {syslog(al.ForwarderConfig{RetryInitial: -time.Second, RetryMax: -time.Second}), "RetryInitial -1s is negative"},
		"retry-max":      {syslog(al.ForwarderConfig{RetryMax: -time.Second, CloseTimeout: -time.Second}), "RetryMax -1s is negative"},
		"close-timeout":  {syslog(al.ForwarderConfig{CloseTimeout: -time.Second}), "CloseTimeout -1s is negative"},
	} {
		_, err := l.AddForwarder(name, c.cfg)
		if !errors.Is(err, al.ErrInvalidArgument) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an invalid argument about %q", name, err, c.want)
		}
	}
	if _, err := l.AddForwarder("f", file); err != nil {
		t.Fatal(err)
	}
	if _, err := l.AddForwarder("f", file); !errors.Is(err, al.ErrInvalidArgument) {
		t.Errorf("twice: %v", err)
	}
	if _, err := l.ForwarderStats(5); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("stats 5: %v", err)
	}
	if _, err := l.CloseForwarder(5, time.Second); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("close 5: %v", err)
	}
}
