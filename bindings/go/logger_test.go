package auditlogger_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

func TestLogGetAndCounters(t *testing.T) {
	l := newLogger(t, 3)
	before := time.Now().Truncate(time.Microsecond)
	seq, err := l.Log(al.Entry{Actor: "alice", Action: "login", Resource: "app", Outcome: "success",
		Severity: al.SeverityWarning, Details: map[string]any{"ip": "10.0.0.1"}})
	after := time.Now()
	if err != nil || seq != 1 {
		t.Fatalf("Log = %d, %v; want 1, nil", seq, err)
	}
	e, err := l.Get(seq)
	if err != nil {
		t.Fatal(err)
	}
	if e.Seq != 1 || e.Actor != "alice" || e.Action != "login" || e.Resource != "app" || e.Outcome != "success" ||
		e.Severity != al.SeverityWarning || string(e.Details) != `{"ip":"10.0.0.1"}` {
		t.Errorf("Get(1) = %+v", e)
	}
	if e.Timestamp.Location() != time.UTC || e.Timestamp.Before(before) || e.Timestamp.After(after) ||
		e.Timestamp.Nanosecond()%1000 != 0 {
		t.Errorf("timestamp %v not a UTC microsecond between %v and %v", e.Timestamp, before, after)
	}
	for i := 0; i < 4; i++ {
		mustLog(t, l, "bob")
	}
	if l.Count() != 3 || l.Capacity() != 3 || l.Evicted() != 2 || l.Appended() != 5 {
		t.Errorf("counters = %d %d %d %d, want 3 3 2 5", l.Count(), l.Capacity(), l.Evicted(), l.Appended())
	}
	if _, err := l.Get(1); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("Get(evicted) = %v, want ErrNotFound", err)
	}
	if _, err := l.Get(6); !errors.Is(err, al.ErrNotFound) {
		t.Errorf("Get(not yet logged) = %v, want ErrNotFound", err)
	}
}

func TestDetailsForms(t *testing.T) {
	type reason struct {
		Code int    `json:"code"`
		Why  string `json:"why"`
	}
	cases := []struct {
		name    string
		details any
		want    string
	}{
		{"nil", nil, `{}`},
		{"raw message keeps key order", json.RawMessage(`{"z":1, "a":2}`), `{"z":1,"a":2}`},
		{"nil raw message", json.RawMessage(nil), `{}`},
		{"bytes", []byte(`{"b":true}`), `{"b":true}`},
		{"string", ` {"s": "x"} `, `{"s":"x"}`},
		{"map", map[string]int{"n": 1}, `{"n":1}`},
		{"struct", reason{7, "gdpr"}, `{"code":7,"why":"gdpr"}`},
		{"pointer to struct", &reason{1, "x"}, `{"code":1,"why":"x"}`},
		{"unicode", map[string]string{"k": "日本 ✓"}, `{"k":"日本 ✓"}`},
	}
	l := newLogger(t, 100)
	for _, c := range cases {
		seq, err := l.Log(al.Entry{Actor: "a", Severity: al.SeverityInfo, Details: c.details})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		e, err := l.Get(seq)
		if err != nil || string(e.Details) != c.want {
			t.Errorf("%s: details %s, %v; want %s", c.name, e.Details, err, c.want)
		}
	}
	// Recorded events are copies: changing the caller's buffer changes nothing.
	buf := []byte(`{"v":1}`)
	seq, err := l.Log(al.Entry{Severity: al.SeverityInfo, Details: buf})
	if err != nil {
		t.Fatal(err)
	}
	copy(buf, `{"v":2}`)
	if e, _ := l.Get(seq); string(e.Details) != `{"v":1}` {
		t.Errorf("details changed with the caller's buffer: %s", e.Details)
	}
}

