package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestProcess(t *testing.T) {
	if err := process(context.Background(), ""); err == nil || err.Error() != "URL cannot be empty" {
		t.Errorf("process(\"\") = %v, want URL cannot be empty", err)
	}
}

func TestErrors(t *testing.T) {
	var results map[string]string
	var err error
	tr := tracetest.Record(t, func() { results, err = fetchAll(context.Background()) })
	// The result is the first error: the failing endpoint's, not the
	// cancellations it caused.
	if err == nil || !strings.Contains(err.Error(), "503 Service Unavailable") {
		t.Errorf("fetchAll error %v, want the settings fetch's 503", err)
	}
	if len(results) != 0 {
		t.Errorf("fetchAll results %v, want none (the others were cancelled)", results)
	}
	region := tracetest.Region(t, tr, "fetch-all")
	took := time.Duration(region.End - region.Start)
	// Far from the others' 1 s (a busy machine adds hundreds of
	// milliseconds at most).
	if took < 30*time.Millisecond || took >= time.Second {
		t.Errorf("fetchAll took %v, want about 30ms (the failure), far from the others' 1s", took)
	}
	failing := tracetest.One(t, tr, "fetch-settings")
	failed := tracetest.Longest(tracetest.Blocked(failing, parse.ReasonSelect))
	if failed.Duration() < 25*time.Millisecond {
		t.Errorf("fetch-settings failed after %v, want about 30ms", failed.Duration())
	}
	for _, name := range []string{"fetch-user", "fetch-orders", "fetch-settings"} {
		g := tracetest.One(t, tr, name)
		if g.Leaked() || g.End == parse.EndBlocked {
			t.Errorf("%s is still blocked on %v at the end of the trace, want gone", name, g.EndReason)
		}
		wait := tracetest.Longest(tracetest.Blocked(g, parse.ReasonSelect))
		// Each fetch waited until the failure and stopped within the
		// group: the 1 s fetches were cut off at about 30 ms.
		if wait.Duration() >= time.Second || wait.End > region.End {
			t.Errorf("%s waited %v (ending %v after the group), want about 30ms within the group", name, wait.Duration(), time.Duration(wait.End-region.End))
		}
		if wait.End < failed.End {
			t.Errorf("%s stopped %v before the failure it was cancelled by", name, time.Duration(failed.End-wait.End))
		}
		t.Logf("%s: waited %v", name, wait.Duration())
	}
	t.Logf("fetchAll: %v, error %v", took, err)
}
