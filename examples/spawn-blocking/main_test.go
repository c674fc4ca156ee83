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

// check returns what one recording got wrong: nothing when the workers
// kept every P busy and the ticker kept getting its turns.
func check(t *testing.T, tr *parse.Trace, jobs int, late ticks) []string {
	procs := runtime.GOMAXPROCS(0)
	region := tracetest.Region(t, tr, "cpu-work")
	var problems []string

	// The pool: one worker per P, each computing most of the time.
	workers := tracetest.Named(tr, "cpu-worker")
	if len(workers) != procs {
		t.Fatalf("%d cpu-worker goroutines, want GOMAXPROCS = %d", len(workers), procs)
	}
	for _, g := range workers {
		if ran := time.Duration(g.Totals.Running); ran < cpuTime/2 {
			problems = append(problems, fmt.Sprintf("cpu-worker G%d ran %v, want most of %v", g.ID, ran, cpuTime))
		}
	}
	par := tr.AvgRunning(region.Start, region.End)
	if par < 0.75*float64(procs) {
		problems = append(problems, fmt.Sprintf("parallelism %.2f during the CPU work, want at least 0.75 × GOMAXPROCS = %.2f", par, 0.75*float64(procs)))
	}

	// The ticker kept getting a P: it woke up again and again during the
	// CPU work (a starved goroutine would not wake at all until the end),
	// and once woken it waited little for a P.
	tick := tracetest.One(t, tr, "ticker")
	var wakes int
	var longestRunnable, longestWait time.Duration
	for _, s := range tick.Spans {
		if s.End <= region.Start || s.Start >= region.End {
			continue
		}
		switch s.State {
		case parse.StateRunnable:
			longestRunnable = max(longestRunnable, s.Duration())
		case parse.StateBlocked:
			if s.End < region.End {
				wakes++
			}
			longestWait = max(longestWait, s.Duration())
		}
	}
	if wakes < 4 {
		problems = append(problems, fmt.Sprintf("the ticker woke %d times during %v of CPU work, want several (every 5ms, or at the workers' 10ms preemptions)", wakes, time.Duration(region.End-region.Start)))
	}
	if longestRunnable > cpuTime/4 {
		problems = append(problems, fmt.Sprintf("the ticker waited up to %v for a P, want little: the workers are preempted every 10ms", longestRunnable))
	}
	t.Logf("%d workers, %d jobs, parallelism %.2f of %d during %v; ticker: %d wake-ups (at most %v late), during the CPU work %d, longest wait %v, longest runnable %v",
		len(workers), jobs, par, procs, time.Duration(region.End-region.Start), len(late), late.max(), wakes, longestWait, longestRunnable)
	return problems
}

// TestSpawnBlocking measures wake-ups in wall-clock time. On a loaded
// machine the OS may stall the process's threads for longer than the
// ticker's period, so a recording that does not show the workers leaving
// room for the ticker is retried, up to three times: the facts must show
// in one of them (they show in every one on a quiet machine).
func TestSpawnBlocking(t *testing.T) {
	const attempts = 3
	var problems []string
	for attempt := 1; attempt <= attempts; attempt++ {
		var jobs int
		var late ticks
		tr := tracetest.Record(t, func() { jobs, late = run(context.Background()) })
		problems = check(t, tr, jobs, late)
		if len(problems) == 0 {
			return
		}
		t.Logf("attempt %d of %d: %s", attempt, attempts, strings.Join(problems, "; "))
	}
	t.Errorf("in %d recordings: %s", attempts, strings.Join(problems, "; "))
}
