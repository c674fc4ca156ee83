package parse

import (
	"errors"
	"fmt"
)

// Check verifies the model's invariants: numbers that cannot be wrong
// together. Each goroutine's spans cover its life without gaps or overlaps
// and its state totals add up to them; GC assists are part of running time;
// the waterfall's parts add up to its capacity, and its time running the
// program is the program's running time; blocked time by reason is the same
// summed by call site and by goroutine. It returns every violation found,
// joined, or nil. Tests and fuzzers run it on every trace they read.
func (t *Trace) Check() error {
	var errs []error
	bad := func(format string, args ...any) {
		if len(errs) < 20 {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	var user Totals
	for _, g := range t.Goroutines {
		tot := g.Totals
		if !g.System {
			user.Add(&tot)
		}
		if tot.Running < 0 || tot.Runnable < 0 || tot.Syscall < 0 || tot.GCAssist < 0 {
			bad("G%d: negative totals %+v", g.ID, tot)
		}
		if tot.GCAssist > tot.Running {
			bad("G%d: GC assists %d ns > running %d ns", g.ID, tot.GCAssist, tot.Running)
		}
		if len(g.Spans) == 0 {
			continue
		}
		var sum int64
		for i, s := range g.Spans {
			if s.End < s.Start || s.Start < 0 || s.End > t.Duration {
				bad("G%d: span %d [%d, %d] out of order or outside the trace (%d)", g.ID, i, s.Start, s.End, t.Duration)
			}
			if i > 0 && g.Spans[i-1].End != s.Start {
				bad("G%d: spans %d and %d are not contiguous (%d, %d)", g.ID, i-1, i, g.Spans[i-1].End, s.Start)
			}
			if s.State == StateNone || s.State >= numStates {
				bad("G%d: span %d has no state", g.ID, i)
			}
			sum += s.End - s.Start
		}
		life := tot.Running + tot.Runnable + tot.Syscall + tot.BlockedTotal() + tot.Own
		if life != sum {
			bad("G%d: state totals add up to %d ns, its spans to %d ns", g.ID, life, sum)
		}
		if g.Ended >= 0 && g.Spans[len(g.Spans)-1].End != g.Ended {
			bad("G%d: spans end at %d, the goroutine at %d", g.ID, g.Spans[len(g.Spans)-1].End, g.Ended)
		}
		for i := 1; i < len(g.Wakes); i++ {
			if g.Wakes[i].At < g.Wakes[i-1].At {
				bad("G%d: wake-ups out of order", g.ID)
				break
			}
		}
		for _, s := range g.Spans {
			if s.State == StateBlocked && s.Reason == ReasonSleep {
				if w, ok := g.WakeOf(s); ok && w.Source == WakeGoroutine {
					bad("G%d: a sleep ending at %d woken by G%d: only timers end sleeps", g.ID, s.End, w.By)
					break
				}
			}
		}
	}
	// Every wait that can hold the program back is booked at most once to
	// what it waited on (not at all if it never ended, or goroutines stuck
	// for good).
	var waiting, on int64
	for _, v := range t.Parallel.Sum[DimWaiting] {
		waiting += v
	}
	for r := Reason(0); r < NumReasons; r++ {
		for _, v := range t.Parallel.Sum[WaitingOnDim(r)] {
			on += v
		}
	}
	// A coarsened model moves the merged spans of a goroutine that turned
	// out to be the runtime's by their merged state: a little slack.
	slack := max(waiting/1000, 10000)
	if t.Coarsened > 0 {
		slack = max(waiting/20, 10000)
	}
	if on-waiting > slack {
		bad("waits booked to what they waited on: %d ns, waits that can hold the program back: %d ns", on, waiting)
	}
	w := &t.Waterfall
	if w.Capacity > 0 {
		parts := w.User + w.Runtime + w.Runnable + w.BlockedTotal() + w.PathOnly + w.Idle
		if d := parts - w.Capacity; d < -8 || d > 8 {
			bad("waterfall: parts add up to %d P·ns, capacity is %d", parts, w.Capacity)
		}
		for r, v := range w.Blocked {
			if v < 0 {
				bad("waterfall: negative idle time blocked on %s", Reason(r))
			}
		}
		if w.User < 0 || w.Runtime < 0 || w.Runnable < 0 || w.PathOnly < 0 || w.Idle < 0 {
			bad("waterfall: negative parts %+v", *w)
		}
		// Running the program is the program's running time, assists
		// moved to the GC's share (up to rounding and the first moments,
		// before GOMAXPROCS is known).
		if d := w.User + user.GCAssist - user.Running; abs(d) > max(w.Capacity/1000, 10000) {
			bad("waterfall: running the program %d P·ns + assists %d ns != the program's running time %d ns", w.User, user.GCAssist, user.Running)
		}
		if p := t.AvgGOMAXPROCS(); t.Duration > 0 && abs(w.Capacity-int64(p*float64(t.Duration))) > max(w.Capacity/1000, 1000) {
			bad("waterfall: capacity %d P·ns, but GOMAXPROCS × wall time is %.0f", w.Capacity, p*float64(t.Duration))
		}
	}
	if t.Duration > 0 && t.GOMAXPROCS > 0 && t.AvgParallelism() > float64(t.GOMAXPROCS)+0.001 {
		bad("parallelism %.3f above GOMAXPROCS %d", t.AvgParallelism(), t.GOMAXPROCS)
	}
	var bySite [NumReasons]int64
	var syscalls int64
	for _, s := range t.Sites {
		if s.Reason == ReasonSyscall {
			syscalls += s.Total
		} else {
			bySite[s.Reason] += s.Total
		}
	}
	for r := Reason(0); r < NumReasons; r++ {
		if r != ReasonSyscall && bySite[r] != user.Blocked[r] {
			bad("blocked on %s: %d ns by call site, %d ns by goroutine", r, bySite[r], user.Blocked[r])
		}
	}
	if syscalls != user.Syscall {
		bad("system calls: %d ns by call site, %d ns by goroutine", syscalls, user.Syscall)
	}
	for _, r := range t.Resources {
		var blame int64
		for _, h := range r.Holders {
			blame += h.Blame
		}
		if blame > r.WaitTotal() {
			bad("%s %q: holders blamed for %d ns of %d ns of waits", r.Kind, r.Name, blame, r.WaitTotal())
		}
	}
	return errors.Join(errs...)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
