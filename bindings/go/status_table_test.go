package auditlogger

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

// TestStatusTableMatchesHeader reads the AUDIT_OK / AUDIT_ERR_* values from
// include/audit_logger.h and fails when the package's table misses one, has
// one the header does not, or numbers one differently.
func TestStatusTableMatchesHeader(t *testing.T) {
	header, err := os.ReadFile(filepath.Join("..", "..", "include", "audit_logger.h"))
	if err != nil {
		t.Fatal(err)
	}
	fromHeader := map[string]Status{}
	for _, m := range regexp.MustCompile(`(?m)^#define AUDIT_(OK|ERR_[A-Z0-9_]+) (\d+)$`).FindAllSubmatch(header, -1) {
		n, _ := strconv.Atoi(string(m[2]))
		name := string(m[1])
		if name != "OK" {
			name = name[len("ERR_"):]
		}
		fromHeader[name] = Status(n)
	}
	if len(fromHeader) < 14 {
		t.Fatalf("found only %d status codes in the header", len(fromHeader))
	}
	ours := map[string]Status{}
	for code, name := range statusNames {
		ours[name] = code
	}
	for name, code := range fromHeader {
		if got, ok := ours[name]; !ok {
			t.Errorf("the header has AUDIT_ERR_%s = %d; the package does not", name, code)
		} else if got != code {
			t.Errorf("%s is %d in the package, %d in the header", name, got, code)
		}
	}
	for name, code := range ours {
		if _, ok := fromHeader[name]; !ok {
			t.Errorf("the package has %s = %d; the header does not", name, code)
		}
	}
	// Each code has a sentinel and the library's own description.
	sentinels := []*Error{ErrNullArgument, ErrInvalidUTF8, ErrInvalidSeverity, ErrInvalidDetails, ErrInvalidCapacity,
		ErrInvalidArgument, ErrTooLarge, ErrInvalidDocument, ErrIO, ErrNotFound, ErrPanic, ErrTimeout, ErrTooDeep}
	if len(sentinels) != len(fromHeader)-1 {
		t.Errorf("%d sentinels for %d failure codes", len(sentinels), len(fromHeader)-1)
	}
	for _, s := range sentinels {
		if s.Code.String() == "unknown status" || s.Code.Name() == "" {
			t.Errorf("status %d: %q %q", s.Code, s.Code.Name(), s.Code.String())
		}
	}
}
