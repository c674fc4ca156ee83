package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// These tests build and run real programs: they need the go command and
// take a few seconds each.

func runIn(t *testing.T, ctx context.Context, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(ctx, args, strings.NewReader(stdin), &out, &errb)
	if err != nil && exitCode(err) != 0 {
		errb.WriteString("vizrun: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func readTrace(t *testing.T, path string) *parse.Trace {
	t.Helper()
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestRunPassesThrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	out, errs, code := runIn(t, context.Background(), "one\ntwo\n", "run", "-o", report, "-trace", tr, "-C", "testdata/prog", ".", "stdin", "--flag-for-the-program")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "args: [stdin --flag-for-the-program]") || !strings.Contains(out, "read: one\nread: two") {
		t.Errorf("program output %q: arguments or standard input not passed through", out)
	}
	if !strings.Contains(errs, "vizrun: wrote "+report) {
		t.Errorf("stderr %q does not name the report", errs)
	}
	if _, err := os.Stat(report); err != nil {
		t.Fatal(err)
	}
	// The trace covers main: three workers slept 20 ms each, named by the
	// program's own function names (main.main, not the wrapper's).
	m := readTrace(t, tr)
	workers := 0
	for _, g := range m.Goroutines {
		if g.StartFunc == "main.worker" && g.Totals.Blocked[parse.ReasonSleep] >= int64(19*time.Millisecond) {
			workers++
		}
		if strings.Contains(g.Name, "vizrunUserMain") {
			t.Errorf("the wrapper's name %q leaks into the report", g.Name)
		}
	}
	if workers != 3 {
		t.Errorf("%d workers found sleeping in the trace, want 3", workers)
	}
}

func TestRunExitPaths(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"exit", "3"}, 3},
		{[]string{"fatal"}, 1},
		{[]string{"panic"}, 2},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			dir := t.TempDir()
			report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
			_, errs, code := runIn(t, context.Background(), "", append([]string{"run", "-o", report, "-trace", tr, "-C", "testdata/prog", "."}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want the program's %d; stderr %s", code, c.code, errs)
			}
			// However the program ended, its whole trace was written:
			// the three workers are in it.
			m := readTrace(t, tr)
			n := 0
			for _, g := range m.Goroutines {
				if g.StartFunc == "main.worker" {
					n++
				}
			}
			if n != 3 {
				t.Errorf("%d workers in the trace of a program that ended with %v, want 3", n, c.args)
			}
			if b, err := os.ReadFile(report); err != nil || !bytes.Contains(b, []byte("exited with status")) {
				t.Errorf("report missing or without the exit status warning: %v", err)
			}
		})
	}
}

// TestRunKilled: a program that dies of SIGKILL mid-run (no deferred
// function runs, the trace is never stopped) still gets the report of what
// its trace holds, with a warning saying how it ended and what is missing.
func TestRunKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", report, "-trace", tr, "-C", "testdata/prog", ".", "kill")
	if !strings.Contains(out, "killing myself") {
		t.Fatalf("the program did not get to kill itself: stdout %q, stderr %q", out, errs)
	}
	if code != 128+int(syscall.SIGKILL) || !strings.Contains(errs, "killed by signal 9") {
		t.Errorf("exit %d, want %d, and a message saying the program was killed; stderr %q", code, 128+int(syscall.SIGKILL), errs)
	}
	// It ran about 700 ms at 200 ms per generation: the trace holds at
	// least two generations, hence at least 400 ms, and its workers.
	m := readTrace(t, tr)
	workers := 0
	for _, g := range m.Goroutines {
		if g.StartFunc == "main.worker" {
			workers++
		}
	}
	if m.Generations < 2 || m.Duration < int64(400*time.Millisecond) || workers < 10 {
		t.Errorf("trace of the killed program: %d generations, %v, %d workers; want >= 2, >= 400ms, many", m.Generations, time.Duration(m.Duration), workers)
	}
	// The trace itself says it was cut short, whether the kill landed in
	// the middle of a generation or between two.
	if !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, "truncated") }) {
		t.Errorf("the killed program's trace has no truncation warning: %q", m.Warnings)
	}
	b, err := os.ReadFile(report)
	if err != nil || !bytes.Contains(b, []byte("killed by signal 9")) || !bytes.Contains(b, []byte("truncated")) {
		t.Errorf("report missing or without the warnings about the kill: %v", err)
	}
	t.Logf("killed program: %d generations, %v traced, %d workers; warnings %q", m.Generations, time.Duration(m.Duration), workers, m.Warnings)
}

