package main

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// startedIn returns the goroutines called name created during region r.
func startedIn(tr *parse.Trace, r parse.Region, name string) []*parse.Goroutine {
	var out []*parse.Goroutine
	for _, g := range tracetest.Named(tr, name) {
		if g.Created >= r.Start && g.Created <= r.End {
			out = append(out, g)
		}
	}
	return out
}

func TestBlockingSleep(t *testing.T) {
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		manySleeps(ctx)
		spinVersusSleep(ctx)
		inSyscall(ctx)
	})

	// 100 sleeps of 50 ms at once: about 50 ms, each goroutine blocked on
	// sleep and hardly running.
	sleeps := tracetest.Region(t, tr, "time.Sleep")
	took := time.Duration(sleeps.End - sleeps.Start)
	if took < nap || took > nap+300*time.Millisecond {
		t.Errorf("%d sleeps of %v took %v, want about %v", sleepers, nap, took, nap)
	}
	gs := startedIn(tr, sleeps, "sleeper")
	if len(gs) != sleepers {
		t.Fatalf("%d sleepers, want %d", len(gs), sleepers)
	}
	var slept, ran time.Duration
	for _, g := range gs {
		slept += time.Duration(g.Totals.Blocked[parse.ReasonSleep])
		ran += time.Duration(g.Totals.Running)
		if d := time.Duration(g.Totals.Blocked[parse.ReasonSleep]); d < nap-5*time.Millisecond {
			t.Errorf("sleeper G%d slept %v, want %v", g.ID, d, nap)
		}
	}
	if ran > slept/10 {
		t.Errorf("the sleepers ran %v and slept %v: want them parked, not running", ran, slept)
	}
	t.Logf("time.Sleep: %d goroutines in %v, %v asleep in all, %v running in all", len(gs), took, slept, ran)

	// Busy-waiting: running (holding a P) the whole 100 ms, never
	// blocked; the sleeper next to it waited as long, blocked.
	busy := tracetest.Region(t, tr, "busy-wait")
	spinner := tracetest.One(t, tr, "busy-waiter")
	if d := time.Duration(spinner.Totals.Running); d < spin*7/10 {
		t.Errorf("the busy-waiter ran %v of its %v wait, want (nearly) all of it", d, spin)
	}
	if d := time.Duration(spinner.Totals.BlockedTotal()); d > 5*time.Millisecond {
		t.Errorf("the busy-waiter was blocked %v, want never", d)
	}
	lazy := startedIn(tr, busy, "sleeper")
	if len(lazy) != 1 {
		t.Fatalf("%d sleepers next to the busy-waiter, want 1", len(lazy))
	}
	if d := time.Duration(lazy[0].Totals.Blocked[parse.ReasonSleep]); d < spin-5*time.Millisecond || time.Duration(lazy[0].Totals.Running) > 5*time.Millisecond {
		t.Errorf("the sleeper next to the busy-waiter slept %v and ran %v, want %v asleep", d, time.Duration(lazy[0].Totals.Running), spin)
	}
	t.Logf("busy-wait: busy-waiter running %v, runnable %v; sleeper asleep %v", time.Duration(spinner.Totals.Running),
		time.Duration(spinner.Totals.Runnable), time.Duration(lazy[0].Totals.Blocked[parse.ReasonSleep]))

	// A blocking system call: 50 ms in syscall state, neither running nor
	// parked by the Go scheduler.
	if runtime.GOOS != "linux" {
		return
	}
	sys := tracetest.One(t, tr, "syscall-sleeper")
	if d := time.Duration(sys.Totals.Syscall); d < nap-5*time.Millisecond {
		t.Errorf("the syscall-sleeper spent %v in system calls, want about %v", d, nap)
	}
	if d := time.Duration(sys.Totals.Running); d > 10*time.Millisecond {
		t.Errorf("the syscall-sleeper ran %v, want hardly at all", d)
	}
	t.Logf("syscall: %v in a system call, %v running", time.Duration(sys.Totals.Syscall), time.Duration(sys.Totals.Running))
}
