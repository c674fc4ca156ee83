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
	for _, s := range tracetest.Blocked(caller, parse.ReasonSelect) {
		waited += time.Duration(tracetest.Overlap(s.Start, s.End, slowR.Start, slowR.End))
	}
	if d := time.Duration(slowR.End - slowR.Start); d < deadline || d > deadline+300*time.Millisecond {
		t.Errorf("slow call took %v, want about the %v deadline", d, deadline)
	}
	if waited < deadline-10*time.Millisecond {
		t.Errorf("main waited %v in select during the slow call, want about %v", waited, deadline)
	}
	// The slow fetch saw the deadline too: its own wait ended then, far
	// from its 1 s, and it is not left blocked.
	worker := startedIn(t, tr, slowR, "fetch-user")
	wait := tracetest.Longest(tracetest.Blocked(worker, parse.ReasonSelect))
	if wait.Duration() < deadline-10*time.Millisecond || wait.Duration() > deadline+300*time.Millisecond {
		t.Errorf("the slow fetch waited %v, want cut off at about %v", wait.Duration(), deadline)
	}
	if worker.Leaked() || worker.End == parse.EndBlocked {
		t.Errorf("the slow fetch goroutine is still blocked on %v at the end of the trace, want gone", worker.EndReason)
	}
	t.Logf("fast call %v; slow call %v (main waited %v), slow fetch cut off after %v",
		time.Duration(fastR.End-fastR.Start), time.Duration(slowR.End-slowR.Start), waited, wait.Duration())
}
