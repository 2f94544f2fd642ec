package auditlogger_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

// The conformance vectors of tests/vectors (see its README): every *.json
// file found at run time is one scenario.

type vectorFile struct {
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Capacity    int          `json:"capacity"`
	Steps       []vectorStep `json:"steps"`
}

type vectorStep struct {
	Op       string                     `json:"op"`
	Capacity int                        `json:"capacity"`
	Actor    string                     `json:"actor"`
	Action   string                     `json:"action"`
	Resource string                     `json:"resource"`
	Outcome  string                     `json:"outcome"`
	Severity uint32                     `json:"severity"`
	Details  *string                    `json:"details"`
	Filter   json.RawMessage            `json:"filter"`
	N        int                        `json:"n"`
	Seq      uint64                     `json:"seq"`
	JSON     string                     `json:"json"`
	Name     string                     `json:"name"`
	Expect   map[string]json.RawMessage `json:"expect"`
}

type vectorFilter struct {
	Actor       *string `json:"actor"`
	Action      *string `json:"action"`
	Resource    *string `json:"resource"`
	Outcome     *string `json:"outcome"`
	MinSeverity uint32  `json:"min_severity"`
	MaxSeverity uint32  `json:"max_severity"`
	Since       *int64  `json:"since"`
	Until       *int64  `json:"until"`
	AfterSeq    uint64  `json:"after_seq"`
	Limit       *int    `json:"limit"`
}

// vectorErrors maps the status names the vectors use to the sentinels.
var vectorErrors = map[string]error{
	"NULL_ARGUMENT":    al.ErrNullArgument,
	"INVALID_UTF8":     al.ErrInvalidUTF8,
	"INVALID_SEVERITY": al.ErrInvalidSeverity,
	"INVALID_DETAILS":  al.ErrInvalidDetails,
	"INVALID_CAPACITY": al.ErrInvalidCapacity,
	"INVALID_ARGUMENT": al.ErrInvalidArgument,
	"TOO_LARGE":        al.ErrTooLarge,
	"INVALID_DOCUMENT": al.ErrInvalidDocument,
	"IO":               al.ErrIO,
	"NOT_FOUND":        al.ErrNotFound,
	"PANIC":            al.ErrPanic,
}

func vectorsDir() string {
	if dir := os.Getenv("AUDIT_VECTORS_DIR"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "tests", "vectors")
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func TestVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(vectorsDir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no vectors in %s (set AUDIT_VECTORS_DIR)", vectorsDir())
	}
	sort.Strings(files)
	for _, file := range files {
		file := file
		t.Run(strings.TrimSuffix(filepath.Base(file), ".json"), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var v vectorFile
			if err := strictDecode(data, &v); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			within(t, 30*time.Second, func() { runVector(t, v) })
		})
	}
}

