package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/summary"
)

func copyTo(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fleetDir is 40 snapshots: 39 of the mixed workload, and snap-17 of the
// pprof workload, which waits far longer on its lock and leaks a
// goroutine blocked for most of the trace.
func fleetDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i := range 40 {
		src := mixed
		if i == 17 {
			src = pprofTrace
		}
		copyTo(t, src, filepath.Join(dir, fmt.Sprintf("snap-%02d.trace", i)))
	}
	return dir
}

// TestSummaryFleet: the summary of 40 snapshots has a row each, ranks the
// one that stands out first where it does, and counts the findings they
// share.
func TestSummaryFleet(t *testing.T) {
	dir := fleetDir(t)
	out, errs, code := vizrun(t, nil, "summary", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(out, "40 traces in "+dir+"\n") {
		t.Errorf("first line: %q", strings.SplitN(out, "\n", 2)[0])
	}
	for i := range 40 {
		if !strings.Contains(out, fmt.Sprintf("\nsnap-%02d.trace ", i)) {
			t.Errorf("no row for snap-%02d", i)
		}
	}
	outliers := out[strings.Index(out, "\noutliers"):strings.Index(out, "\nfindings across")]
	for _, want := range []string{"time waiting for the worst lock  snap-17.trace: 142 ms", "longest GC pause                 snap-17.trace: 8.65 ms"} {
		if !strings.Contains(outliers, want) {
			t.Errorf("outliers lack %q:\n%s", want, outliers)
		}
	}
	for _, line := range strings.Split(outliers, "\n") {
		if strings.Contains(line, "snap-") && !strings.Contains(line, "snap-17.trace") {
			t.Errorf("an outlier that is not snap-17: %q", line)
		}
	}
	for _, want := range []string{
		"WARNING  Goroutine leak (leaker @ github.com/vizrun/vizrun/internal/workload.Leak.func1): in 39 of 40 traces\n",
		`WARNING  Lock contention (mutex counter): in 1 of 40 traces: snap-17.trace`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("findings across traces lack %q:\n%s", want, out)
		}
	}

	// The same as JSON.
	out, errs, code = vizrun(t, nil, "summary", "-json", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var f summary.Fleet
	if err := json.Unmarshal([]byte(out), &f); err != nil {
		t.Fatal(err)
	}
	if f.Schema != summary.FleetSchema || len(f.Traces) != 40 || f.Unreadable != 0 {
		t.Fatalf("fleet JSON: schema %q, %d traces", f.Schema, len(f.Traces))
	}
	top := f.Outliers[0]
	if !top.Stands || !strings.HasSuffix(top.Worst[0].Source, "snap-17.trace") || top.Score < 2 {
		t.Errorf("first outlier: %+v", top)
	}
	r := f.Traces[17]
	if r.WorstLock == nil || r.WorstLock.Name != "counter" || r.WorstLock.P99Ns == 0 || r.Leaked != 1 || r.LockWaitP99Ns == 0 {
		t.Errorf("snap-17's row: %+v", r)
	}
	if m := f.Traces[0]; m.WorstLock == nil || m.WorstLock.Name != "" || m.WorstLock.Where == nil || m.WorstLock.Kind != "mutex" {
		t.Errorf("an unnamed lock's row: %+v", m.WorstLock)
	}
}

// TestFleetInputs: globs, several files and directories name many traces;
// what cannot be read is listed and makes the exit status 1, after
// everything else was printed.
func TestFleetInputs(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"a.trace", "b.trace.gz", "c.other"} {
		copyTo(t, mixed, filepath.Join(dir, n))
	}
	copyTo(t, mixed, filepath.Join(dir, "sub", "d.trace"))
	out, errs, code := vizrun(t, nil, "summary", dir)
	if code != 0 || !strings.HasPrefix(out, "2 traces in") || strings.Contains(out, "c.other") || strings.Contains(out, "d.trace") {
		t.Errorf("directory: exit %d %q\n%s", code, errs, out)
	}
	out, _, code = vizrun(t, nil, "summary", filepath.Join(dir, "*.other"))
	if code != 0 || !strings.HasPrefix(out, "1 trace in") {
		t.Errorf("glob: exit %d\n%s", code, out)
	}
	out, _, code = vizrun(t, nil, "summary", filepath.Join(dir, "a.trace"), filepath.Join(dir, "sub", "d.trace"))
	if code != 0 || !strings.HasPrefix(out, "2 traces\n") {
		t.Errorf("two files: exit %d\n%s", code, out)
	}
	writeFile(t, dir, "broken.trace", "go 1.26 trace\x00\x00\x00garbage")
	out, errs, code = vizrun(t, nil, "summary", dir)
	if code != 1 || !strings.Contains(out, "broken.trace") || !strings.Contains(out, "error: corrupt") || !strings.Contains(errs, "1 of 3 traces could not be read") {
		t.Errorf("a broken trace: exit %d, stderr %q\n%s", code, errs, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{filepath.Join(dir, "*.nothing")}, "no file matches"},
		{[]string{t.TempDir()}, "holds no trace files"},
		{[]string{filepath.Join(dir, "missing.trace")}, "no such file"},
	} {
		if _, errs, code := vizrun(t, nil, append([]string{"summary"}, c.args...)...); code != 1 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, %q", c.args, code, errs)
		}
	}
}

