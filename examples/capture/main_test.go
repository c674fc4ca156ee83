package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// logsOf returns the "captured" messages logged by g.
func logsOf(tr *parse.Trace, g *parse.Goroutine) []string {
	var out []string
	for _, l := range tr.Logs {
		if l.Goroutine == g.ID && l.Category == "captured" {
			out = append(out, l.Message)
		}
	}
	return out
}

func TestCapture(t *testing.T) {
	const n = 5
	var seen []int
	var greeting, name, order string
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		seen = perIteration(ctx, n)
		greeting, name = moveByValue(ctx)
		order = handOver(ctx)
	})
	// Per-iteration loop variables: goroutine loop-i logged i, and only i.
	for i := range n {
		g := tracetest.One(t, tr, fmt.Sprintf("loop-%d", i))
		if got, want := logsOf(tr, g), fmt.Sprintf("i=%d", i); len(got) != 1 || got[0] != want {
			t.Errorf("%s logged %q, want [%q]", g.Name, got, want)
		}
		if seen[i] != i {
			t.Errorf("seen[%d] = %d", i, seen[i])
		}
	}
	// By value: the greeter kept "Alex" although the caller's variable
	// became "Sam" before the greeter used it.
	greeter := tracetest.One(t, tr, "greeter")
	if got := logsOf(tr, greeter); greeting != "Hello, Alex!" || len(got) != 1 || got[0] != greeting || name != "Sam" {
		t.Errorf("greeter returned %q and logged %q while the caller's variable became %q, want Hello, Alex! and Sam", greeting, got, name)
	}
	// Handed over: the consumer waited on the "orders" channel for the
	// order, then changed it as its only owner.
	consumer := tracetest.One(t, tr, "consumer")
	if got := logsOf(tr, consumer); order != "order 7: book, pen, gift wrap" || len(got) != 1 || got[0] != order {
		t.Errorf("consumer returned %q and logged %q", order, got)
	}
	ch := tracetest.Resource(t, tr, parse.KindChan, "orders")
	if ch.Ops[parse.OpRecv].Waits != 1 || ch.Waiters != 1 {
		t.Errorf("orders channel: %d receive waits by %d goroutines, want the consumer's one", ch.Ops[parse.OpRecv].Waits, ch.Waiters)
	}
	t.Logf("greeter: %q, consumer: %q, waited %v for the order", greeting, order, time.Duration(ch.Ops[parse.OpRecv].Total))
}
