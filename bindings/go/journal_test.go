package auditlogger_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

const firstSegment = "00000000000000000001.seg"

func newJournal(t *testing.T, capacity int, j al.JournalConfig) *al.Logger {
	t.Helper()
	l, err := al.NewWithConfig(al.Config{Capacity: capacity, Journal: j})
	if err != nil {
		t.Fatalf("NewWithConfig(journal %s): %v", j.Dir, err)
	}
	return l
}

func logAs(t *testing.T, l *al.Logger, actor, resource string) uint64 {
	t.Helper()
	seq, err := l.Log(al.Entry{Actor: actor, Action: "login", Resource: resource, Outcome: "success", Severity: al.SeverityInfo})
	if err != nil {
		t.Fatalf("Log(%q): %v", actor, err)
	}
	return seq
}

// tamper replaces the first from (same length) in the first segment.
func tamper(t *testing.T, dir, from, to string) {
	t.Helper()
	file := filepath.Join(dir, firstSegment)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte(from))
	if at < 0 || len(from) != len(to) {
		t.Fatalf("%q is not in %s", from, file)
	}
	copy(data[at:], to)
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestJournalDurableReopenedLockedVerified(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "journal")
	l := newJournal(t, 10, al.JournalConfig{Dir: dir, Fsync: al.FsyncAlways})
	var last uint64
	for i, r := range []string{"host:0", "host:1", "host:2"} {
		if last = logAs(t, l, "alice", r); last != uint64(i+1) {
			t.Fatalf("seq %d, want %d", last, i+1)
		}
	}
	stats, err := l.JournalStats()
	if err != nil {
		t.Fatal(err)
	}
	if stats.DurableSeq < last || stats.WrittenSeq < last || stats.Failing || stats.RecoveredBytesDropped != 0 ||
		stats.Fsyncs == 0 || stats.Fsyncs > last {
		t.Errorf("JournalStats = %+v after seq %d with FsyncAlways", stats, last)
	}
	if _, err := os.Stat(filepath.Join(dir, "anchor.pub")); err != nil {
		t.Error(err)
	}

	// One writer per directory.
	second, err := al.NewWithConfig(al.Config{Capacity: 10, Journal: al.JournalConfig{Dir: dir}})
	if !errors.Is(err, al.ErrIO) || !strings.Contains(err.Error(), "lock") {
		t.Errorf("second open = %v, %v; want ErrIO (locked)", second, err)
	}
	if second != nil {
		second.Close()
	}
	l.Close()

	again := newJournal(t, 10, al.JournalConfig{Dir: dir, Fsync: al.FsyncAlways})
	if again.Count() != 3 || again.Appended() != 3 {
		t.Errorf("reopened: count %d, appended %d; want 3, 3", again.Count(), again.Appended())
	}
	events, err := again.Recent(3)
	if err != nil || len(events) != 3 || events[0].Resource != "host:0" || events[2].Resource != "host:2" {
		t.Errorf("Recent(3) = %+v, %v", events, err)
	}
	if seq := logAs(t, again, "bob", "app"); seq != 4 {
		t.Errorf("seq after reopening = %d, want 4", seq)
	}
	again.Close()

	verdict, report, err := al.VerifyJournal(dir, filepath.Join(dir, "anchor.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if verdict != al.VerdictValid || report.Verdict != "valid" || report.EventsVerified != 4 || len(report.Findings) != 0 {
		t.Errorf("VerifyJournal = %v, %+v", verdict, report)
	}
}

func TestJournalRestoresTheNewestCapacityEvents(t *testing.T) {
	dir := t.TempDir()
	l := newJournal(t, 10, al.JournalConfig{Dir: dir, Fsync: al.FsyncNever})
	for _, r := range []string{"doc:0", "doc:1", "doc:2", "doc:3", "doc:4"} {
		logAs(t, l, "alice", r)
	}
	l.Close()
	small := newJournal(t, 2, al.JournalConfig{Dir: dir})
	defer small.Close()
	events, err := small.Recent(5)
	if err != nil || small.Count() != 2 || small.Appended() != 5 || len(events) != 2 ||
		events[0].Resource != "doc:3" || events[1].Resource != "doc:4" {
		t.Errorf("reopened with capacity 2: count %d appended %d events %+v, %v", small.Count(), small.Appended(), events, err)
	}
}

func TestJournalOneFlippedByteIsTampering(t *testing.T) {
	dir := t.TempDir()
	l := newJournal(t, 10, al.JournalConfig{Dir: dir, Fsync: al.FsyncBatch, BatchEvents: 2, BatchInterval: 10 * time.Millisecond})
	for _, a := range []string{"alice", "mallory", "carol"} {
		logAs(t, l, a, "app")
	}
	l.Close()
	anchor := filepath.Join(dir, "anchor.pub")
	if v, _, err := al.VerifyJournal(dir, anchor); v != al.VerdictValid || err != nil {
		t.Fatalf("before tampering: %v, %v", v, err)
	}

	tamper(t, dir, "mallory", "malloqy")
	verdict, report, err := al.VerifyJournal(dir, anchor)
	if err != nil {
		t.Fatal(err)
	}
	if verdict != al.VerdictTampered || verdict.String() != "tampered" || report.Verdict != "tampered" || len(report.Findings) == 0 {
		t.Fatalf("after tampering: %v, %+v", verdict, report)
	}
	found := false
	for _, f := range report.Findings {
		found = found || (f.Class == "modified" && f.Seq != nil && *f.Seq == 2)
	}
	if !found {
		t.Errorf("no 'modified' finding for seq 2: %+v", report.Findings)
	}
}

