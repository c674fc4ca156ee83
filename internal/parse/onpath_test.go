package parse_test

import (
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestWorkPathsCover: in net-idle, main runs and sleeps by itself (no
// goroutine wakes it), so the program's critical path is main's own spans
// from its creation to the leak check: what Cover says the paths did in any
// window is what main's spans say, to the nanosecond. The reader's network
// waits are on no path.
func TestWorkPathsCover(t *testing.T) {
	tr, err := parse.ReadFile("../../testdata/corpus/net-idle.trace.gz", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, from, to, ok := tr.ProgramRange()
	if !ok {
		t.Fatal("no program range")
	}
	main := tr.Goroutine(g)
	ps := tr.WorkPaths()
	if ps.N != 1 {
		t.Fatalf("%d paths, want 1 (the program: no tasks, no regions)", ps.N)
	}
	// Windows: the whole range, and its middle third.
	third := (to - from) / 3
	for _, w := range [][2]int64{{from, to}, {from + third, to - third}} {
		var sleep, rest int64
		for _, s := range main.Spans {
			lo, hi := max(s.Start, w[0]), min(s.End, w[1])
			if lo >= hi {
				continue
			}
			if s.State == parse.StateBlocked && s.Reason == parse.ReasonSleep {
				sleep += hi - lo
			} else {
				rest += hi - lo
			}
		}
		on, other := ps.Cover([][2]int64{w}, func(s *parse.PathSegment) bool {
			return s.State == parse.StateBlocked && s.Reason == parse.ReasonSleep
		})
		if on != sleep || other != rest {
			t.Errorf("window %v: cover sleep %d, other %d; main's spans say %d, %d", w, on, other, sleep, rest)
		}
		if sleep < 4*rest {
			t.Errorf("window %v: main slept %d and did %d otherwise: the workload sleeps 45 ms after 5 ms of work", w, sleep, rest)
		}
		if on, _ := ps.Cover([][2]int64{w}, func(s *parse.PathSegment) bool { return s.Reason == parse.ReasonNetwork }); on != 0 {
			t.Errorf("window %v: %d ns of network waits on the program's path; the reader is on no path", w, on)
		}
	}
	if !ps.On(main.ID) {
		t.Errorf("main G%d is not on the paths", main.ID)
	}
	for _, gr := range tr.Goroutines {
		if gr.StartFunc == "main.readConn" && ps.On(gr.ID) {
			t.Errorf("the reader G%d is on a path", gr.ID)
		}
	}
}

// TestWorkPathsHeld: in net-idle the program's path is main's own spans, so
// a moment held the path back exactly when main ran or waited for a P
// then; while main slept, nothing could. Before main's creation no path
// says, and anything could have.
func TestWorkPathsHeld(t *testing.T) {
	tr, err := parse.ReadFile("../../testdata/corpus/net-idle.trace.gz", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	g, from, to, _ := tr.ProgramRange()
	ps := tr.WorkPaths()
	if !ps.StandsForWork() {
		t.Fatal("main did most of the running: its path stands for the work")
	}
	var ran, slept int
	for _, s := range tr.Goroutine(g).Spans {
		if s.End <= from || s.Start >= to || s.End-s.Start < 2 {
			continue
		}
		mid := (s.Start + s.End) / 2
		held := ps.Held(mid, mid+1)
		switch s.State {
		case parse.StateRunning, parse.StateRunnable:
			ran++
			if !held {
				t.Errorf("main %s at %d: not held", s.State, mid)
			}
		case parse.StateBlocked:
			slept++
			if held {
				t.Errorf("main blocked (%s) at %d: held", s.Reason, mid)
			}
		}
	}
	if ran == 0 || slept == 0 {
		t.Fatalf("%d running and %d blocked spans of main: the test tests nothing", ran, slept)
	}
	if from > 0 && !ps.Held(0, from) {
		t.Error("before main's creation no path says: it must count as held")
	}
}

// TestWorkPathsTests: in a test binary main waits for the harness, which
// says nothing of the work; the tests' own goroutines are the work, and
// their paths stand for it (x/sync semaphore's suite, traced by vizrun
// test).
func TestWorkPathsTests(t *testing.T) {
	tr, err := parse.ReadFile("../../testdata/corpus/semaphore.trace.gz", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ps := tr.WorkPaths()
	if !ps.StandsForWork() {
		t.Error("the tests' paths do not stand for the work")
	}
	n := 0
	for _, g := range tr.Goroutines {
		if g.StartFunc == "testing.tRunner" && g.Ended >= 0 {
			n++
			if !ps.On(g.ID) {
				t.Errorf("test goroutine G%d %s is on no path", g.ID, g.Name)
			}
		}
	}
	if n == 0 {
		t.Fatal("no test goroutine: the test tests nothing")
	}
}
