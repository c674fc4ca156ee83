package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// leakLine is the line of the pprof workload's leak, found in its source.
func leakLine(t *testing.T) int {
	t.Helper()
	src, err := os.ReadFile("../../internal/pprofout/gentrace/main.go")
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(src), "\n") {
		if strings.Contains(l, "// leak: nobody ever receives") {
			return i + 1
		}
	}
	t.Fatal("no leak marker in gentrace")
	return 0
}

// TestCheckDefault: without -budget, check fails a trace with a goroutine
// leaked for most of it, with an annotation at the leak's line, and passes
// one whose only leak blocked just before the end.
func TestCheckDefault(t *testing.T) {
	out, errs, code := vizrun(t, nil, "check", mixed)
	if code != 0 || !strings.Contains(out, "within budget: 1 trace (default budget)") {
		t.Errorf("mixed: exit %d, %q %q", code, out, errs)
	}
	out, errs, code = vizrun(t, nil, "check", pprofTrace)
	if code != 1 || !strings.Contains(out, pprofTrace+": leaked goroutines: 1, budget 0\n") ||
		!strings.Contains(out, "1 goroutine (stuck-sender) leaked: blocked on chan send for the last 250 ms of the trace") ||
		!strings.Contains(errs, "1 limit exceeded, by 1 problem, in 1 of 1 trace (default budget)") {
		t.Errorf("pprof trace: exit %d, %q %q", code, out, errs)
	}

	// The verdict as JSON says where the leak is.
	out, _, code = vizrun(t, nil, "check", "-format", "json", pprofTrace)
	var v verdict
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 1 {
		t.Fatalf("json: exit %d, %v", code, err)
	}
	line := leakLine(t)
	if v.Schema != CheckSchema || v.Pass || v.Failures != 1 || len(v.Traces) != 1 || len(v.Traces[0].Violations) != 1 {
		t.Fatalf("verdict %+v", v)
	}
	vi := v.Traces[0].Violations[0]
	site := vi.Items[0].Site
	const file = "internal/pprofout/gentrace/main.go"
	if vi.Limit != "max_leaked_goroutines" || site == nil || !strings.HasSuffix(site.File, "/"+file) || site.Line != line {
		t.Fatalf("violation %+v at %+v, want the leak at %s:%d", vi, site, file, line)
	}

	// GitHub annotations at the leak's line, relative to -root.
	root := strings.TrimSuffix(site.File, file)
	out, _, code = vizrun(t, nil, "check", "-format", "github", "-root", root, pprofTrace)
	want := fmt.Sprintf("::error file=%s,line=%d,title=vizrun check%%3A leaked goroutines%%3A 1%%2C budget 0::%s: 1 goroutine (stuck-sender) leaked", file, line, pprofTrace)
	if code != 1 || !strings.HasPrefix(out, want) {
		t.Errorf("github: exit %d\n%s\nwant %s", code, out, want)
	}
	// Outside the root, the path stays as the trace has it.
	out, _, _ = vizrun(t, nil, "check", "-format", "github", "-root", t.TempDir(), pprofTrace)
	if !strings.HasPrefix(out, fmt.Sprintf("::error file=%s,line=%d,", site.File, line)) {
		t.Errorf("github outside the root:\n%s", out)
	}
	out, _, code = vizrun(t, nil, "check", "-format", "github", mixed)
	if code != 0 || strings.Contains(out, "::error") {
		t.Errorf("github, within budget: exit %d %q", code, out)
	}
}

// TestCheckBaseline: against a baseline, only what is new or worse fails.
func TestCheckBaseline(t *testing.T) {
	// The pprof trace's leak is new against the mixed trace.
	out, errs, code := vizrun(t, nil, "check", "-baseline", mixed, pprofTrace)
	if code != 1 || !strings.Contains(out, pprofTrace+": new: 1 goroutine (stuck-sender) leaked") || !strings.Contains(errs, "1 new or worse problem in 1 of 1 trace, against a baseline of 1") {
		t.Errorf("new leak: exit %d, %q %q", code, out, errs)
	}
	// Against itself, nothing is new.
	out, _, code = vizrun(t, nil, "check", "-baseline", pprofTrace, pprofTrace)
	if code != 0 || !strings.Contains(out, "no new or worse problem in 1 trace against a baseline of 1 (1 known)") {
		t.Errorf("same trace: exit %d, %q", code, out)
	}
	// Mutex waits 4.4 times as long are worse; 4.4 times shorter are not.
	b := writeFile(t, t.TempDir(), "budget.json", `{"max_blocked": {"mutex": "1ms"}}`)
	out, _, code = vizrun(t, nil, "check", "-budget", b, "-baseline", mixed, pprofTrace)
	if code != 1 || !strings.Contains(out, "worse: blocked on mutex: 142 ms, budget 1.00 ms (baseline: 32.6 ms)") {
		t.Errorf("worse: exit %d, %q", code, out)
	}
	out, _, code = vizrun(t, nil, "check", "-budget", b, "-baseline", pprofTrace, mixed)
	if code != 0 || !strings.Contains(out, "(1 known)") {
		t.Errorf("better: exit %d, %q", code, out)
	}
	// As annotations, only the new.
	out, _, code = vizrun(t, nil, "check", "-format", "github", "-baseline", mixed, pprofTrace)
	if code != 1 || strings.Count(out, "::error") != 1 || !strings.Contains(out, "title=vizrun check%3A new since the baseline::") {
		t.Errorf("github against a baseline: exit %d\n%s", code, out)
	}
	if _, errs, code := vizrun(t, nil, "check", "-baseline", "nowhere/*.trace", mixed); code != 1 || !strings.Contains(errs, "-baseline: no file matches") {
		t.Errorf("missing baseline: exit %d %q", code, errs)
	}
}
