package html

import (
	"strings"
	"testing"
)

// TestWaterfallLabels: each bar of the lost-parallelism waterfall says its
// own part in the width the axis shows (issue 17: every bar read "idle
// while goroutines were blocked on…"). The corpus' HTTP server queues on
// a mutex, so one bar is the mutex's.
func TestWaterfallLabels(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-mutex.trace.gz")
	d := readData(t, render(t, tr, Options{}))
	labels := d.Bars.Waterfall.Labels
	seen := map[string]bool{}
	for _, l := range labels {
		if n := len([]rune(l)); n > 38 {
			t.Errorf("waterfall label %q is %d characters, the axis cuts it at 38", l, n)
		}
		if seen[l] {
			t.Errorf("two waterfall bars read %q", l)
		}
		seen[l] = true
	}
	for _, want := range []string{"running the program", "idle: waiting for a P", "idle: blocked on mutex"} {
		if !seen[want] {
			t.Errorf("no waterfall bar %q in %q", want, labels)
		}
	}
	for _, l := range labels {
		if strings.HasPrefix(l, "idle while") {
			t.Errorf("waterfall bar %q: say which part, not 'idle while'", l)
		}
	}
}
