package main

import (
	"context"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// inside returns the one region of type typ that lies within outer.
func inside(t *testing.T, tr *parse.Trace, outer parse.Region, typ string) parse.Region {
	t.Helper()
	var found []parse.Region
	for _, r := range tracetest.Regions(tr, typ) {
		if r.Start >= outer.Start && r.End <= outer.End {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d regions %q inside %q, want 1", len(found), typ, outer.Type)
	}
	return found[0]
}

func TestConcurrent(t *testing.T) {
	var user1, order1, user2, order2 string
	var err error
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		user1, order1 = withWaitGroup(ctx)
		user2, order2, err = withErrgroup(ctx)
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range [][2]string{{user1, order1}, {user2, order2}} {
		if got != [2]string{"User(id=1)", "Order(id=42)"} {
			t.Errorf("got %q, want User(id=1) and Order(id=42)", got)
		}
	}
	// Each variant ran its fetches on two named goroutines of its own.
	for _, name := range []string{"fetch-user", "fetch-order"} {
		if n := len(tracetest.Named(tr, name)); n != 2 {
			t.Errorf("%d goroutines named %q, want 2 (one per variant)", n, name)
		}
	}
	for _, variant := range []string{"waitgroup", "errgroup"} {
		outer := tracetest.Region(t, tr, variant)
		user := inside(t, tr, outer, "fetchUser")
		order := inside(t, tr, outer, "fetchOrder")
		if user.Goroutine == order.Goroutine || user.Goroutine == outer.Goroutine {
			t.Errorf("%s: fetchUser on G%d, fetchOrder on G%d, caller G%d: want three goroutines", variant, user.Goroutine, order.Goroutine, outer.Goroutine)
		}
		// The two waits overlap for most of the shorter one (80 ms): they
		// were in flight at the same time, not one after the other.
		if o := time.Duration(tracetest.Overlap(user.Start, user.End, order.Start, order.End)); o < 40*time.Millisecond {
			t.Errorf("%s: fetchUser and fetchOrder overlap %v, want about 80ms", variant, o)
		}
		// Total: about the longer wait (100 ms), not the sum (180 ms). The
		// overlap above is what shows the waits did not add up; how much
		// longer than 100 ms it took depends on the machine (a busy one
		// stops the process for hundreds of milliseconds), so only the
		// lower bound is checked.
		total := time.Duration(outer.End - outer.Start)
		if total < 100*time.Millisecond {
			t.Errorf("%s: both fetches took %v, want about 100ms", variant, total)
		}
		// Meanwhile the caller was blocked on the group's WaitGroup.
		caller := tr.Goroutine(outer.Goroutine)
		var waited int64
		for _, s := range tracetest.Blocked(caller, parse.ReasonWaitGroup) {
			waited += tracetest.Overlap(s.Start, s.End, outer.Start, outer.End)
		}
		if time.Duration(waited) < 90*time.Millisecond {
			t.Errorf("%s: the caller waited %v on its WaitGroup, want about 100ms", variant, time.Duration(waited))
		}
		t.Logf("%s: %v, overlap %v, caller waited %v", variant, total,
			time.Duration(tracetest.Overlap(user.Start, user.End, order.Start, order.End)), time.Duration(waited))
	}
}
