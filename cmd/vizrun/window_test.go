package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestReportWindow: vizrun report -window writes the report of a stretch of
// the trace, titled with it; bad windows are usage errors in one line.
func TestReportWindow(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "w.html")
	_, stderr, code := vizrun(t, nil, "report", "-window", "50ms:60ms", "-o", out, mixed)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "from 50.0 ms to 60.0 ms") {
		t.Errorf("the report's title does not name the window")
	}
	full, err := parse.ReadFile(mixed, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := parse.ReadFile(mixed, parse.Options{Window: [2]int64{50e6, 60e6}})
	if err != nil {
		t.Fatal(err)
	}
	if w.Duration != 10e6 || full.Duration <= 60e6 {
		t.Errorf("window of %d ns from a trace of %d ns, want 10 ms", w.Duration, full.Duration)
	}
	for _, bad := range []string{"50ms", "60ms:50ms", "x:y", "-1s:1s"} {
		_, stderr, code := vizrun(t, nil, "report", "-window", bad, "-o", out, mixed)
		if code != 2 || strings.Count(strings.TrimSpace(stderr), "\n") != 0 || !strings.Contains(stderr, "-window") {
			t.Errorf("-window %q: exit %d, %q; want a one-line usage error", bad, code, stderr)
		}
	}
	_, stderr, code = vizrun(t, nil, "report", "-window", "1h:2h", "-o", out, mixed)
	if code != 1 || !strings.Contains(stderr, "after the trace's end") {
		t.Errorf("a window after the end: exit %d, %q", code, stderr)
	}
}
