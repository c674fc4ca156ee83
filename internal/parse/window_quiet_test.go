package parse_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestWindowInAQuietStretch: a window in which nothing happens (a quiet
// millisecond between two events, as the report's "show this window"
// command can ask for) is a model of the goroutines' states, not "the
// window starts after the trace's end" (seen under load in the browser
// tests, for a 1 ms window half-way through a 12 s trace).
func TestWindowInAQuietStretch(t *testing.T) {
	raw := gunzip(t, "../../testdata/corpus/cpu-exact.trace.gz")
	whole, err := parse.Read(bytes.NewReader(raw), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Every moment something changed.
	var at []int64
	for _, g := range whole.Goroutines {
		for _, s := range g.Spans {
			at = append(at, s.Start, s.End)
		}
	}
	for _, p := range whole.Procs {
		for _, s := range p.Spans {
			at = append(at, s.Start, s.End)
		}
	}
	slices.Sort(at)
	var from int64 = -1
	for i := 1; i < len(at); i++ {
		if at[i]-at[i-1] >= 3e6 && at[i-1] > 0 {
			from = at[i-1] + 1e6
			break
		}
	}
	if from < 0 {
		t.Fatal("no quiet stretch of 3 ms in the trace")
	}
	w, err := parse.Read(bytes.NewReader(raw), parse.Options{Window: [2]int64{from, from + 1e6}})
	if err != nil {
		t.Fatalf("window [%d, %d): %v", from, from+1e6, err)
	}
	if w.Duration > 1e6 {
		t.Errorf("the window's model lasts %d ns, want at most its 1 ms", w.Duration)
	}
	if err := w.Check(); err != nil {
		t.Error(err)
	}
}