func TestJournalEverySettingIsPassedOn(t *testing.T) {
	dir := t.TempDir()
	l := newJournal(t, 100, al.JournalConfig{
		Dir: dir, Fsync: al.FsyncBatch, BatchEvents: 10, BatchInterval: 20 * time.Millisecond, NoCriticalSync: true,
		EpochEvents: 2, EpochInterval: 10 * time.Minute, SegmentBytes: 1 << 20, SegmentAge: time.Hour,
		RetainBytes: 1 << 30, RetainSegments: 10, RetainAge: 365 * 24 * time.Hour,
	})
	for i := 0; i < 5; i++ {
		logAs(t, l, "alice", "app")
	}
	// A checkpoint after 2 events (not 10,000, nor 10 minutes): the journal's thread seals one soon.
	deadline := time.Now().Add(10 * time.Second)
	var stats al.JournalStats
	for {
		var err error
		if stats, err = l.JournalStats(); err != nil {
			t.Fatal(err)
		}
		if stats.Checkpoints >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if stats.Checkpoints < 1 {
		t.Errorf("no checkpoint after 5 events with EpochEvents 2: %+v", stats)
	}
	l.Close()
	if v, _, err := al.VerifyJournal(dir, filepath.Join(dir, "anchor.pub")); v != al.VerdictValid || err != nil {
		t.Errorf("VerifyJournal = %v, %v", v, err)
	}
}

func TestJournalConfigurationErrors(t *testing.T) {
	dir := t.TempDir()
	for name, j := range map[string]al.JournalConfig{
		"unknown fsync policy": {Dir: dir, Fsync: al.FsyncPolicy(9)},
		"negative batch":       {Dir: dir, BatchEvents: -1},
		"negative interval":    {Dir: dir, BatchInterval: -time.Second},
		"negative age":         {Dir: dir, RetainAge: -time.Second},
		"settings without Dir": {Fsync: al.FsyncAlways},
	} {
		l, err := al.NewWithConfig(al.Config{Journal: j})
		if !errors.Is(err, al.ErrInvalidArgument) {
			t.Errorf("%s: NewWithConfig = %v, %v; want ErrInvalidArgument", name, l, err)
		}
		if l != nil {
			l.Close()
		}
	}
	// None of those opened (and locked) the directory.
	l := newJournal(t, 10, al.JournalConfig{Dir: dir})
	defer l.Close()
	if s, err := l.JournalStats(); err != nil || s.WrittenSeq != 0 {
		t.Errorf("JournalStats = %+v, %v", s, err)
	}
}

func TestJournalStatsWithoutJournalAndVerifyErrors(t *testing.T) {
	l := newLogger(t, 10)
	if _, err := l.JournalStats(); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("JournalStats without a journal: %v; want ErrNotFound", err)
	}
	dir := t.TempDir()
	newJournal(t, 10, al.JournalConfig{Dir: dir}).Close()
	if _, _, err := al.VerifyJournal(dir, "not a key!"); !errors.Is(err, al.ErrInvalidArgument) {
		t.Errorf("bad anchor: %v; want ErrInvalidArgument", err)
	}
	missing := filepath.Join(dir, "missing")
	_, _, err := al.VerifyJournal(missing, filepath.Join(dir, "anchor.pub"))
	var e *al.Error
	if !errors.Is(err, al.ErrIO) || !errors.As(err, &e) || e.Path != missing {
		t.Errorf("missing journal: %v; want ErrIO naming %s", err, missing)
	}
}

func TestJournalExportWithProofsVerifiesOffline(t *testing.T) {
	dir := t.TempDir()
	l := newJournal(t, 10, al.JournalConfig{Dir: dir, Fsync: al.FsyncNever})
	var bobSeq uint64
	for i := 0; i < 12; i++ {
		actor := "alice"
		if i%3 == 0 {
			actor = "bob"
		}
		seq := logAs(t, l, actor, fmt.Sprintf("doc:%02d", i))
		if i == 6 {
			bobSeq = seq
		}
	}
	l.Close()
	anchor := filepath.Join(dir, "anchor.pub")
	bundle := filepath.Join(t.TempDir(), "bob.json")
	skipped, err := al.ExportJournalProofs(dir, al.Filter{Actor: al.Ptr("bob")}, bundle)
	if err != nil || skipped != 0 {
		t.Fatalf("ExportJournalProofs = %d, %v", skipped, err)
	}
	verdict, report, err := al.VerifyExport(bundle, anchor)
	if err != nil || verdict != al.VerdictValid || report.EventsVerified != 4 || len(report.Findings) != 0 {
		t.Fatalf("VerifyExport = %v, %+v, %v", verdict, report, err)
	}

	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bundle, []byte(strings.Replace(string(data), "doc:06", "doc:07", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	verdict, report, err = al.VerifyExport(bundle, anchor)
	if err != nil || verdict != al.VerdictTampered || len(report.Findings) == 0 ||
		report.Findings[0].Class != "modified" || report.Findings[0].Seq == nil || *report.Findings[0].Seq != bobSeq {
		t.Fatalf("after changing doc:06: %v, %+v, %v", verdict, report, err)
	}

	if _, err := al.ExportJournalProofs(filepath.Join(dir, "missing"), al.Filter{}, bundle); !errors.Is(err, al.ErrIO) {
		t.Errorf("export of a missing journal: %v, want ErrIO", err)
	}
	if _, _, err := al.VerifyExport(bundle, "not a key"); !errors.Is(err, al.ErrInvalidArgument) {
		t.Errorf("bad anchor: %v, want ErrInvalidArgument", err)
	}
}
