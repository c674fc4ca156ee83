package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	rtrace "runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

var update = flag.Bool("update", false, "rewrite golden files")

const mixed = "../../testdata/go1.26-mixed.trace"

// vizrun runs the CLI in-process.
func vizrun(t *testing.T, stdin []byte, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, bytes.NewReader(stdin), &out, &errb)
	if err != nil && !strings.Contains(errb.String(), err.Error()) && exitCode(err) != 0 && err != errSilent {
		errb.WriteString("vizrun: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		os.WriteFile(path+".got", []byte(got), 0o644)
		t.Errorf("%s differs from the golden file; got written to %s.got (run with -update if the change is right)", name, path)
	}
}

func TestGoldenSummary(t *testing.T) {
	out, errs, code := vizrun(t, nil, "summary", mixed)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "mixed.summary.golden", out)

	out, errs, code = vizrun(t, nil, "summary", "-json", mixed)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "mixed.summary.json.golden", out)
	var s summary.Summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	if s.Schema != summary.Schema || s.Goroutines.Leaked != 1 || len(s.Leaks) != 1 || s.Leaks[0].Name != "leaker" {
		t.Errorf("summary JSON: schema %q, %d leaked, leaks %+v", s.Schema, s.Goroutines.Leaked, s.Leaks)
	}
}

func TestSummaryFromStdin(t *testing.T) {
	data, err := os.ReadFile(mixed)
	if err != nil {
		t.Fatal(err)
	}
	fromFile, _, _ := vizrun(t, nil, "summary", "-json", mixed)
	fromStdin, errs, code := vizrun(t, data, "summary", "-json", "-")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Only the source differs.
	if strings.Replace(fromFile, mixed, "-", 1) != fromStdin {
		t.Error("summary of stdin differs from the summary of the file")
	}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	_, errs, code := vizrun(t, nil, "report", "-o", out, mixed)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "wrote "+out) {
		t.Errorf("stderr does not say where the report went: %q", errs)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"vz-timeline", "leaker", "Still blocked at end", "<title>vizrun report of " + mixed + "</title>"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the output directory holds %d files, want just the report (no temp files)", len(entries))
	}
	// To stdout.
	stdout, _, code := vizrun(t, nil, "report", "-o", "-", mixed)
	if code != 0 || !strings.HasPrefix(stdout, "<!DOCTYPE html>") {
		t.Errorf("report -o -: exit %d, output starts %q", code, stdout[:min(len(stdout), 40)])
	}
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string // in stdout+stderr
	}{
		{nil, 2, "usage:"},
		{[]string{"help"}, 0, "vizrun report"},
		{[]string{"help", "report"}, 0, "-o file"},
		{[]string{"help", "nope"}, 2, `unknown command "nope"`},
		{[]string{"report", "-h"}, 0, "-rows"},
		{[]string{"summary", "-h"}, 0, "-json"},
		{[]string{"nope"}, 2, `unknown command "nope"`},
		{[]string{"report"}, 2, "report needs a trace file, a directory or a pattern"},
		{[]string{"report", "a", "b"}, 1, "a: no such file or directory"},
		{[]string{"report", "-bogus", mixed}, 2, "flag provided but not defined: -bogus"},
		{[]string{"report", "-rows", "0", mixed}, 2, "-rows must be at least 1"},
		{[]string{"summary"}, 2, "summary needs a trace file, a directory or a pattern"},
	} {
		out, errs, code := vizrun(t, nil, c.args...)
		if code != c.code || !strings.Contains(out+errs, c.want) {
			t.Errorf("vizrun %q: exit %d, want %d; output %q does not contain %q", c.args, code, c.code, out+errs, c.want)
		}
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data, err := os.ReadFile(mixed)
	if err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 10000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range rnd {
		rnd[i] = byte(r.UintN(256))
	}
	var prof bytes.Buffer
	if err := pprof.StartCPUProfile(&prof); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	pprof.StopCPUProfile()
	notDir := write("plain-file", []byte("x"))
	noTraces := filepath.Join(dir, "no-traces")
	if err := os.Mkdir(noTraces, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, input string
		out         string // -o; "" for dir/out.html
		code        int
		want        string // in stderr
	}{
		{"missing file", filepath.Join(dir, "missing.trace"), "", 1, "no such file or directory"},
		{"unreadable file", "/proc/self/mem", "", 1, "input/output error"},
		{"pprof profile", write("cpu.pprof", prof.Bytes()), "", 1, "gzip-compressed, as pprof profiles are; open a profile with go tool pprof"},
		{"Go 1.9 trace", write("go1.9.trace", append([]byte("go 1.9 trace\x00\x00\x00\x00"), data[16:]...)), "", 1, "a Go 1.9 execution trace: vizrun reads traces of Go 1.11 and later"},
		{"Go 1.99 trace", write("go1.99.trace", append([]byte("go 1.99 trace\x00\x00\x00"), data[16:]...)), "", 1, "newer than this vizrun reads (Go 1.11 to 1.26): update vizrun"},
		{"non-UTF-8 text", write("latin1.txt", []byte("caf\xe9 cr\xe8me\n")), "", 1, `it starts with "caf\xe9 cr\xe8me"`},
		{"output under a file", mixed, filepath.Join(notDir, "r.html"), 1, "not a directory"},
		{"output is a device", mixed, "/proc/version", 1, "cannot write"},
		{"directory without traces", noTraces, "", 1, "holds no trace files"},
		{"empty file", write("empty.trace", nil), "", 1, "not a Go execution trace: the input is empty"},
		{"random bytes", write("random.trace", rnd), "", 1, "not a Go execution trace"},
		{"text file", write("notes.txt", []byte("TODO: buy milk\n")), "", 1, "not a Go execution trace"},
		{"first 200 bytes", write("start.trace", data[:200]), "", 1, "no complete generation"},
		{"output dir missing", mixed, filepath.Join(dir, "no", "such", "dir", "r.html"), 1, "cannot write"},
		{"output is a directory", mixed, dir, 1, "is a directory"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := c.out
			if out == "" {
				out = filepath.Join(dir, "out.html")
			}
			os.Remove(filepath.Join(dir, "out.html"))
			before, _ := os.ReadDir(dir)
			_, errs, code := vizrun(t, nil, "report", "-o", out, c.input)
			if code != c.code || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, c.code, errs, c.want)
			}
			if n := strings.Count(strings.TrimSpace(errs), "\n"); n > 0 {
				t.Errorf("error is %d lines, want one: %q", n+1, errs)
			}
			if _, err := os.Stat(filepath.Join(dir, "out.html")); err == nil {
				t.Error("a failed run left a report behind")
			}
			after, _ := os.ReadDir(dir)
			if len(after) != len(before) {
				t.Errorf("a failed run left %d files behind", len(after)-len(before))
			}
		})
	}
	// A trace cut in half still makes a report of what was complete, with a
	// warning.
	half := write("half.trace", data[:len(data)/2])
	out := filepath.Join(dir, "half.html")
	_, errs, code := vizrun(t, nil, "report", "-o", out, half)
	if code != 0 || !strings.Contains(errs, "warning: the trace is truncated") {
		t.Errorf("half trace: exit %d, stderr %q", code, errs)
	}
	if b, err := os.ReadFile(out); err != nil || !bytes.Contains(b, []byte("the trace is truncated")) {
		t.Errorf("half trace: report missing or without the warning (%v)", err)
	}
}

