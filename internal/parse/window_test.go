package parse_test

import (
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestWindow: the model of a window of a trace holds what the whole model
// holds in that window, at full detail, with its times counted from the
// window's start, and keeps the invariants.
func TestWindow(t *testing.T) {
	const path = "../../testdata/corpus/mixed-long.trace.gz"
	full, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	from, to := full.Duration/3, full.Duration/3+full.Duration/10
	for _, dec := range []int{1, 2} {
		w, err := parse.ReadFile(path, parse.Options{Window: [2]int64{from, to}, Decoders: dec})
		if err != nil {
			t.Fatal(err)
		}
		if err := w.Check(); err != nil {
			t.Errorf("decoders %d: invariants: %v", dec, err)
		}
		if w.Window != [2]int64{from, to} {
			t.Errorf("Window %v, want %v", w.Window, [2]int64{from, to})
		}
		if d := w.Duration; d > to-from || d < (to-from)*99/100 {
			t.Errorf("decoders %d: a window of %d ns lasts %d ns", dec, to-from, d)
		}
		if w.Coarsened != 0 {
			t.Errorf("decoders %d: the window was coarsened to %d ns", dec, w.Coarsened)
		}
		// Running time in the window, goroutine by goroutine, is what the
		// whole model has between from and to.
		var got, want int64
		for _, g := range w.Goroutines {
			if !g.System {
				got += g.Totals.Running
			}
		}
		for _, g := range full.Goroutines {
			if g.System {
				continue
			}
			for _, s := range g.Spans {
				if s.State == parse.StateRunning && s.End > from && s.Start < to {
					want += min(s.End, to) - max(s.Start, from)
				}
			}
		}
		if diff := got - want; diff < -want/100 || diff > want/100 {
			t.Errorf("decoders %d: running in the window %d ns, the whole model says %d ns", dec, got, want)
		}
		if full.Bytes > 1<<20 && w.Bytes >= full.Bytes {
			t.Errorf("decoders %d: read %d bytes for a window, the whole trace is %d: reading did not stop", dec, w.Bytes, full.Bytes)
		}
	}
}
