package main

import (
	"context"
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
	tr := tracetest.Record(t, func() { got = sharedCounter(context.Background()) })
	if got != 5 {
		t.Errorf("sharedCounter() = %d, want 5", got)
	}
	regions := tracetest.Regions(tr, "sharedCounter")
	if len(regions) == 0 {
		t.Fatal("no sharedCounter region in the trace")
	}
	region := regions[len(regions)-1] // this test's
	var sleeps []parse.Span
	for _, g := range tracetest.Named(tr, "incrementer") {
		if g.Created < region.Start || g.Created > region.End {
			continue
		}
		sleeps = append(sleeps, tracetest.Longest(tracetest.Blocked(g, parse.ReasonSleep)))
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
