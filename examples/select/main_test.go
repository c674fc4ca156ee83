package main

import (
	"context"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestSelect(t *testing.T) {
	var result string
	tr := tracetest.Record(t, func() { result = race(context.Background()) })
	if result != "timeout reached" {
		t.Errorf("race() = %q, want the 50ms branch", result)
	}
	region := tracetest.Region(t, tr, "select")
	took := time.Duration(region.End - region.Start)
	// Decided by the 50 ms branch, not the 10 s one (a busy machine can
	// add hundreds of milliseconds, never seconds).
	if took < 50*time.Millisecond || took > 5*time.Second {
		t.Errorf("the race took %v, want about 50ms, far from the slow branch's 10s", took)
	}
	// main waited in its select until the fast branch answered.
	caller := tr.Goroutine(region.Goroutine)
	wait := tracetest.Longest(tracetest.Blocked(caller, parse.ReasonSelect))
	if wait.Duration() < 45*time.Millisecond {
		t.Errorf("the caller waited %v in select, want about 50ms", wait.Duration())
	}
	// Both branches are gone: the loser was cancelled at the decision,
	// after about 50 ms of its 10 s sleep, and nothing is left blocked.
	// The fast one waited its 50 ms; the slow one until the decision,
	// which came after the fast one's wait (how long the slow one waited
	// depends on when it started: late, on a busy machine).
	fastWait := tracetest.Longest(tracetest.Blocked(tracetest.One(t, tr, "fast-sleep"), parse.ReasonSelect))
	for _, name := range []string{"slow-sleep", "fast-sleep"} {
		g := tracetest.One(t, tr, name)
		if g.Leaked() || g.End == parse.EndBlocked {
			t.Errorf("%s is still blocked at the end of the trace (on %v), want gone", name, g.EndReason)
		}
		wait := tracetest.Longest(tracetest.Blocked(g, parse.ReasonSelect))
		if name == "fast-sleep" && wait.Duration() < 45*time.Millisecond {
			t.Errorf("%s waited %v in its select, want about 50ms", name, wait.Duration())
		}
		if name == "slow-sleep" && (wait.End < fastWait.End || wait.Duration() > 5*time.Second) {
			t.Errorf("%s waited %v in its select, until %v after the fast one's wait ended; want until the decision, after it", name, wait.Duration(), time.Duration(wait.End-fastWait.End))
		}
		if wait.End > region.End {
			t.Errorf("%s was still waiting %v after the race returned", name, time.Duration(wait.End-region.End))
		}
		t.Logf("%s: waited %v in select, end of story: %v", name, wait.Duration(), g.End)
	}
}