func TestErrorsMatchSentinels(t *testing.T) {
	l := newLogger(t, 10)
	small, err := al.NewWithConfig(al.Config{Capacity: 4, MaxFieldBytes: 8, MaxDetailsBytes: 32, MaxDetailsDepth: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	info := func(e al.Entry) al.Entry { e.Severity = al.SeverityInfo; return e }
	cases := []struct {
		name string
		want error
		op   func() error
	}{
		{"capacity 0", al.ErrInvalidCapacity, func() error { _, err := al.New(0); return err }},
		{"negative capacity", al.ErrInvalidCapacity, func() error { _, err := al.New(-1); return err }},
		{"config depth out of range", al.ErrInvalidCapacity, func() error { _, err := al.NewWithConfig(al.Config{MaxDetailsDepth: 1000}); return err }},
		{"config negative", al.ErrInvalidCapacity, func() error { _, err := al.NewWithConfig(al.Config{MaxTotalBytes: -1}); return err }},
		{"severity 0", al.ErrInvalidSeverity, func() error { _, err := l.Log(al.Entry{Actor: "a"}); return err }},
		{"severity 15", al.ErrInvalidSeverity, func() error { _, err := l.Log(al.Entry{Severity: 15}); return err }},
		{"details array", al.ErrInvalidDetails, func() error { _, err := l.Log(info(al.Entry{Details: "[1]"})); return err }},
		{"details empty", al.ErrInvalidDetails, func() error { _, err := l.Log(info(al.Entry{Details: ""})); return err }},
		{"details duplicate key", al.ErrInvalidDetails, func() error { _, err := l.Log(info(al.Entry{Details: `{"a":1,"a":2}`})); return err }},
		{"details slice value", al.ErrInvalidDetails, func() error { _, err := l.Log(info(al.Entry{Details: []int{1}})); return err }},
		{"details not encodable", al.ErrInvalidDetails, func() error { _, err := l.Log(info(al.Entry{Details: map[string]any{"f": func() {}}})); return err }},
		{"details too deep", al.ErrInvalidDetails, func() error { _, err := small.Log(info(al.Entry{Details: `{"a":{"b":{}}}`})); return err }},
		{"details too large", al.ErrTooLarge, func() error {
			_, err := small.Log(info(al.Entry{Details: `{"a":"` + strings.Repeat("x", 40) + `"}`}))
			return err
		}},
		{"field too large", al.ErrTooLarge, func() error { _, err := small.Log(info(al.Entry{Actor: "123456789"})); return err }},
		{"invalid UTF-8 actor", al.ErrInvalidUTF8, func() error { _, err := l.Log(info(al.Entry{Actor: "a\xff"})); return err }},
		{"invalid UTF-8 outcome", al.ErrInvalidUTF8, func() error { _, err := l.Log(info(al.Entry{Outcome: "a\xc3"})); return err }},
		{"NUL in actor", al.ErrInvalidArgument, func() error { _, err := l.Log(info(al.Entry{Actor: "root\x00admin"})); return err }},
		{"NUL in resource", al.ErrInvalidArgument, func() error { _, err := l.Log(info(al.Entry{Resource: "\x00"})); return err }},
		{"NUL in details", al.ErrInvalidArgument, func() error { _, err := l.Log(info(al.Entry{Details: "{}\x00[1]"})); return err }},
		{"filter severity", al.ErrInvalidSeverity, func() error { _, err := l.Query(al.Filter{MinSeverity: 15}); return err }},
		{"filter max severity", al.ErrInvalidSeverity, func() error { _, err := l.Query(al.Filter{MaxSeverity: 99}); return err }},
		{"filter invalid UTF-8", al.ErrInvalidUTF8, func() error { _, err := l.Query(al.Filter{Action: al.Ptr("\xff")}); return err }},
		{"filter NUL", al.ErrInvalidArgument, func() error { _, err := l.Query(al.Filter{Actor: al.Ptr("a\x00")}); return err }},
		{"filter negative limit", al.ErrInvalidArgument, func() error { _, err := l.Query(al.Filter{Limit: al.Ptr(-1)}); return err }},
		{"recent negative", al.ErrInvalidArgument, func() error { _, err := l.Recent(-1); return err }},
		{"get unknown", al.ErrNotFound, func() error { _, err := l.Get(42); return err }},
		{"severity name", al.ErrInvalidSeverity, func() error { _, err := al.ParseSeverity("WARN"); return err }},
		{"severity name NUL", al.ErrInvalidArgument, func() error { _, err := al.ParseSeverity("INFO\x00"); return err }},
		{"import not a list", al.ErrInvalidDocument, func() error { _, err := l.ImportJSON("{}"); return err }},
		{"import invalid UTF-8", al.ErrInvalidUTF8, func() error { _, err := l.ImportJSON("[\"\xff\"]"); return err }},
		{"import missing file", al.ErrIO, func() error { _, err := l.ImportJSONFile("/nonexistent-dir/audit.json"); return err }},
		{"export to missing dir", al.ErrIO, func() error { _, err := l.ExportJSON("/nonexistent-dir/audit.json"); return err }},
		{"subscribe nil", al.ErrNullArgument, func() error { _, err := l.Subscribe(nil); return err }},
	}
	sentinels := []error{al.ErrNullArgument, al.ErrInvalidUTF8, al.ErrInvalidSeverity, al.ErrInvalidDetails,
		al.ErrInvalidCapacity, al.ErrInvalidArgument, al.ErrTooLarge, al.ErrInvalidDocument, al.ErrIO,
		al.ErrNotFound, al.ErrPanic}
	for _, c := range cases {
		err := c.op()
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
			continue
		}
		var e *al.Error
		if !errors.As(err, &e) || e.Message == "" || !strings.Contains(err.Error(), e.Message) {
			t.Errorf("%s: %v has no detail message", c.name, err)
		}
		for _, other := range sentinels {
			if other != c.want && errors.Is(err, other) {
				t.Errorf("%s: %v also matches %v", c.name, err, other)
			}
		}
	}
	// Nothing was recorded by any failure.
	if l.Appended() != 0 || small.Appended() != 0 {
		t.Errorf("failures recorded events: %d, %d", l.Appended(), small.Appended())
	}
}

func TestStatusAndSeverityNames(t *testing.T) {
	if got := al.StatusInvalidSeverity.String(); got != "invalid severity" {
		t.Errorf("StatusInvalidSeverity = %q", got)
	}
	if got := al.Status(999).String(); got != "unknown status" {
		t.Errorf("Status(999) = %q", got)
	}
	for _, s := range []al.Severity{al.SeverityInfo, al.SeverityWarning, al.SeverityError, al.SeverityCritical} {
		for _, name := range []string{s.String(), strings.ToLower(s.String())} {
			if got, err := al.ParseSeverity(name); err != nil || got != s {
				t.Errorf("ParseSeverity(%q) = %v, %v; want %v", name, got, err, s)
			}
		}
	}
	if uint32(al.SeverityInfo) != 10 || uint32(al.SeverityCritical) != 40 {
		t.Error("severity numbers differ from the library's")
	}
	if got := al.Severity(15).String(); got != "Severity(15)" {
		t.Errorf("Severity(15) = %q", got)
	}
	if v := al.Version(); len(strings.Split(v, ".")) != 3 {
		t.Errorf("Version() = %q", v)
	}
}

func TestQueryFilters(t *testing.T) {
	l := newLogger(t, 100)
	// Fixed timestamps through import: 1 s apart, the middle one 1 µs past a second.
	n, err := l.ImportJSON(`[
	 {"actor":"alice","action":"login","resource":"app","outcome":"success","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00.000000Z"},
	 {"actor":"","action":"login","resource":"app","outcome":"failure","severity":"ERROR","details":{},"timestamp":"2026-01-01T00:00:01.000001Z"},
	 {"actor":"bob","action":"delete","resource":"","outcome":"success","severity":"CRITICAL","details":{},"timestamp":"2026-01-01T00:00:02.000000Z"}]`)
	if err != nil || n != 3 {
		t.Fatalf("ImportJSON = %d, %v", n, err)
	}
	middle := time.Date(2026, 1, 1, 0, 0, 1, 1000, time.UTC)
	cases := []struct {
		name   string
		filter al.Filter
		want   []uint64
	}{
		{"zero filter", al.Filter{}, []uint64{1, 2, 3}},
		{"actor", al.Filter{Actor: al.Ptr("alice")}, []uint64{1}},
		{"empty actor is a filter", al.Filter{Actor: al.Ptr("")}, []uint64{2}},
		{"empty resource", al.Filter{Resource: al.Ptr("")}, []uint64{3}},
		{"outcome and action", al.Filter{Outcome: al.Ptr("success"), Action: al.Ptr("login")}, []uint64{1}},
		{"min severity", al.Filter{MinSeverity: al.SeverityError}, []uint64{2, 3}},
		{"max severity", al.Filter{MaxSeverity: al.SeverityError}, []uint64{1, 2}},
		{"since inclusive", al.Filter{Since: al.Ptr(middle)}, []uint64{2, 3}},
		{"since later in the microsecond", al.Filter{Since: al.Ptr(middle.Add(500))}, []uint64{3}},
		{"until inclusive", al.Filter{Until: al.Ptr(middle)}, []uint64{1, 2}},
		{"until later in the microsecond", al.Filter{Until: al.Ptr(middle.Add(999))}, []uint64{1, 2}},
		{"until before", al.Filter{Until: al.Ptr(middle.Add(-1))}, []uint64{1}},
		{"since in another zone", al.Filter{Since: al.Ptr(middle.In(time.FixedZone("X", 3600)))}, []uint64{2, 3}},
		{"after seq", al.Filter{AfterSeq: 1}, []uint64{2, 3}},
		{"limit keeps the newest", al.Filter{Limit: al.Ptr(2)}, []uint64{2, 3}},
		{"limit 0", al.Filter{Limit: al.Ptr(0)}, []uint64{}},
	}
	for _, c := range cases {
		events, err := l.Query(c.filter)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := seqsOf(events); !equalSeqs(got, c.want) {
			t.Errorf("%s: seqs %v, want %v", c.name, got, c.want)
		}
	}
	if e, _ := l.Get(2); !e.Timestamp.Equal(middle) {
		t.Errorf("imported timestamp %v, want %v", e.Timestamp, middle)
	}
	recent, err := l.Recent(0)
	if err != nil || len(recent) != 0 {
		t.Errorf("Recent(0) = %v, %v", recent, err)
	}
}

func equalSeqs(a, b []uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCloseIsIdempotentAndFinal(t *testing.T) {
	l, err := al.New(10)
	if err != nil {
		t.Fatal(err)
	}
	mustLog(t, l, "a")
	sub, err := l.Subscribe(func(al.Event) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	checks := map[string]error{}
	_, checks["Log"] = l.Log(al.Entry{Severity: al.SeverityInfo})
	_, checks["Query"] = l.Query(al.Filter{})
	_, checks["Recent"] = l.Recent(1)
	_, checks["Get"] = l.Get(1)
	_, checks["ExportJSON"] = l.ExportJSON("")
	_, checks["ImportJSON"] = l.ImportJSON("[]")
	_, checks["Subscribe"] = l.Subscribe(func(al.Event) error { return nil })
	checks["Unsubscribe"] = sub.Unsubscribe()
	_, checks["Stats"] = sub.Stats()
	for name, err := range checks {
		if !errors.Is(err, al.ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
	if l.Count() != 0 || l.Appended() != 0 {
		t.Errorf("counters after Close = %d, %d", l.Count(), l.Appended())
	}
}

func TestNewWithConfig(t *testing.T) {
	l, err := al.NewWithConfig(al.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Capacity() != 5000 {
		t.Errorf("default capacity %d, want 5000", l.Capacity())
	}
	l.Close()
	// A byte budget evicts by size, below the event capacity.
	l, err = al.NewWithConfig(al.Config{Capacity: 1000, MaxTotalBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for i := 0; i < 100; i++ {
		if _, err := l.Log(al.Entry{Actor: strings.Repeat("a", 200), Severity: al.SeverityInfo}); err != nil {
			t.Fatal(err)
		}
	}
	if l.Capacity() != 1000 || l.Count() >= 100 || l.Evicted() == 0 || uint64(l.Count())+l.Evicted() != 100 {
		t.Errorf("capacity %d count %d evicted %d", l.Capacity(), l.Count(), l.Evicted())
	}
}

func TestLogBatch(t *testing.T) {
	l := newLogger(t, 100)
	mustLog(t, l, "before")
	entries := []al.Entry{
		{Actor: "a", Action: "login", Severity: al.SeverityInfo, Details: map[string]any{"k": 1}},
		{Actor: "b", Severity: al.SeverityCritical},
		{Actor: "c", Severity: al.SeverityInfo, Details: `{"n": [1, 2]}`},
	}
	first, err := l.LogBatch(entries)
	if err != nil || first != 2 {
		t.Fatalf("LogBatch = %d, %v; want 2, nil", first, err)
	}
	var stamps []time.Time
	for i, want := range []string{"a", "b", "c"} {
		e, err := l.Get(first + uint64(i))
		if err != nil || e.Actor != want {
			t.Fatalf("Get(%d) = %+v, %v; want actor %q", first+uint64(i), e, err, want)
		}
		stamps = append(stamps, e.Timestamp)
	}
	if !stamps[0].Equal(stamps[1]) || !stamps[1].Equal(stamps[2]) {
		t.Errorf("timestamps %v differ within a batch", stamps)
	}
	if e, _ := l.Get(4); string(e.Details) != `{"n":[1,2]}` {
		t.Errorf("details = %s", e.Details)
	}
	if e, _ := l.Get(3); e.Severity != al.SeverityCritical {
		t.Errorf("severity = %v", e.Severity)
	}
	if first, err := l.LogBatch(nil); err != nil || first != 0 {
		t.Errorf("LogBatch(nil) = %d, %v; want 0, nil", first, err)
	}
	// All or nothing, the index named: by the library and by the binding.
	bad := []al.Entry{{Actor: "ok", Severity: al.SeverityInfo}, {Actor: "ok", Severity: al.SeverityInfo}, {Actor: "x", Severity: al.SeverityInfo, Details: "[1]"}}
	if _, err := l.LogBatch(bad); !errors.Is(err, al.ErrInvalidDetails) || !strings.HasPrefix(err.(*al.Error).Message, "event 2: ") {
		t.Errorf("bad details: %v", err)
	}
	bad = []al.Entry{{Actor: "ok", Severity: al.SeverityInfo}, {Actor: "nul\x00", Severity: al.SeverityInfo}}
	if _, err := l.LogBatch(bad); !errors.Is(err, al.ErrInvalidArgument) || !strings.HasPrefix(err.(*al.Error).Message, "event 1: ") {
		t.Errorf("NUL: %v", err)
	}
	if l.Appended() != 4 {
		t.Errorf("appended %d after failed batches, want 4", l.Appended())
	}
}
