package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// Plain Go tests: #[tokio::test] needs no counterpart, the test calls the
// code and the code's goroutines run as they would anywhere.

func TestGreet(t *testing.T) {
	if got := greet("Sam"); got != "Hello, Sam!" {
		t.Errorf("greet(Sam) = %q", got)
	}
}

func TestFetchDataError(t *testing.T) {
	if _, err := fetchData(context.Background(), ""); err == nil {
		t.Error("fetchData(\"\") did not fail")
	}
}

func TestSharedCounter(t *testing.T) {
	if got := sharedCounter(context.Background()); got != 5 {
		t.Errorf("sharedCounter() = %d, want 5", got)
	}
}

// A test that also looks at how the code ran: it records a trace of
// sharedCounter and checks that its five goroutines fetched at the same
// time rather than one after the other. Under vizrun test (go test
// -trace), the tracer is taken and Record reads a flight recording, which
// also holds the earlier tests: only the goroutines started inside this
// test's sharedCounter region are counted.
func TestSharedCounterConcurrent(t *testing.T) {
	var got int
	var sleeps []parse.Span
	var region parse.Region
	// The loop starts the five goroutines without waiting for any: on a
	// busy machine the OS can still hold them back until the first fetch
	// is over. Then the trace shows their waits starting far apart, and
	// the recording is made again.
	tracetest.RecordFit(t, func() { got = sharedCounter(context.Background()) }, func(tr *parse.Trace) string {
		sleeps = nil
		regions := tracetest.Regions(tr, "sharedCounter")
		if len(regions) == 0 {
			return ""
		}
		region = regions[len(regions)-1] // this test's
		for _, g := range tracetest.Named(tr, "incrementer") {
			if g.Created < region.Start || g.Created > region.End {
				continue
			}
			sleeps = append(sleeps, tracetest.Longest(tracetest.Blocked(g, parse.ReasonSleep)))
		}
		if len(sleeps) == 0 {
			return ""
		}
		first, last := sleeps[0].Start, sleeps[0].Start
		for _, s := range sleeps {
			first, last = min(first, s.Start), max(last, s.Start)
		}
		if spread := time.Duration(last - first); spread > 5*time.Millisecond {
			return fmt.Sprintf("the fetches started over %v, the scheduler held some back", spread)
		}
		return ""
	})
	if got != 5 {
		t.Errorf("sharedCounter() = %d, want 5", got)
	}
	if region.Type == "" {
		t.Fatal("no sharedCounter region in the trace")
	}
	if len(sleeps) != 5 {
		t.Fatalf("%d incrementers in this sharedCounter, want 5", len(sleeps))
	}
	// All five fetches were in flight at once: their waits share a stretch.
	start, end := sleeps[0].Start, sleeps[0].End
	for _, s := range sleeps[1:] {
		start, end = max(start, s.Start), min(end, s.End)
	}
	if together := time.Duration(end - start); together < 5*time.Millisecond {
		t.Errorf("the five fetches were in flight together for %v, want most of their 10ms", together)
	}
	t.Logf("sharedCounter: %v, five fetches together for %v", time.Duration(region.End-region.Start), time.Duration(end-start))
}
