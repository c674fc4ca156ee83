package main

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// startedIn returns the goroutine called name created during region r.
func startedIn(t *testing.T, tr *parse.Trace, r parse.Region, name string) *parse.Goroutine {
	t.Helper()
	for _, g := range tracetest.Named(tr, name) {
		if g.Created >= r.Start && g.Created <= r.End {
			return g
		}
	}
	t.Fatalf("no goroutine %q started in region %s", name, r.Type)
	return nil
}

func TestTimeout(t *testing.T) {
	var fast, slow error
	// The fast call's 20 ms fit its 150 ms deadline with room to spare, but
	// a busy machine can run its goroutines late enough to miss it (or
	// run the deadline's timer late): then the calls' regions in the trace
	// say so, and the recording is made again.
	tr := tracetest.RecordFit(t, func() { fast, slow = run(context.Background()) }, func(tr *parse.Trace) string {
		rs := tracetest.Regions(tr, "fast-call")
		if len(rs) != 1 {
			return ""
		}
		if d := time.Duration(rs[0].End - rs[0].Start); d >= deadline {
			return fmt.Sprintf("the 20ms call took %v (%v)", d, fast)
		}
		if rs := tracetest.Regions(tr, "slow-call"); len(rs) == 1 {
			if d := time.Duration(rs[0].End - rs[0].Start); d > deadline+300*time.Millisecond {
				return fmt.Sprintf("the slow call took %v, its deadline's timer ran late", d)
			}
		}
		return ""
	})
	if fast != nil {
		t.Errorf("fast call: %v, want no error", fast)
	}
	if !errors.Is(slow, context.DeadlineExceeded) {
		t.Errorf("slow call: %v, want context.DeadlineExceeded", slow)
	}
	if n := len(tracetest.Named(tr, "fetch-user")); n != 2 {
		t.Errorf("%d fetch-user goroutines, want 2", n)
	}

	// The fast call: main waited about 20 ms for the reply.
	fastR := tracetest.Region(t, tr, "fast-call")
	if d := time.Duration(fastR.End - fastR.Start); d < 20*time.Millisecond || d >= deadline {
		t.Errorf("fast call took %v, want about 20ms (before the %v deadline)", d, deadline)
	}

	// The slow call: main's select ended at the deadline, not after the
	// fetch's full second.
	slowR := tracetest.Region(t, tr, "slow-call")
	caller := tr.Goroutine(slowR.Goroutine)
	var waited time.Duration
	var waitEnd int64
	for _, s := range tracetest.Blocked(caller, parse.ReasonSelect) {
		if o := tracetest.Overlap(s.Start, s.End, slowR.Start, slowR.End); o > 0 {
			waited += time.Duration(o)
			waitEnd = max(waitEnd, s.End)
		}
	}
	if d := time.Duration(slowR.End - slowR.Start); d < deadline || d > deadline+300*time.Millisecond {
		t.Errorf("slow call took %v, want about the %v deadline", d, deadline)
	}
	// The deadline is 150 ms after the context was made, inside the
	// region: the waits end no earlier. (How long they lasted depends on
	// when the goroutines got to wait: late, on a busy machine.)
	due := slowR.Start + int64(deadline) - int64(time.Millisecond)
	if waited == 0 || waitEnd < due {
		t.Errorf("main waited %v in select during the slow call, until %v into it, want until the %v deadline", waited, time.Duration(waitEnd-slowR.Start), deadline)
	}
	// The slow fetch saw the deadline too: its own wait ended then, far
	// from its 1 s, and it is not left blocked.
	worker := startedIn(t, tr, slowR, "fetch-user")
	wait := tracetest.Longest(tracetest.Blocked(worker, parse.ReasonSelect))
	if wait.End < due || wait.Duration() > time.Second*9/10 {
		t.Errorf("the slow fetch waited %v, until %v into the call, want cut off at the %v deadline, far from its 1s", wait.Duration(), time.Duration(wait.End-slowR.Start), deadline)
	}
	if worker.Leaked() || worker.End == parse.EndBlocked {
		t.Errorf("the slow fetch goroutine is still blocked on %v at the end of the trace, want gone", worker.EndReason)
	}
	t.Logf("fast call %v; slow call %v (main waited %v), slow fetch cut off after %v",
		time.Duration(fastR.End-fastR.Start), time.Duration(slowR.End-slowR.Start), waited, wait.Duration())
}