// TestOddInput: inputs that are traces, though not the usual kind, give a
// correct report: traces in the formats before Go 1.22 (converted), a
// gzip-compressed trace, and a trace whose strings are huge or not UTF-8.
func TestOddInput(t *testing.T) {
	dir := t.TempDir()
	// Strings of 50 KiB (the runtime keeps 1 KiB of each) and invalid
	// UTF-8 in goroutine names, tasks, regions and logs.
	var buf bytes.Buffer
	if err := rtrace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	huge, bad := strings.Repeat("<b>x</b>", 50<<10/8), "caf\xe9\xff<script>alert(1)</script>"
	var wg sync.WaitGroup
	for _, name := range []string{huge, bad} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rtrace.Log(context.Background(), parse.LogName, name)
			ctx, task := rtrace.NewTask(context.Background(), name)
			r := rtrace.StartRegion(ctx, name)
			rtrace.Log(ctx, name, name)
			time.Sleep(2 * time.Millisecond)
			r.End()
			task.End()
		}()
	}
	wg.Wait()
	rtrace.Stop()
	odd := filepath.Join(dir, "odd.trace")
	if err := os.WriteFile(odd, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(mixed)
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	gzPath := filepath.Join(dir, "mixed.trace.gz")
	if err := os.WriteFile(gzPath, gz.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, input string
		goroutines  int // at least, in the summary
	}{
		{"Go 1.11", "../../testdata/old/go1.11-user-task-region.trace", 2},
		{"Go 1.19", "../../testdata/old/go1.19-http.trace", 100},
		{"Go 1.21", "../../testdata/old/go1.21-http.trace", 40},
		{"gzip", gzPath, 10},
		{"huge and invalid strings", odd, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, "r.html")
			if _, errs, code := vizrun(t, nil, "report", "-o", out, c.input); code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			page, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if !utf8.Valid(page) {
				t.Error("the report is not valid UTF-8")
			}
			if bytes.Contains(page, []byte("<script>alert")) || bytes.Contains(page, []byte("<b>x")) {
				t.Error("a string from the trace reached the page unescaped")
			}
			js, errs, code := vizrun(t, nil, "summary", "-json", c.input)
			var s summary.Summary
			if code != 0 || json.Unmarshal([]byte(js), &s) != nil {
				t.Fatalf("summary: exit %d: %s", code, errs)
			}
			if s.Goroutines.Created < c.goroutines {
				t.Errorf("%d goroutines created, want at least %d", s.Goroutines.Created, c.goroutines)
			}
			t.Logf("%s: %d bytes of report, %d goroutines", c.name, len(page), s.Goroutines.Created)
		})
	}
	// The strings were cut to what the runtime keeps, 1 KiB, and made valid.
	tr, err := parse.ReadFile(odd, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range tr.Goroutines {
		if g.Label != "" {
			names = append(names, g.Label)
			if len(g.Label) > 1024 || !utf8.ValidString(g.Label) {
				t.Errorf("goroutine name of %d bytes, valid UTF-8 %v", len(g.Label), utf8.ValidString(g.Label))
			}
		}
	}
	if len(names) != 2 || !slices.Contains(names, strings.ToValidUTF8(bad, "\uFFFD")) {
		t.Errorf("goroutine names %q, want the huge one cut and the invalid one made valid", names)
	}
}

