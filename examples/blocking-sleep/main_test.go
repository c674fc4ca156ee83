package main

import (
	"context"
	"fmt"
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
	// The busy-waiter holds its P for the whole 100 ms only if the OS runs
	// the runtime's threads: on a busy machine a thread that lost its core
	// leaves the busy-waiter runnable (it wanted the CPU, it did not get
	// it). The trace shows that; such a recording is made again.
	tr := tracetest.RecordFit(t, func() {
		ctx := context.Background()
		manySleeps(ctx)
		spinVersusSleep(ctx)
		inSyscall(ctx)
	}, func(tr *parse.Trace) string {
		for _, g := range tracetest.Named(tr, "busy-waiter") {
			if run, wait := time.Duration(g.Totals.Running), time.Duration(g.Totals.Runnable); run < spin*7/10 && run+wait >= spin*9/10 {
				return fmt.Sprintf("the busy-waiter ran %v and waited %v for a P", run, wait)
			}
		}
		return ""
	})

	// 100 sleeps of 50 ms at once: about 50 ms, each goroutine blocked on
	// sleep and hardly running.
	sleeps := tracetest.Region(t, tr, "time.Sleep")
	took := time.Duration(sleeps.End - sleeps.Start)
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
	// At once, not one after the other: the region lasted at least one nap
	// and far less than the naps added up (how much more than one nap
	// depends on how fast the machine starts 100 goroutines).
	if took < nap || took > slept/10 {
		t.Errorf("%d sleeps of %v took %v, %v asleep in all; want about %v, far less than the sum", sleepers, nap, took, slept, nap)
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
