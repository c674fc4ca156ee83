package parse_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/workload"
)

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func candidates(tr *parse.Trace) (n int) {
	for _, g := range tr.Goroutines {
		if g.Leak == parse.LeakCandidate {
			n++
		}
	}
	return n
}

// TestCutTraceNoLeaks: goroutines blocked where a trace was cut (the file
// cut short, or a window that ends before the trace) were not necessarily
// done: they are not leak candidates, and a warning says how many there
// were and which waited longest. The whole trace (ants' test suite, whose
// TestInfinitePool leaks unproven goroutines) has candidates, so the
// assertions can fail.
func TestCutTraceNoLeaks(t *testing.T) {
	raw := gunzip(t, "../../testdata/corpus/ants.trace.gz")
	whole, err := parse.Read(bytes.NewReader(raw), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if whole.Cut || candidates(whole) == 0 {
		t.Fatalf("the whole trace: cut %v, %d leak candidates; want a whole trace with candidates", whole.Cut, candidates(whole))
	}
	check := func(what string, tr *parse.Trace, wantTruncated bool) {
		t.Helper()
		if !tr.Cut {
			t.Errorf("%s: not marked cut", what)
		}
		if n := candidates(tr); n != 0 {
			t.Errorf("%s: %d leak candidates, want none (only proven leaks count)", what, n)
		}
		truncated := false
		for _, w := range tr.Warnings {
			truncated = truncated || strings.Contains(w, "truncated")
		}
		if truncated != wantTruncated {
			t.Errorf("%s: warnings %q; want a truncation warning: %v", what, tr.Warnings, wantTruncated)
		}
		if err := tr.Check(); err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	cut, err := parse.Read(bytes.NewReader(raw[:len(raw)*9/10]), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check("cut at 90%", cut, true)

	win, err := parse.Read(bytes.NewReader(raw), parse.Options{Window: [2]int64{0, whole.Duration / 2}})
	if err != nil {
		t.Fatal(err)
	}
	check("the first half as a window", win, false)

	// A test binary killed by a signal, traced without vizrun's marks:
	// vizrun test says so.
	killed, err := parse.Read(bytes.NewReader(raw), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	killed.MarkCut()
	check("marked cut", killed, false)
	unjudged := false
	for _, w := range killed.Warnings {
		unjudged = unjudged || strings.Contains(w, "still blocked where the trace ends") && strings.Contains(w, "not counted as leaks")
	}
	if !unjudged {
		t.Errorf("marked cut: warnings %q, want one saying which goroutines were still blocked", killed.Warnings)
	}
}

// TestAsleepAtTheEnd: a goroutine asleep at the end in a sleep it had not
// slept before will be woken by its timer: still at work, not a leak. One
// that slept at the same place before is a loop nobody stopped (a poller),
// which can be one, as a goroutine stuck on a channel is.
func TestAsleepAtTheEnd(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	tr := causal(t, "asleep", func() {
		workload.Go("napper", func() { time.Sleep(time.Minute) })
		workload.Go("poller", func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				time.Sleep(3 * time.Millisecond)
			}
		})
		workload.Go("stuck", func() { <-stop })
		time.Sleep(40 * time.Millisecond)
	})
	leak := map[string]parse.LeakState{}
	ends := map[string]parse.EndState{}
	for _, g := range tr.Goroutines {
		leak[g.Name], ends[g.Name] = g.Leak, g.End
	}
	if ends["poller"] != parse.EndBlocked || ends["stuck"] != parse.EndBlocked {
		t.Fatalf("ends %v: the recording caught the poller awake; record it again (-record)", ends)
	}
	if leak["stuck"] != parse.LeakCandidate || leak["poller"] != parse.LeakCandidate {
		t.Errorf("stuck %v, poller %v: want both leak candidates", leak["stuck"], leak["poller"])
	}
	if ends["napper"] != parse.EndBlocked || leak["napper"] != parse.NotLeaked {
		t.Errorf("napper: end %v, leak %v: want asleep at the end and no leak", ends["napper"], leak["napper"])
	}
}

// TestDotlessModuleLeak: in a module named "leaky" (no dot in its path),
// goroutines blocked for good in the program's own package are leak
// candidates, not standard-library plumbing, and their creator chain names
// the program's function that started them.
func TestDotlessModuleLeak(t *testing.T) {
	tr, err := parse.ReadFile("testdata/dotless/leak.trace.gz", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range tr.Goroutines {
		if g.StartFunc != "leaky/internal/work.Abandon.func1" {
			continue
		}
		n++
		if g.End != parse.EndBlocked || g.EndIdle || g.Leak != parse.LeakCandidate {
			t.Errorf("G%d: end %v, idle %v, leak %v: want blocked, not idle plumbing, a leak candidate", g.ID, g.End, g.EndIdle, g.Leak)
		}
		chain := tr.CreatorChain(g)
		if len(chain) == 0 || tr.Frames[chain[0]].Func != "leaky/internal/work.Abandon" {
			t.Errorf("G%d: creator chain %v, want it to start at leaky/internal/work.Abandon", g.ID, chain)
		}
	}
	if n != 5 {
		t.Errorf("%d goroutines of work.Abandon, want 5", n)
	}
}

// TestMainStartedInsideTraceStart: a main goroutine first seen inside the
// trace's start (vizrun's wrapper's frames left out) is the program's
// main, not a runtime goroutine.
func TestMainStartedInsideTraceStart(t *testing.T) {
	tr, err := parse.ReadFile("testdata/wrapstart/memory.trace.gz", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := tr.MainGoroutine()
	if m == nil {
		t.Fatal("no main goroutine")
	}
	if m.ID != 1 || m.System || m.StartFunc != "main.main" {
		t.Errorf("main: G%d, system %v, start %q; want G1, the program's, main.main", m.ID, m.System, m.StartFunc)
	}
}
