package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Tests of what vizrun check counts and says, on recorded traces.

const corpus = "../../testdata/corpus/"

func copyFileTo(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckCountsFailingTraces: the last line says how many of the traces
// checked failed, and counts limits and problems apart: a leak group over
// both leak limits is one problem.
func TestCheckCountsFailingTraces(t *testing.T) {
	dir := t.TempDir()
	copyFileTo(t, corpus+"conc-pool.trace.gz", filepath.Join(dir, "a.trace.gz"))   // one leak group, proven: 2 limits, 1 problem
	copyFileTo(t, corpus+"http-mutex.trace.gz", filepath.Join(dir, "b.trace.gz"))  // 1 limit, 1 problem
	copyFileTo(t, corpus+"tracer-send.trace.gz", filepath.Join(dir, "c.trace.gz")) // within budget
	_, errs, code := vizrun(t, nil, "check", dir)
	want := "3 limits exceeded, by 2 problems, in 2 of 3 traces (default budget)"
	if code != 1 || !strings.Contains(errs, want) {
		t.Errorf("exit %d, stderr %q; want %q", code, errs, want)
	}
}

// TestCheckGitHubOnePerProblem: a proven leak exceeds max_leaked_goroutines
// and max_proven_leaks: one annotation at its line, naming both limits.
func TestCheckGitHubOnePerProblem(t *testing.T) {
	out, _, code := vizrun(t, nil, "check", "-format", "github", corpus+"conc-pool.trace.gz")
	if code != 1 || strings.Count(out, "::error") != 1 {
		t.Fatalf("exit %d, want one annotation:\n%s", code, out)
	}
	if !strings.Contains(out, "leaked goroutines%3A 7%2C budget 0; proven leaks%3A 7 goroutines%2C budget 0::") {
		t.Errorf("the annotation does not name both limits:\n%s", out)
	}
}

// TestCheckWarnsUnmatchedLocks: a budget's lock name that no trace checked
// has is warned of, in one line on stderr, and does not fail the check.
func TestCheckWarnsUnmatchedLocks(t *testing.T) {
	b := filepath.Join(t.TempDir(), "budget.json")
	os.WriteFile(b, []byte(`{"locks": {"jobs": {"max_waits": 1000000}, "jbos": {"max_waits": 1}}}`), 0o644)
	_, errs, code := vizrun(t, nil, "check", "-budget", b, corpus+"tracer-send.trace.gz")
	if code != 0 {
		t.Errorf("exit %d: %s", code, errs)
	}
	warn := `vizrun: warning: ` + b + `: locks: no mutex, RWMutex or channel named "jbos" in the 1 trace checked (a misspelt name checks nothing)`
	if !strings.Contains(errs, warn+"\n") || strings.Contains(errs, `"jobs"`) {
		t.Errorf("stderr %q; want only %q", errs, warn)
	}
}
