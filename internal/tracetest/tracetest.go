// Package tracetest records real traces inside tests and answers questions
// about them: which goroutines ran, how long they were blocked and on what,
// whether two waits overlapped. Tests assert facts measured from the trace,
// with honest tolerances, never exact event counts.
package tracetest

import (
	"path/filepath"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
)

// Record runs fn with the execution tracer on and returns the model of
// what happened. Under go test -trace (as vizrun test runs tests) the
// tracer is taken, and a flight recorder records instead.
func Record(t testing.TB, fn func()) *parse.Trace {
	t.Helper()
	path := filepath.Join(t.TempDir(), "record.trace")
	s, err := tracer.Start(tracer.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer s.Stop() // fn's panic, if any, goes on after the trace is written
		fn()
	}()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Named returns the goroutines called name: given by tracer.Go, else the
// function they started in.
func Named(tr *parse.Trace, name string) []*parse.Goroutine {
	var out []*parse.Goroutine
	for _, g := range tr.Goroutines {
		if g.Name == name {
			out = append(out, g)
		}
	}
	return out
}

// One returns the only goroutine called name, and fails the test if there
// is not exactly one.
func One(t testing.TB, tr *parse.Trace, name string) *parse.Goroutine {
	t.Helper()
	gs := Named(tr, name)
	if len(gs) != 1 {
		t.Fatalf("%d goroutines named %q, want 1", len(gs), name)
	}
	return gs[0]
}

// Blocked returns g's spans blocked on r (any reason for ReasonNone).
func Blocked(g *parse.Goroutine, r parse.Reason) []parse.Span {
	var out []parse.Span
	for _, s := range g.Spans {
		if s.State == parse.StateBlocked && (r == parse.ReasonNone || s.Reason == r) {
			out = append(out, s)
		}
	}
	return out
}

// Longest returns the longest of spans; the zero Span when there is none.
func Longest(spans []parse.Span) parse.Span {
	var best parse.Span
	for _, s := range spans {
		if s.End-s.Start > best.End-best.Start {
			best = s
		}
	}
	return best
}

// Overlap is how long two intervals overlap, in ns (0 if they do not).
func Overlap(aStart, aEnd, bStart, bEnd int64) int64 {
	return max(0, min(aEnd, bEnd)-max(aStart, bStart))
}

// SpanOverlap is Overlap of two spans.
func SpanOverlap(a, b parse.Span) int64 { return Overlap(a.Start, a.End, b.Start, b.End) }

// Regions returns the regions of type typ.
func Regions(tr *parse.Trace, typ string) []parse.Region {
	var out []parse.Region
	for _, r := range tr.Regions {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// Region returns the only region of type typ, and fails the test if there
// is not exactly one.
func Region(t testing.TB, tr *parse.Trace, typ string) parse.Region {
	t.Helper()
	rs := Regions(tr, typ)
	if len(rs) != 1 {
		t.Fatalf("%d regions %q, want 1", len(rs), typ)
	}
	return rs[0]
}

// Resource returns the named lock or channel, and fails the test if the
// trace has none of that kind and name.
func Resource(t testing.TB, tr *parse.Trace, kind parse.ResourceKind, name string) *parse.Resource {
	t.Helper()
	for i := range tr.Resources {
		if r := &tr.Resources[i]; r.Kind == kind && r.Name == name {
			return r
		}
	}
	t.Fatalf("no %v named %q in the trace", kind, name)
	return nil
}
