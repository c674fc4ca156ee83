package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Tests of the command line's safety: an output never replaces an input
// or another output, and outputs are looked at before any work.

// copyTrace copies the recorded trace mixed into dir as name.
func copyTrace(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(mixed)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOutputIsInput: every command that writes a file refuses, before any
// work and with exit status 2, an output that names one of its inputs
// (the same path, another spelling of it, a link to it, a hard link) and
// leaves the input as it was.
func TestOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	tr := copyTrace(t, dir, "h.trace")
	other := copyTrace(t, dir, "lock.trace")
	want, _ := os.ReadFile(tr)
	if err := os.Symlink("h.trace", filepath.Join(dir, "link.html")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(tr, filepath.Join(dir, "hard.html")); err != nil {
		t.Fatal(err)
	}
	th := filepath.Join(dir, "th.json")
	os.WriteFile(th, []byte(`{}`), 0o644)
	wd, _ := os.Getwd()
	rel, err := filepath.Rel(wd, tr)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"report", "-o", tr, tr},
		{"report", "-o", filepath.Join(dir, ".", "sub", "..", "h.trace"), tr},
		{"report", "-o", rel, tr},
		{"report", "-o", filepath.Join(dir, "link.html"), tr},
		{"report", "-o", filepath.Join(dir, "hard.html"), tr},
		{"report", "-window", "1ms:2ms", "-o", tr, tr},
		{"report", "-thresholds", th, "-o", th, tr},
		{"report", "-window", "1ms:2ms", "-o", tr, filepath.Join(dir, "h*.trace")},
		{"pprof", "-kind", "mutex", "-o", tr, tr},
		{"pprof", "-o", filepath.Join(dir, "link.html"), tr},
		{"diff", "-o", tr, tr, other},
		{"diff", "-o", other, tr, other},
		{"diff", "-thresholds", th, "-o", th, tr, other},
	} {
		_, errs, code := vizrun(t, nil, args...)
		if code != 2 || !strings.Contains(errs, "would overwrite") || strings.Count(strings.TrimSpace(errs), "\n") != 0 {
			t.Errorf("vizrun %s: exit %d, stderr %q; want one line refusing, exit 2", strings.Join(args, " "), code, errs)
		}
		if got, _ := os.ReadFile(tr); !bytes.Equal(got, want) {
			t.Fatalf("vizrun %s changed the trace it read", strings.Join(args, " "))
		}
	}
	if b, _ := os.ReadFile(th); string(b) != "{}" {
		t.Errorf("the thresholds file was changed")
	}
	// Outputs elsewhere are written.
	if _, errs, code := vizrun(t, nil, "diff", "-o", filepath.Join(dir, "d.html"), tr, other); code != 0 {
		t.Errorf("diff into a file of its own: exit %d, %s", code, errs)
	}
}

// TestReportManyOverInput: the reports of many traces are refused where
// one would replace a trace read (a link in the output directory).
func TestReportManyOverInput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in")
	os.Mkdir(in, 0o755)
	a := copyTrace(t, in, "a.trace")
	copyTrace(t, in, "b.trace")
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o755)
	if err := os.Symlink(a, filepath.Join(out, "a.html")); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(a)
	_, errs, code := vizrun(t, nil, "report", "-o", out, in)
	if code != 2 || !strings.Contains(errs, "would overwrite the trace "+a) {
		t.Errorf("exit %d, stderr %q; want a refusal", code, errs)
	}
	if got, _ := os.ReadFile(a); !bytes.Equal(got, want) {
		t.Fatal("the trace was replaced by a report")
	}
	if _, err := os.Stat(filepath.Join(out, "index.html")); err == nil {
		t.Error("an index was written though the command was refused")
	}
}