// TestGoTestTrace reports a trace that `go test -trace` wrote for a real
// package: the input the README promises works.
func TestGoTestTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs another package's tests")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	tr := filepath.Join(dir, "units.trace")
	cmd := exec.Command(gobin, "test", "-count=1", "-trace="+tr, "./pass")
	cmd.Dir = "testdata/tests"
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -trace: %v\n%s", err, b)
	}
	out := filepath.Join(dir, "r.html")
	if _, errs, code := vizrun(t, nil, "report", "-o", out, tr); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	js, errs, code := vizrun(t, nil, "summary", "-json", tr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var s summary.Summary
	if err := json.Unmarshal([]byte(js), &s); err != nil {
		t.Fatal(err)
	}
	// The test ran on a goroutine of testing.tRunner, named by the test
	// function it ran (found in its stacks), not "testing.tRunner".
	var names []string
	for _, g := range s.Groups {
		names = append(names, g.Name)
	}
	if slices.Contains(names, "testing.tRunner") || !slices.Contains(names, "TestDouble") {
		t.Errorf("groups of go test -trace: %q; want the test by name (TestDouble), no testing.tRunner", names)
	}
	if s.DurationNs <= 0 || s.Goroutines.User < 2 {
		t.Errorf("summary of go test -trace: %d ns, %d user goroutines", s.DurationNs, s.Goroutines.User)
	}
}

const mixed127 = "../../testdata/go1.27-mixed.trace"

// TestGo127Trace: a trace Go 1.27 wrote (its format is Go 1.26's) reads
// the same with the parallel decoder as with one, without a fallback
// warning, and its summary is pinned like the Go 1.26 one.
func TestGo127Trace(t *testing.T) {
	out, errs, code := vizrun(t, nil, "summary", mixed127)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "go1.27-mixed.summary.golden", out)
	one, err := parse.ReadFile(mixed127, parse.Options{Decoders: 1})
	if err != nil {
		t.Fatal(err)
	}
	three, err := parse.ReadFile(mixed127, parse.Options{Decoders: 3})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(summary.Build(one, "x"))
	b, _ := json.Marshal(summary.Build(three, "x"))
	if !bytes.Equal(a, b) {
		t.Error("the Go 1.27 trace reads differently with 3 decoders than with 1")
	}
	if len(three.Warnings) > 0 || three.Generations < 10 {
		t.Errorf("Go 1.27 trace: %d generations, warnings %q", three.Generations, three.Warnings)
	}
	if s := summary.Build(three, "x"); s.Goroutines.Leaked != 1 || s.Leaks[0].Name != "leaker" {
		t.Errorf("Go 1.27 trace: %d leaked, %+v", s.Goroutines.Leaked, s.Leaks)
	}
}
