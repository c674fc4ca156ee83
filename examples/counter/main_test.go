package main

import (
	"context"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestCounter(t *testing.T) {
	var n int
	tr := tracetest.Record(t, func() { n = sharedCounter(context.Background()) })
	if n != 5 {
		t.Errorf("counter = %d, want 5", n)
	}
	gs := tracetest.Named(tr, "incrementer")
	if len(gs) != 5 {
		t.Fatalf("%d incrementer goroutines, want 5", len(gs))
	}
	var mutexWait time.Duration
	for _, g := range gs {
		mutexWait += time.Duration(g.Totals.Blocked[parse.ReasonMutex])
	}
	// The named mutex: five holds of 10 ms, in turn, and waits by the
	// goroutines that found it taken; the goroutines that held it while
	// others waited are blamed for all of those waits but the hand-offs:
	// from an unlock to the woken waiter running to take the lock and say
	// so. The trace shows those as the waiters' time not parked on the
	// lock: runnable after their mutex waits, and the part of the named
	// waits they spent running or runnable (short on a quiet machine,
	// milliseconds on a busy one).
	var handoffs time.Duration
	for _, g := range gs {
		for i, s := range g.Spans {
			if s.State != parse.StateBlocked || s.Reason != parse.ReasonMutex {
				continue
			}
			for j := i + 1; j < len(g.Spans) && g.Spans[j].State == parse.StateRunnable; j++ {
				handoffs += g.Spans[j].Duration()
			}
		}
	}
	mu := tracetest.Resource(t, tr, parse.KindMutex, "counter")
	var blamed time.Duration
	for _, h := range mu.Holders {
		blamed += time.Duration(h.Blame)
	}
	wait := time.Duration(mu.WaitTotal())
	handoffs += max(0, wait-mutexWait)
	if blamed < wait*9/10-handoffs || blamed > wait {
		t.Errorf("holders blamed for %v of %v of waits on counter, want 90-100%% of what the %v of hand-offs leave", blamed, wait, handoffs)
	}
	if mu.Waits() < 2 || mu.Waiters < 2 || len(mu.Holders) == 0 {
		t.Errorf("mutex counter: %d waits by %d goroutines, %d holders blamed; want the incrementers queueing for it", mu.Waits(), mu.Waiters, len(mu.Holders))
	}
	// While one held it for 10 ms, the others waited: the longest wait is
	// at least one hold, and the waits add up to several.
	if maxWait := time.Duration(mu.MaxWait()); maxWait < hold-time.Millisecond {
		t.Errorf("longest wait on counter %v, want at least one hold (%v)", maxWait, hold)
	}
	if mutexWait < 2*hold {
		t.Errorf("the incrementers were blocked on a mutex for %v in all, want at least %v", mutexWait, 2*hold)
	}
	t.Logf("counter: %d holders blamed for %v, %d waits by %d goroutines, %v in all, longest %v; blocked on mutex %v, hand-offs %v",
		len(mu.Holders), blamed, mu.Waits(), mu.Waiters, time.Duration(mu.WaitTotal()), time.Duration(mu.MaxWait()), mutexWait, handoffs)
}