// TestReportGlobOfOne: a pattern that matches one trace is one trace, and
// -o may name its report.
func TestReportGlobOfOne(t *testing.T) {
	dir := t.TempDir()
	copyTrace(t, dir, "only-leaks.trace")
	out := filepath.Join(dir, "single.html")
	_, errs, code := vizrun(t, nil, "report", "-o", out, filepath.Join(dir, "*leaks*.trace"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if st, err := os.Stat(out); err != nil || !st.Mode().IsRegular() {
		t.Errorf("no report at %s: %v", out, err)
	}
}

// TestRunOutputsFirst: vizrun run looks at -o and -trace before it builds
// and runs the program: a directory, a missing directory, and -o and -trace
// naming one file are refused without running it.
func TestRunOutputsFirst(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	same := filepath.Join(dir, "same.out")
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-o", dir}, 1, "is a directory"},
		{[]string{"-o", filepath.Join(dir, "nonexist", "e.html")}, 1, "does not exist"},
		{[]string{"-o", filepath.Join(dir, "r.html"), "-trace", filepath.Join(dir, "nonexist", "t.trace")}, 1, "does not exist"},
		{[]string{"-o", same, "-trace", same}, 2, "name the same file"},
		{[]string{"-o", same, "-trace", filepath.Join(dir, "x", "..", "same.out")}, 2, "name the same file"},
		{[]string{"-o", "main.go"}, 2, "would overwrite the source file"},
	} {
		args := append(append([]string{"run"}, c.args...), "-C", "testdata/prog", ".", "exit", "3")
		out, errs, code := runIn(t, context.Background(), "", args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("vizrun %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(args, " "), code, errs, c.code, c.msg)
		}
		if strings.Contains(out, "args:") {
			t.Errorf("vizrun %s ran the program", strings.Join(args, " "))
		}
	}
	if _, err := os.Stat(same); err == nil {
		t.Error("a refused run wrote its output")
	}
}

// TestRunKeepsExitStatus: when the report cannot be written at the end
// (its directory went away while the program ran), vizrun still exits with
// the program's status and says what could not be written.
func TestRunKeepsExitStatus(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	gone := filepath.Join(dir, "gone")
	os.Mkdir(gone, 0o755)
	// The program removes the directory of the report: "rmdir DIR" is a
	// command of the test program.
	_, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(gone, "r.html"), "-C", "testdata/prog", ".", "rmdir-exit", gone, "3")
	if code != 3 {
		t.Errorf("exit %d, want the program's 3; stderr %s", code, errs)
	}
	if !strings.Contains(errs, "the report could not be written") {
		t.Errorf("stderr %q does not say the report could not be written", errs)
	}
}

// TestTestRemovesItsOwnStaleResults: a second vizrun test into the same
// directory removes what the first wrote (as its manifest lists) and
// nothing else, so that vizrun check of the directory sees the second
// run's results only.
func TestTestRemovesItsOwnStaleResults(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	mine := filepath.Join(dir, "mine.trace") // not vizrun test's: stays
	copyFileTo(t, mixed, mine)
	os.WriteFile(filepath.Join(dir, "notes.html"), []byte("mine"), 0o644)
	_, errs, code := runIn(t, context.Background(), "", "test", "-o", dir, "-C", "testdata/testpkgs", "./leak", "./names")
	if code != 0 {
		t.Fatalf("first run: exit %d: %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "testpkgs_leak.trace")); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runIn(t, context.Background(), "", "check", dir); code != 1 {
		t.Fatalf("check after the leaking package: exit %d, want 1: %s", code, errs)
	}
	// A run whose tests match nothing writes no report: the leak's trace
	// and report go.
	_, errs, code = runIn(t, context.Background(), "", "test", "-o", dir, "-C", "testdata/testpkgs", "./names", "--", "-run", "TestNothingMatches")
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, errs)
	}
	for _, f := range []string{"testpkgs_leak.trace", "testpkgs_leak.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("%s of the first run is still there", f)
		}
	}
	for _, f := range []string{"mine.trace", "notes.html", "index.html", manifestName} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if _, errs, code := runIn(t, context.Background(), "", "check", dir); code != 0 {
		t.Errorf("check of the second run's results: exit %d: %s", code, errs)
	}
}

// TestRemovePreviousOnlyListed: the manifest's names are removed only when
// they are plain .html or .trace names of files in the directory.
func TestRemovePreviousOnlyListed(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	os.Mkdir(dir, 0o755)
	outside := filepath.Join(parent, "outside.trace")
	os.WriteFile(outside, nil, 0o644)
	for _, f := range []string{"a.trace", "a.html", "keep.go", "keep.trace"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	os.Mkdir(filepath.Join(dir, "sub.trace"), 0o755)
	os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"schema":"`+ManifestSchema+`","files":["a.trace","a.html","keep.go","../outside.trace","sub.trace","/etc/passwd.trace","missing.html"]}`), 0o644)
	var errb bytes.Buffer
	if err := removePrevious(&env{stderr: &errb}, dir); err != nil {
		t.Fatal(err)
	}
	for f, gone := range map[string]bool{"a.trace": true, "a.html": true, manifestName: true, "keep.go": false, "keep.trace": false, "sub.trace": false, "../outside.trace": false} {
		_, err := os.Stat(filepath.Join(dir, f))
		if gone != (err != nil) {
			t.Errorf("%s: removed %v, want %v", f, err != nil, gone)
		}
	}
	// A manifest that cannot be read removes nothing, and says so.
	os.WriteFile(filepath.Join(dir, manifestName), []byte(`{"files":["keep.trace"]`), 0o644)
	if err := removePrevious(&env{stderr: &errb}, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "keep.trace")); err != nil || !strings.Contains(errb.String(), "left as they are") {
		t.Errorf("a broken manifest: %v, stderr %q", err, errb.String())
	}
}

// TestProgressNotTerminal: progress lines of a long read into something
// other than a terminal (a CI log) come at most once every 10 s.
func TestProgressNotTerminal(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, "big.trace", 230<<20)
	clock := p.start
	p.now = func() time.Time { return clock }
	for i := range 1200 { // a minute, an update every 50 ms
		clock = p.start.Add(time.Duration(i) * 50 * time.Millisecond)
		p.update(int64(i) << 18)
	}
	p.done()
	lines := strings.Count(b.String(), "\n")
	if lines < 2 || lines > 7 {
		t.Errorf("%d lines for a minute's read, want at most 6 and the last:\n%s", lines, b.String())
	}
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if progressEvery(f) != 10*time.Second {
		t.Errorf("a file gets progress every %v, want 10s", progressEvery(f))
	}
}

// TestTestNoModule: vizrun test ./... where there is no module says what
// go said, in one line, and writes nothing.
func TestTestNoModule(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	_, errs, code := runIn(t, context.Background(), "", "test", "-C", dir, "./...")
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, "main module") || strings.Contains(errs, "packages failed") {
		t.Errorf("exit %d, stderr %q; want one line saying what go said", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "vizrun-test")); err == nil {
		t.Error("an output directory was made")
	}
}

// TestPlurals: counts of one read as one.
func TestPlurals(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", mixed}, "got 1 argument ("},
		{[]string{"pprof", mixed, mixed}, "got 2 arguments ("},
	} {
		_, errs, code := vizrun(t, nil, c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("vizrun %s: exit %d, stderr %q; want %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
}
