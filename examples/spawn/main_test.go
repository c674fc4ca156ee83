package main

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestSpawn(t *testing.T) {
	var results []string
	tr := tracetest.Record(t, func() { results = spawnTasks(context.Background()) })
	if want := []string{"Task 0 done", "Task 1 done", "Task 2 done"}; !slices.Equal(results, want) {
		t.Errorf("results %q, want %q", results, want)
	}
	var sleeps []parse.Span
	for i := range 3 {
		g := tracetest.One(t, tr, fmt.Sprintf("task-%d", i))
		// Created by the caller, and done: the result is sent, so the task
		// has exited or is exiting as the trace stops, never left blocked.
		if g.Parent == 0 || g.End == parse.EndBlocked {
			t.Errorf("%s: parent G%d, end %v; want created by the caller and not left blocked", g.Name, g.Parent, g.End)
		}
		sleep := tracetest.Longest(tracetest.Blocked(g, parse.ReasonSleep))
		if sleep.Duration() < 45*time.Millisecond {
			t.Errorf("%s slept %v, want about 50ms", g.Name, sleep.Duration())
		}
		sleeps = append(sleeps, sleep)
	}
	// The three sleeps overlap: there is a moment when all three sleep
	// (run one after the other, they never would). How long they overlap
	// depends on how soon a busy machine starts each goroutine.
	common := min(sleeps[0].End, sleeps[1].End, sleeps[2].End) - max(sleeps[0].Start, sleeps[1].Start, sleeps[2].Start)
	if common <= 0 {
		t.Errorf("the three tasks never slept at the same time (%v apart), want them together", time.Duration(-common))
	}
	// From the first start to the last end: about one sleep, not three.
	// A busy machine stretches all three at once (the process stops), so
	// the span is compared with the sleeps as the trace measured them.
	span := time.Duration(max(sleeps[0].End, sleeps[1].End, sleeps[2].End) - min(sleeps[0].Start, sleeps[1].Start, sleeps[2].Start))
	if sum := sleeps[0].Duration() + sleeps[1].Duration() + sleeps[2].Duration(); span >= sum*2/3 {
		t.Errorf("the three sleeps spread over %v, %v asleep in all: want about one sleep, not the sum", span, sum)
	}
	t.Logf("three tasks slept together for %v; %v from the first to the last", time.Duration(common), span)
}
