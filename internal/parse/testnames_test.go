package parse

import "testing"

// TestTestNames: goroutines of the testing package are named by the test
// function the harness called, found in their own stacks (innermost first)
// or in the creation stacks of the goroutines they started; others keep
// their start function, and a test goroutine seen with no stack stays
// testing.tRunner.
func TestTestNames(t *testing.T) {
	fn := []string{"", "runtime.gopark", "time.Sleep", "example.com/p.TestFoo", "testing.tRunner", "runtime.goexit",
		"example.com/p_test.TestBar.func1", "reflect.Value.call", "testing.(*F).Fuzz.func1", "example.com/p.FuzzX.func1",
		"testing.(*T).Run", "example.com/p.TestParent", "testing.(*B).runN", "example.com/p.BenchmarkY", "testing.(*B).launch"}
	tr := &Trace{}
	for _, f := range fn {
		tr.Frames = append(tr.Frames, Frame{Func: f})
	}
	tr.Stacks = []Stack{
		{},
		{Frames: []FrameID{1, 2, 3, 4, 5}}, // TestFoo sleeping
		{Frames: []FrameID{1, 6, 4, 5}},    // a subtest literal of TestBar
		{Frames: []FrameID{9, 7, 8, 4, 5}}, // a fuzz target, called through reflect
		{Frames: []FrameID{10, 11, 4, 5}},  // TestParent starting a subtest
		{Frames: []FrameID{13, 12, 14, 5}}, // a benchmark
		{Frames: []FrameID{1, 10, 4, 5}},   // only the harness
	}
	gs := []*Goroutine{
		{ID: 1, StartFunc: "testing.tRunner", EndStack: 1},
		{ID: 2, StartFunc: "testing.tRunner", Spans: []Span{{Stack: 0}, {Stack: 6}, {Stack: 2}}},
		{ID: 3, StartFunc: "testing.tRunner", Spans: []Span{{Stack: 3}}},
		{ID: 4, StartFunc: "testing.tRunner"},
		{ID: 5, StartFunc: "testing.tRunner", Parent: 4, CreateStack: 4, EndStack: 1},
		{ID: 6, StartFunc: "testing.tRunner"},
		{ID: 7, StartFunc: "testing.(*B).launch", EndStack: 5},
		{ID: 8, StartFunc: "main.worker", EndStack: 1},
	}
	tr.Goroutines = gs
	want := []string{"TestFoo", "TestBar.func1", "FuzzX.func1", "TestParent", "TestFoo", "testing.tRunner", "BenchmarkY", "main.worker"}
	n := newTestNamer(tr)
	for i, g := range gs {
		if got := n.name(g); got != want[i] {
			t.Errorf("goroutine %d: named %q, want %q", g.ID, got, want[i])
		}
	}
}
