package main

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// startedIn returns the goroutine called name created during region r.
func startedIn(t *testing.T, tr *parse.Trace, r parse.Region, name string) *parse.Goroutine {
	t.Helper()
	var found *parse.Goroutine
	for _, g := range tracetest.Named(tr, name) {
		if g.Created >= r.Start && g.Created <= r.End {
			if found != nil {
				t.Fatalf("two goroutines %q in region %s", name, r.Type)
			}
			found = g
		}
	}
	if found == nil {
		t.Fatalf("no goroutine %q in region %s", name, r.Type)
	}
	return found
}

// phaseFacts is what the trace says about one phase.
type phaseFacts struct {
	took                      time.Duration
	cpuRan                    time.Duration
	preempted                 int           // times the cpu-loop was preempted
	ioRunnable, ioLongest     time.Duration // the io-loop waiting for the P
	tickRunnable, tickLongest time.Duration
	tickWakes                 int
}

func facts(t *testing.T, tr *parse.Trace, name string) phaseFacts {
	t.Helper()
	r := tracetest.Region(t, tr, name)
	f := phaseFacts{took: time.Duration(r.End - r.Start)}
	cpu := startedIn(t, tr, r, "cpu-loop")
	f.cpuRan = time.Duration(cpu.Totals.Running)
	for _, s := range cpu.Spans {
		if s.State == parse.StateRunnable && s.Reason == parse.ReasonPreempted {
			f.preempted++
		}
	}
	for _, s := range startedIn(t, tr, r, "io-loop").Spans {
		if s.State == parse.StateRunnable {
			f.ioRunnable += s.Duration()
			f.ioLongest = max(f.ioLongest, s.Duration())
		}
	}
	for _, s := range startedIn(t, tr, r, "ticker").Spans {
		switch s.State {
		case parse.StateRunnable:
			f.tickRunnable += s.Duration()
			f.tickLongest = max(f.tickLongest, s.Duration())
		case parse.StateBlocked:
			f.tickWakes++
		}
	}
	return f
}

// check returns what one recording got wrong: nothing when it shows the
// blocking loop delaying the others far more than the cooperative one.
func check(t *testing.T, tr *parse.Trace, blocking, cooperative result) []string {
	b, c := facts(t, tr, "blocking"), facts(t, tr, "cooperative")
	for _, p := range []struct {
		name string
		f    phaseFacts
		r    result
	}{{"blocking", b, blocking}, {"cooperative", c, cooperative}} {
		t.Logf("%-11s %v: cpu-loop ran %v, preempted %d times; io-loop waited for the P %v (longest %v); ticker woke %d times (at most %v late), waited for the P %v (longest %v)",
			p.name, p.f.took, p.f.cpuRan, p.f.preempted, p.f.ioRunnable, p.f.ioLongest, p.f.tickWakes, p.r.ticker.max(), p.f.tickRunnable, p.f.tickLongest)
	}
	var problems []string
	// Blocking: the runtime had to preempt the loop to let anyone else run.
	if b.preempted == 0 {
		problems = append(problems, "the blocking cpu-loop was never preempted")
	}
	// Scheduler latency: the io-loop, back from each system call, waited
	// for the only P much longer while the loop did not yield, in stretches
	// of milliseconds (the runtime preempts after 10 ms).
	if b.ioRunnable < 2*c.ioRunnable {
		problems = append(problems, fmt.Sprintf("io-loop runnable %v with the blocking loop, %v with the cooperative one: want much more when blocking", b.ioRunnable, c.ioRunnable))
	}
	if b.ioLongest < 2*time.Millisecond {
		problems = append(problems, fmt.Sprintf("io-loop's longest wait for the P with the blocking loop %v, want milliseconds", b.ioLongest))
	}
	// The ticker, whose timer is only looked at when the P switches
	// goroutines, woke far less often while the loop held the P.
	if c.tickWakes < 2*b.tickWakes {
		problems = append(problems, fmt.Sprintf("the ticker woke %d times with the blocking loop and %d with the cooperative one, want far fewer when blocking", b.tickWakes, c.tickWakes))
	}
	return problems
}

// TestBlockingRuntime measures scheduler latency in wall-clock time. On a
// loaded machine the OS may stall the process's threads for longer than
// the 10 ms effect measured here, and in the trace such a stall looks like
// running or runnable time. So a recording that does not show the effect
// is retried, up to three times: the effect must show in one of them (it
// shows in every one on a quiet machine; a regression would show in none).
func TestBlockingRuntime(t *testing.T) {
	const attempts = 3
	before := runtime.GOMAXPROCS(0)
	var problems []string
	for attempt := 1; attempt <= attempts; attempt++ {
		var blocking, cooperative result
		tr := tracetest.Record(t, func() { blocking, cooperative = run(context.Background()) })
		if after := runtime.GOMAXPROCS(0); after != before {
			t.Fatalf("GOMAXPROCS is %d after run, was %d", after, before)
		}
		problems = check(t, tr, blocking, cooperative)
		if len(problems) == 0 {
			return
		}
		t.Logf("attempt %d of %d: %s", attempt, attempts, strings.Join(problems, "; "))
	}
	t.Errorf("in %d recordings, the blocking loop never delayed the others clearly more than the cooperative one; last: %s", attempts, strings.Join(problems, "; "))
}
