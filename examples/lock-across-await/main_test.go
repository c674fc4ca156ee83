package main

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// callsIn returns the slowCall regions inside the phase region, by start.
func callsIn(t *testing.T, tr *parse.Trace, phase parse.Region) []parse.Region {
	t.Helper()
	var out []parse.Region
	for _, r := range tracetest.Regions(tr, "slowCall") {
		if r.Start >= phase.Start && r.End <= phase.End {
			out = append(out, r)
		}
	}
	if len(out) != workers {
		t.Fatalf("%d slow calls in %s, want %d", len(out), phase.Type, workers)
	}
	slices.SortFunc(out, func(a, b parse.Region) int { return int(a.Start - b.Start) })
	return out
}

// mostAtOnce is the most calls in flight at the same moment.
func mostAtOnce(calls []parse.Region) int {
	most := 0
	for _, c := range calls {
		n := 0
		for _, d := range calls {
			if d.Start <= c.Start && c.Start < d.End {
				n++
			}
		}
		most = max(most, n)
	}
	return most
}

func TestLockAcrossAwait(t *testing.T) {
	var calls [3]int
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		_, calls[0] = heldAcrossCall(ctx)
		_, calls[1] = shortLock(ctx)
		_, calls[2] = channelOwned(ctx)
	})
	if calls != [3]int{workers, workers, workers} {
		t.Errorf("calls counted %v, want %d in each phase", calls, workers)
	}
	durations := map[string]time.Duration{}
	for _, name := range []string{"held-across-call", "short-lock", "channel-owned"} {
		phase := tracetest.Region(t, tr, name)
		durations[name] = time.Duration(phase.End - phase.Start)
		calls := callsIn(t, tr, phase)
		t.Logf("%s: %v, at most %d calls at once", name, durations[name], mostAtOnce(calls))

		if name == "held-across-call" {
			// The convoy: one call at a time, end to end, so the phase
			// takes at least workers × slow.
			for i := 1; i < len(calls); i++ {
				if calls[i].Start < calls[i-1].End {
					t.Errorf("convoy: call %d started %v before call %d ended", i, time.Duration(calls[i-1].End-calls[i].Start), i-1)
				}
			}
			if durations[name] < workers*slow {
				t.Errorf("convoy took %v, want at least %v", durations[name], workers*slow)
			}
			// Each worker waited for all the ones before it: the last
			// waited for the other four calls.
			mu := tracetest.Resource(t, tr, parse.KindMutex, name)
			if mu.Waiters < 2 || time.Duration(mu.MaxWait()) < 2*slow {
				t.Errorf("convoy mutex: %d waiters, longest wait %v; want the workers queueing for whole calls", mu.Waiters, time.Duration(mu.MaxWait()))
			}
			t.Logf("  mutex %s: %d waits by %d goroutines, longest %v, %v in all", name, mu.Waits(), mu.Waiters, time.Duration(mu.MaxWait()), time.Duration(mu.WaitTotal()))
			continue
		}
		// Short lock and channel-owned state: the calls overlap.
		if n := mostAtOnce(calls); n < 2 {
			t.Errorf("%s: at most %d call at once, want them overlapping", name, n)
		}
	}
	// The convoy costs at least workers × slow (checked above); the others
	// about one slow call: the overlap above is what shows it, and how
	// much longer they took depends on the machine (a busy one stops the
	// process for hundreds of milliseconds), so only at least one call.
	for _, name := range []string{"short-lock", "channel-owned"} {
		if durations[name] < slow {
			t.Errorf("%s took %v, want about one call (%v)", name, durations[name], slow)
		}
	}
	// The state owner waited for requests on its named channel.
	ch := tracetest.Resource(t, tr, parse.KindChan, "requests")
	if ch.Ops[parse.OpRecv].Waits == 0 {
		t.Errorf("the state owner never waited on requests")
	}
	t.Logf("requests channel: %d receive waits, %d send waits", ch.Ops[parse.OpRecv].Waits, ch.Ops[parse.OpSend].Waits)
}
