package main

import (
	"context"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestGreet(t *testing.T) {
	var got string
	tr := tracetest.Record(t, func() { got = run(context.Background()) })
	if got != "Hello, Alex!" {
		t.Errorf("run() = %q", got)
	}
	g := tracetest.One(t, tr, "greeter")
	// Created by the goroutine that waited for it, ran, and finished (or,
	// if the trace stopped just as it was returning, was still running).
	if g.Parent == 0 || g.End == parse.EndBlocked || g.Totals.Running == 0 {
		t.Errorf("greeter: parent G%d, end %v, ran %d ns; want created, run and not left blocked", g.Parent, g.End, g.Totals.Running)
	}
	parent := tr.Goroutine(g.Parent)
	if parent == nil {
		t.Fatal("greeter's creator is not in the trace")
	}
	// The hand-off: the creator waited on a chan receive while the greeter
	// worked (its 20 ms greet region), until the result arrived.
	region := tracetest.Region(t, tr, "greet")
	if region.Goroutine != g.ID {
		t.Errorf("greet region ran on G%d, want the greeter G%d", region.Goroutine, g.ID)
	}
	var waited int64
	for _, s := range tracetest.Blocked(parent, parse.ReasonChanRecv) {
		waited += tracetest.Overlap(s.Start, s.End, region.Start, region.End)
	}
	if time.Duration(waited) < 15*time.Millisecond {
		t.Errorf("the creator waited %v on chan receive while the greeter worked, want about 20ms", time.Duration(waited))
	}
}
