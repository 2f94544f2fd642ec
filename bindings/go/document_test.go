package auditlogger_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	al "github.com/audit-logger/audit-logger/bindings/go"
)

func TestExportImportRoundTrip(t *testing.T) {
	src := newLogger(t, 10)
	entries := []al.Entry{
		{Actor: "admin", Action: "user.delete", Resource: "user:42", Outcome: "success", Severity: al.SeverityWarning,
			Details: map[string]any{"reason": "GDPR request"}},
		{Actor: "mallory\nINFO forged", Action: "ünïcødé", Outcome: "denied", Severity: al.SeverityCritical,
			Details: json.RawMessage(`{"z":[1,2.5,null],"a":{}}`)},
	}
	for _, e := range entries {
		if _, err := src.Log(e); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "audit.json")
	doc, err := src.ExportJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile(path)
	if err != nil || string(file) != doc {
		t.Fatalf("file differs from the returned document (%v)", err)
	}
	var parsed []map[string]any
	if err := json.Unmarshal([]byte(doc), &parsed); err != nil || len(parsed) != 2 || parsed[1]["severity"] != "CRITICAL" {
		t.Fatalf("export is not the expected document: %v\n%s", err, doc)
	}

	want, _ := src.Query(al.Filter{})
	for name, load := range map[string]func(*al.Logger) (int, error){
		"string": func(l *al.Logger) (int, error) { return l.ImportJSON(doc) },
		"file":   func(l *al.Logger) (int, error) { return l.ImportJSONFile(path) },
	} {
		dst := newLogger(t, 10)
		n, err := load(dst)
		if err != nil || n != 2 {
			t.Fatalf("%s import = %d, %v", name, n, err)
		}
		got, _ := dst.Query(al.Filter{})
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", name, got, want)
		}
		if again, _ := dst.ExportJSON(""); again != doc {
			t.Errorf("%s: re-export differs", name)
		}
	}
}

func TestFailedExportKeepsTheOldFile(t *testing.T) {
	l := newLogger(t, 10)
	mustLog(t, l, "a")
	dir := t.TempDir()
	target := filepath.Join(dir, "audit.json")
	if _, err := l.ExportJSON(target); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(target)
	// A directory where the file should go makes the final rename fail, even as root.
	blocked := filepath.Join(dir, "blocked")
	if err := os.Mkdir(blocked, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mustLog(t, l, "b")
	if _, err := l.ExportJSON(blocked); !errors.Is(err, al.ErrIO) {
		t.Errorf("export onto a directory = %v, want ErrIO", err)
	}
	if now, _ := os.ReadFile(target); string(now) != string(old) {
		t.Error("the earlier export changed")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		names := []string{}
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("temporary files left behind: %v", names)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	l := newLogger(t, 10)
	mustLog(t, l, "a")
	bad := `[{"actor":"a","action":"b","resource":"c","outcome":"d","severity":"INFO","details":{},"timestamp":"2026-01-01T00:00:00Z"},{"actor":1}]`
	if _, err := l.ImportJSON(bad); !errors.Is(err, al.ErrInvalidDocument) {
		t.Fatalf("ImportJSON = %v, want ErrInvalidDocument", err)
	}
	if l.Count() != 1 || l.Appended() != 1 {
		t.Errorf("a failed import changed the logger: count %d appended %d", l.Count(), l.Appended())
	}
}
