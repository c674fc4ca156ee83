package wallclock_test

import (
	"testing"

	"github.com/vizrun/vizrun/tracer/wallclock"
)

func TestWallClockRate(t *testing.T) {
	if r := wallclock.Rate(10); r != 99 {
		t.Errorf("rate with 10 goroutines %v, want fgprof's 99 Hz", r)
	}
	// Beyond the budget the cost stays at 2% of a core: rate * n * 0.73µs.
	for _, n := range []int{1000, 10000, 100000} {
		r := wallclock.Rate(n)
		cost := r * float64(n) * 0.73e-6
		if r >= 99 || cost > 0.0201 || cost < 0.019 {
			t.Errorf("%d goroutines: %.2f Hz costs %.3f of a core, want 0.02", n, r, cost)
		}
	}
}