// TestRunForwardsSignals: Ctrl-C reaches the program, and the report of
// what was traced is still written.
func TestRunForwardsSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	report := filepath.Join(dir, "r.html")
	type result struct {
		errs string
		code int
	}
	done := make(chan result, 1)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	go func() {
		var errb bytes.Buffer
		err := run(context.Background(), []string{"run", "-o", report, "-C", "testdata/prog", ".", "wait"}, strings.NewReader(""), pw, &errb)
		pw.Close()
		done <- result{errb.String(), exitCode(err)}
	}()
	// Wait until the program says it waits, then press Ctrl-C.
	buf := make([]byte, 4096)
	var seen string
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(seen, "waiting") {
		if time.Now().After(deadline) {
			t.Fatal("the program never started waiting")
		}
		n, err := pr.Read(buf)
		if err != nil {
			t.Fatalf("reading the program's output: %v (got %q)", err, seen)
		}
		seen += string(buf[:n])
	}
	time.Sleep(300 * time.Millisecond) // let a trace generation complete
	syscall.Kill(os.Getpid(), syscall.SIGINT)
	var r result
	select {
	case r = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("vizrun run did not end after Ctrl-C")
	}
	if r.code != 128+int(syscall.SIGINT) {
		t.Errorf("exit %d, want %d (killed by SIGINT): %s", r.code, 128+int(syscall.SIGINT), r.errs)
	}
	if _, err := os.Stat(report); err != nil {
		t.Errorf("no report after Ctrl-C: %v (%s)", err, r.errs)
	}
}

func TestRunErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run"}, 2, "run needs a main package"},
		{[]string{"run", "./testdata/no-such-dir"}, 1, "no-such-dir"},
		{[]string{"run", "../../internal/units"}, 1, "not a main package"},
	} {
		_, errs, code := runIn(t, context.Background(), "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("vizrun %q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

// TestRunTracedExample: a program that uses the vizrun tracer itself gets
// one report, vizrun run's: its own tracer.Run joins the recording.
func TestRunTracedExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	exdir := mustAbs(t, "../../examples/greet")
	own := filepath.Join(exdir, "greet.html") // where the example writes its own report
	os.Remove(own)
	defer os.Remove(own)
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", report, "-trace", tr, "-C", exdir, ".")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Hello, Alex!") {
		t.Errorf("output %q", out)
	}
	m := readTrace(t, tr)
	if len(tracetest.Named(m, "greeter")) != 1 {
		t.Error("the tracer-named goroutine is not in vizrun run's trace")
	}
	// The example would write greet.html in its directory on its own; under
	// vizrun run it must not.
	if _, err := os.Stat(own); err == nil {
		t.Error("the example wrote its own report too: two reports")
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds tests")
	}
	dir := t.TempDir()
	_, errs, code := runIn(t, context.Background(), "", "test", "-o", dir, "-C", "testdata/tests", "./...", "--", "-count=1", "-v")
	if code != 1 || !strings.Contains(errs, "1 of 2 packages failed") {
		t.Errorf("exit %d, stderr %s; want 1 and one failed package", code, errs)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tests/pass", "tests/fail", "FAIL", `href="tests_pass.html"`} {
		if !bytes.Contains(idx, []byte(want)) {
			t.Errorf("index lacks %q", want)
		}
	}
	for _, f := range []string{"tests_pass.html", "tests_fail.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "tests_fail.html" && !bytes.Contains(b, []byte("the tests failed")) {
			t.Error("the failing package's report does not say its tests failed")
		}
		if f == "tests_pass.html" && !bytes.Contains(b, []byte("pass.TestDouble")) {
			t.Error("the passing package's report does not show its test's goroutine")
		}
	}
	if testBinaryFlags([]string{"-run", "X", "-v", "-custom=1", "-count=2"})[0] != "-test.run" {
		t.Error("go test flags are not translated")
	}
}

func TestExamplesCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples")
	}
	dir := t.TempDir()
	_, errs, code := runIn(t, context.Background(), "", "examples", "-o", dir, "greet", "sequential")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="greet.html"`, `href="sequential.html"`, "about 180 ms in all"} {
		if !bytes.Contains(idx, []byte(want)) {
			t.Errorf("index lacks %q", want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		t.Errorf("%d files in the output, want the index and 2 reports with their traces", len(entries))
	}
	if _, errs, code := runIn(t, context.Background(), "", "examples", "-o", dir, "no-such-example"); code != 2 || !strings.Contains(errs, "no example named") {
		t.Errorf("unknown example: exit %d, %s", code, errs)
	}
	// The examples in modules of their own are found too.
	exs, err := findExamples(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ex := range exs {
		names = append(names, ex.Name)
		if ex.Name == "telegram" && (ex.Pkg != "github.com/vizrun/vizrun/examples/telegram" || filepath.Base(ex.Dir) != "telegram" || ex.Doc == "") {
			t.Errorf("telegram example: %+v", ex)
		}
	}
	if !slices.Contains(names, "telegram") || !slices.Contains(names, "greet") {
		t.Errorf("examples found: %q, want the tutorial's and telegram", names)
	}
}
