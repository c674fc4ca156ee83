package main

import (
	"context"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestSequential(t *testing.T) {
	tr := tracetest.Record(t, func() { sequentialRequests(context.Background()) })
	user := tracetest.Region(t, tr, "fetchUser")
	order := tracetest.Region(t, tr, "fetchOrder")
	if d := time.Duration(user.End - user.Start); d < 100*time.Millisecond {
		t.Errorf("fetchUser took %v, want at least 100ms", d)
	}
	if d := time.Duration(order.End - order.Start); d < 80*time.Millisecond {
		t.Errorf("fetchOrder took %v, want at least 80ms", d)
	}
	// The two waits never overlap: the order starts after the user is back.
	if o := tracetest.Overlap(user.Start, user.End, order.Start, order.End); o != 0 || order.Start < user.End {
		t.Errorf("fetchUser [%d,%d] and fetchOrder [%d,%d] overlap by %v", user.Start, user.End, order.Start, order.End, time.Duration(o))
	}
	// Total: at least the sum of the waits (how much more depends on the
	// machine; that they did not overlap is checked above).
	total := time.Duration(order.End - user.Start)
	if total < 180*time.Millisecond {
		t.Errorf("both fetches took %v, want about 180ms (the sum)", total)
	}
	t.Logf("sequential: %v", total)
}