// TestReadEachBound: at most one model per CPU is in memory at once (the
// callback runs while its model is alive), and every trace is seen once.
func TestReadEachBound(t *testing.T) {
	dir := fleetDir(t)
	paths, many, err := expandTraces([]string{dir})
	if err != nil || !many {
		t.Fatal(err)
	}
	var mu sync.Mutex
	alive, most := 0, 0
	seen := map[int]bool{}
	e := &env{stdout: io.Discard, stderr: io.Discard}
	err = readEach(context.Background(), e, paths, findings.Default, func(r *traceResult) {
		mu.Lock()
		alive++
		most = max(most, alive)
		seen[r.i] = true
		mu.Unlock()
		time.Sleep(2 * time.Millisecond)
		mu.Lock()
		alive--
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 40 || most > runtime.GOMAXPROCS(0) {
		t.Errorf("%d traces seen, up to %d models at once on %d CPUs", len(seen), most, runtime.GOMAXPROCS(0))
	}
}

// TestReportFleet: a report per trace, distinct names for traces of the
// same name, and an index that links them, escapes names and ranks the
// outlier.
func TestReportFleet(t *testing.T) {
	in := t.TempDir()
	copyTo(t, mixed, filepath.Join(in, "east", "node.trace"))
	copyTo(t, mixed, filepath.Join(in, "west", "node.trace"))
	copyTo(t, mixed, filepath.Join(in, "west", "m.trace"))
	copyTo(t, pprofTrace, filepath.Join(in, "west", "<i>x&amp;.trace"))
	writeFile(t, in, "bad.trace", "not a trace")
	out := filepath.Join(t.TempDir(), "reports")
	_, errs, code := vizrun(t, nil, "report", "-o", out, filepath.Join(in, "east"), filepath.Join(in, "west", "*.trace"), filepath.Join(in, "bad.trace"))
	if code != 1 || !strings.Contains(errs, "wrote 4 reports and "+filepath.Join(out, "index.html")) || !strings.Contains(errs, "1 of 5 traces could not be read") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, n := range []string{"east-node.html", "west-node.html", "m.html", "<i>x&amp;.html"} {
		if st, err := os.Stat(filepath.Join(out, n)); err != nil || st.Size() < 10000 {
			t.Errorf("report %s: %v", n, err)
		}
	}
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	page := string(index)
	for _, want := range []string{`href="east-node.html"`, `href="west-node.html"`, `href="%3ci%3ex&amp;amp;.html"`, "&lt;i&gt;x&amp;amp;.trace",
		"Outliers", "time waiting for the worst lock", "Findings across traces", "unreadable"} {
		if !strings.Contains(page, want) {
			t.Errorf("index lacks %q", want)
		}
	}
	if strings.Contains(page, "<i>x") {
		t.Error("a trace's name reached the index unescaped")
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the index refers to the network")
	}
	// One trace is one report, as before.
	one := filepath.Join(t.TempDir(), "one.html")
	if _, errs, code := vizrun(t, nil, "report", "-o", one, mixed); code != 0 {
		t.Errorf("one trace: exit %d %s", code, errs)
	}
	if _, errs, code := vizrun(t, nil, "report", "-o", "-", in+"/west"); code != 2 || !strings.Contains(errs, "give a directory") {
		t.Errorf("-o - with many traces: exit %d %q", code, errs)
	}
}
