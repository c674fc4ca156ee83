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

func TestJoinThree(t *testing.T) {
	var orders1, orders2 []string
	var settings map[string]string
	var user1, user2 User
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		user1, orders1, settings = independent(ctx)
		user2, orders2 = dependent(ctx)
	})
	if user1.ID != 1 || user2.ID != 1 || len(orders1) != 1 || len(orders2) != 1 || settings["theme"] != "dark" {
		t.Errorf("results: %v %v %v; %v %v", user1, orders1, settings, user2, orders2)
	}

	// Independent: three goroutines, three waits in flight at once.
	ind := tracetest.Region(t, tr, "independent")
	user := inside(t, tr, ind, "fetchUser")
	orders := inside(t, tr, ind, "fetchOrders")
	settingsR := inside(t, tr, ind, "fetchSettings")
	for _, name := range []string{"fetch-user", "fetch-orders", "fetch-settings"} {
		tracetest.One(t, tr, name)
	}
	// All three at the same time: the stretch common to the three waits.
	common := min(user.End, orders.End, settingsR.End) - max(user.Start, orders.Start, settingsR.Start)
	if time.Duration(common) < 30*time.Millisecond {
		t.Errorf("the three fetches were in flight together for %v, want about 60ms (the shortest)", time.Duration(common))
	}
	// About the longest wait (100 ms), not the 240 ms sum: the shared
	// stretch above shows it. How much longer it took depends on the
	// machine (a busy one stops the process for hundreds of
	// milliseconds): only the lower bound is checked.
	total := time.Duration(ind.End - ind.Start)
	if total < 100*time.Millisecond {
		t.Errorf("independent fetches took %v, want about 100ms (the longest)", total)
	}
	t.Logf("independent: %v, all three in flight together for %v", total, time.Duration(common))

	// Dependent: the second call starts only when the first has returned.
	dep := tracetest.Region(t, tr, "dependent")
	first := inside(t, tr, dep, "fetchUser")
	second := inside(t, tr, dep, "fetchOrdersFor")
	if second.Start < first.End {
		t.Errorf("fetchOrdersFor started %v before fetchUser ended", time.Duration(first.End-second.Start))
	}
	total = time.Duration(dep.End - dep.Start)
	if total < 180*time.Millisecond { // at least the sum; the order above is the point
		t.Errorf("dependent fetches took %v, want about 180ms (the sum)", total)
	}
	t.Logf("dependent: %v, fetchOrdersFor started %v after fetchUser ended", total, time.Duration(second.Start-first.End))
}