func runVector(t *testing.T, v vectorFile) {
	logger, err := al.New(v.Capacity)
	if err != nil {
		t.Errorf("New(%d): %v", v.Capacity, err)
		return
	}
	defer logger.Close()
	var mu sync.Mutex
	received := map[string][]uint64{}
	subs := map[string]*al.Subscription{}

	for i, s := range v.Steps {
		where := func(format string, args ...any) {
			t.Helper()
			t.Errorf("step %d (%s): "+format, append([]any{i, s.Op}, args...)...)
		}
		var got map[string]any // the values the step produced
		var err error
		switch s.Op {
		case "create":
			var l *al.Logger
			if l, err = al.New(s.Capacity); err == nil {
				l.Close()
			}
		case "log":
			entry := al.Entry{Actor: s.Actor, Action: s.Action, Resource: s.Resource, Outcome: s.Outcome, Severity: al.Severity(s.Severity)}
			if s.Details != nil {
				entry.Details = *s.Details
			}
			var seq uint64
			seq, err = logger.Log(entry)
			got = map[string]any{"seq": seq}
		case "query":
			var f vectorFilter
			if err := strictDecode(s.Filter, &f); err != nil {
				where("filter: %v", err)
				continue
			}
			filter := al.Filter{Actor: f.Actor, Action: f.Action, Resource: f.Resource, Outcome: f.Outcome,
				MinSeverity: al.Severity(f.MinSeverity), MaxSeverity: al.Severity(f.MaxSeverity), AfterSeq: f.AfterSeq, Limit: f.Limit}
			if f.Since != nil {
				filter.Since = al.Ptr(time.UnixMicro(*f.Since))
			}
			if f.Until != nil {
				filter.Until = al.Ptr(time.UnixMicro(*f.Until))
			}
			var events []al.Event
			events, err = logger.Query(filter)
			got = map[string]any{"seqs": seqsOf(events)}
		case "recent":
			var events []al.Event
			events, err = logger.Recent(s.N)
			got = map[string]any{"seqs": seqsOf(events)}
		case "event":
			var e al.Event
			e, err = logger.Get(s.Seq)
			got = map[string]any{"actor": e.Actor, "action": e.Action, "resource": e.Resource, "outcome": e.Outcome,
				"severity": uint32(e.Severity), "details": string(e.Details), "timestamp": e.Timestamp.UnixMicro()}
			if e.Seq != s.Seq && err == nil {
				where("Get(%d) returned seq %d", s.Seq, e.Seq)
			}
			if err == nil && e.Timestamp.Location() != time.UTC {
				where("timestamp is not UTC: %v", e.Timestamp)
			}
		case "counters":
			got = map[string]any{"count": logger.Count(), "capacity": logger.Capacity(), "evicted": logger.Evicted(), "appended": logger.Appended()}
		case "import":
			var n int
			n, err = logger.ImportJSON(s.JSON)
			got = map[string]any{"imported": n}
		case "export":
			var doc string
			doc, err = logger.ExportJSON("")
			got = map[string]any{"json": doc}
		case "severity_from_name":
			var sev al.Severity
			sev, err = al.ParseSeverity(s.Name)
			got = map[string]any{"severity": uint32(sev)}
		case "subscribe":
			name := s.Name
			subs[name], err = logger.Subscribe(func(e al.Event) error {
				mu.Lock()
				received[name] = append(received[name], e.Seq)
				mu.Unlock()
				return nil
			})
		case "unsubscribe":
			sub, ok := subs[s.Name]
			if !ok {
				where("no subscription named %q", s.Name)
				continue
			}
			uerr := sub.Unsubscribe()
			if uerr != nil && !errors.Is(uerr, al.ErrNotFound) {
				err = uerr
			}
			got = map[string]any{"removed": uerr == nil}
		case "received":
			mu.Lock()
			got = map[string]any{"seqs": append([]uint64{}, received[s.Name]...)}
			mu.Unlock()
		default:
			where("unknown op: the runner must learn it")
			return
		}

		if raw, ok := s.Expect["error"]; ok {
			var name string
			if jerr := json.Unmarshal(raw, &name); jerr != nil {
				where("bad expected error: %v", jerr)
				continue
			}
			want, known := vectorErrors[name]
			switch {
			case !known:
				where("unknown error name %q", name)
			case err == nil:
				where("succeeded, want error %s", name)
			case !errors.Is(err, want):
				where("got %v, want error %s", err, name)
			}
			continue
		}
		if err != nil {
			where("unexpected error: %v", err)
			continue
		}
		for key, raw := range s.Expect {
			value, ok := got[key]
			if !ok {
				where("the runner does not check expected key %q", key)
				continue
			}
			// Decode the expectation into the Go type the step produced.
			want := reflect.New(reflect.TypeOf(value))
			if jerr := json.Unmarshal(raw, want.Interface()); jerr != nil {
				where("expected %s: %v", key, jerr)
				continue
			}
			if !reflect.DeepEqual(value, want.Elem().Interface()) {
				where("%s = %v, want %v", key, value, want.Elem().Interface())
			}
		}
	}
}

func seqsOf(events []al.Event) []uint64 {
	seqs := make([]uint64, len(events))
	for i, e := range events {
		seqs[i] = e.Seq
	}
	return seqs
}
