package html

import (
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

func TestColumnFormat(t *testing.T) {
	for f, want := range map[float64]string{0: "0.00", 0.004: "<0.01", 0.42: "0.42", 1.666: "1.67"} {
		if got := small(f); got != want {
			t.Errorf("small(%v) = %q, want %q", f, got, want)
		}
	}
	for f, want := range map[float64]string{0: "0%", 0.001: "<1%", 0.5: "50%"} {
		if got := percent(f); got != want {
			t.Errorf("percent(%v) = %q, want %q", f, got, want)
		}
	}
}

func TestShellWord(t *testing.T) {
	for in, want := range map[string]string{
		"":                "TRACE",
		"-":               "TRACE",
		"big.trace":       "big.trace",
		"/tmp/a b.trace":  "'/tmp/a b.trace'",
		"it's.trace":      `'it'\''s.trace'`,
		"$(rm -rf).trace": "'$(rm -rf).trace'",
	} {
		if got := shellWord(in); got != want {
			t.Errorf("shellWord(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHiddenFrames: stacks shown to users hold neither the vizrun
// tracer's frames nor vizrun run's wrapper.
func TestHiddenFrames(t *testing.T) {
	tr := &parse.Trace{
		Frames: []parse.Frame{{},
			{Func: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 1},
			{Func: "github.com/vizrun/vizrun/tracer.(*Mutex).Lock", File: "/x/tracer/mutex.go", Line: 2},
			{Func: "main.work", File: "/app/main.go", Line: 3},
			{Func: "github.com/vizrun/vizrun/tracer.Go.func1", File: "/x/tracer/go.go", Line: 4},
			{Func: "main.main", File: "/tmp/b/zz_vizrun_main.go", Line: 5},
			{Func: "github.com/vizrun/vizrun/tracerx.Other", File: "/y/other.go", Line: 6},
		},
		Stacks: []parse.Stack{{}, {Frames: []parse.FrameID{1, 2, 3, 4, 5, 6}}, {Frames: []parse.FrameID{2, 4}}},
	}
	got := stackText(tr, 1)
	want := []string{"sync.(*Mutex).Lock  /go/src/sync/mutex.go:1", "main.work  /app/main.go:3", "github.com/vizrun/vizrun/tracerx.Other  /y/other.go:6"}
	if len(got) != len(want) {
		t.Fatalf("stack %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d: %q, want %q", i, got[i], want[i])
		}
	}
	st := newStackTable(tr)
	if ref := st.ref(2); ref != 0 {
		t.Errorf("a stack of tracer frames only is shown as %v", st.Stacks)
	}
	if ref := st.ref(1); ref != 1 || len(st.Stacks[0]) != 3 {
		t.Errorf("stack ref %d, %v", ref, st.Stacks)
	}
}
