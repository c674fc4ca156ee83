package main

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestForgotWait(t *testing.T) {
	var got, right []string
	var late *results
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		got, late = forgetWait(ctx)
		right = withWait(ctx)
		late.wg.Wait()
	})
	// The results were lost: forgetWait read them before they existed.
	if len(got) >= workers {
		t.Errorf("forgetWait read %d results, want fewer than %d (it did not wait)", len(got), workers)
	}
	if len(right) != workers || len(late.snapshot()) != workers {
		t.Errorf("withWait read %d results and the forgotten workers made %d, want %d each", len(right), len(late.snapshot()), workers)
	}
	// In the trace: the forgotten workers' fetches ended after forgetWait
	// had returned.
	forgot := tracetest.Region(t, tr, "forgot-wait")
	waited := tracetest.Region(t, tr, "with-wait")
	after := 0
	for _, r := range tracetest.Regions(tr, "fetchUser") {
		g := tr.Goroutine(r.Goroutine)
		if g.Created >= forgot.Start && g.Created <= forgot.End && r.End > forgot.End {
			after++ // started by forgetWait, done after it returned
		}
		if g.Created >= waited.Start && g.Created <= waited.End && r.End > waited.End {
			t.Errorf("a fetch started by withWait ended after it returned")
		}
	}
	if after != workers-len(got) {
		t.Errorf("%d fetches started in forgot-wait ended after it returned, want %d", after, workers-len(got))
	}
	t.Logf("forgot-wait: returned %d of %d results; %d fetches ended after it returned", len(got), workers, after)
}

// parkedSenders counts the goroutines blocked on their send in neverRead.
func parkedSenders() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "[chan send") && strings.Contains(g, "neverRead.func") {
			n++
		}
	}
	return n
}

func TestNeverRead(t *testing.T) {
	var out <-chan string
	tr := tracetest.Record(t, func() {
		out = neverRead(context.Background())
		// neverRead gives the senders time to reach their send; on a
		// loaded machine make sure they are parked before the trace ends.
		for deadline := time.Now().Add(5 * time.Second); parkedSenders() < workers && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
	})
	// Release the senders once the trace is written: the test's own clean-up.
	defer func() {
		for range workers {
			<-out
		}
	}()
	senders := tracetest.Named(tr, "sender")
	if len(senders) != workers {
		t.Fatalf("%d senders, want %d", len(senders), workers)
	}
	for _, g := range senders {
		if !g.Leaked() || g.End != parse.EndBlocked || g.EndReason != parse.ReasonChanSend {
			t.Errorf("sender G%d ends %v on %v (leak candidate: %v), want blocked on chan send", g.ID, g.End, g.EndReason, g.Leaked())
		}
	}
	leaks := 0
	for _, g := range tr.Leaks() {
		if g.Name == "sender" {
			leaks++
		}
	}
	if leaks != workers {
		t.Errorf("the trace lists %d senders as leaks, want %d", leaks, workers)
	}
	t.Logf("%d senders left blocked on chan send, all leak candidates", leaks)
}
