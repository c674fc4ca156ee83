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
	// How many running spans the cpu-loop had, and the time the io-loop
	// waited for the P while the cpu-loop was in a running or runnable
	// span over stallSpan: a cooperative loop yields every 200µs and the
	// others run for microseconds, so such a span means the OS was not
	// running the P's thread (the trace shows the loop running, or
	// everyone waiting for the P, all the same).
	cpuSpans  int
	ioStalled time.Duration
}

// stallSpan is how long a running span of the cooperative cpu-loop must
// last to say the OS stopped its thread: five times its yield period.
const stallSpan = 5 * yieldEvery

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
	var stalls []parse.Span
	for _, s := range cpu.Spans {
		if s.State == parse.StateRunning {
			f.cpuSpans++
		}
		if (s.State == parse.StateRunning || s.State == parse.StateRunnable) && s.Duration() > stallSpan {
			stalls = append(stalls, s)
		}
	}
	for _, s := range startedIn(t, tr, r, "io-loop").Spans {
		if s.State == parse.StateRunnable {
			f.ioRunnable += s.Duration()
			f.ioLongest = max(f.ioLongest, s.Duration())
			for _, st := range stalls {
				f.ioStalled += time.Duration(tracetest.SpanOverlap(s, st))
			}
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
		t.Logf("%-11s %v: cpu-loop ran %v in %d spans, preempted %d times; io-loop waited for the P %v (longest %v; %v during cpu-loop spans over %v); ticker woke %d times (at most %v late), waited for the P %v (longest %v)",
			p.name, p.f.took, p.f.cpuRan, p.f.cpuSpans, p.f.preempted, p.f.ioRunnable, p.f.ioLongest, p.f.ioStalled, stallSpan, p.f.tickWakes, p.r.ticker.max(), p.f.tickRunnable, p.f.tickLongest)
	}
	var problems []string
	// Blocking: the runtime had to preempt the loop to let anyone else run.
	if b.preempted == 0 {
		problems = append(problems, "the blocking cpu-loop was never preempted")
	}
	// The cooperative loop did yield: it ran in many short spans (each
	// 200µs; a 150 ms loop that does not yield runs in ~15).
	if c.cpuSpans < 50 {
		problems = append(problems, fmt.Sprintf("the cooperative cpu-loop ran in %d spans, want many short ones", c.cpuSpans))
	}
	// Scheduler latency: the io-loop, back from each system call, waited
	// for the only P much longer while the loop did not yield, in stretches
	// of milliseconds (the runtime preempts after 10 ms). With the
	// cooperative loop, the waits the OS caused (it stopped the thread
	// holding the P: see stallSpan) are not the loop's doing.
	if b.ioRunnable < 2*(c.ioRunnable-c.ioStalled) {
		problems = append(problems, fmt.Sprintf("io-loop runnable %v with the blocking loop, %v with the cooperative one (%v of it while the OS stalled the P's thread): want much more when blocking", b.ioRunnable, c.ioRunnable, c.ioStalled))
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
// running or runnable time. The cooperative phase shows such stalls (its
// loop's running spans outlast its yields), and check leaves them out;
// the blocking phase cannot show them, and a recording that does not show
// the effect is retried, up to five times: the effect must show in one of
// them (it shows in every one on a quiet machine; a regression would show
// in none).
func TestBlockingRuntime(t *testing.T) {
	const attempts = 5
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
