package main

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/tracetest"
)

func TestMemory(t *testing.T) {
	var g, th cost
	tr := tracetest.Record(t, func() {
		ctx := context.Background()
		g = measureGoroutines(ctx)
		th = measureThreads(ctx)
	})
	t.Logf("goroutines: %v", g)
	t.Logf("threads:    %v", th)
	// A parked goroutine costs a few KiB of stack (2 KiB at the start,
	// more under the race detector or once it has grown).
	if g.Stack < 1<<10 || g.Stack > 16<<10 {
		t.Errorf("a goroutine costs %.0f bytes of stack, want a few KiB", g.Stack)
	}
	// A goroutine locked to a thread costs that goroutine plus a thread:
	// the thread's own stacks (g0 and signal handling) come on top.
	if th.Stack <= g.Stack {
		t.Errorf("a locked thread costs %.0f bytes of stack, a goroutine %.0f: want the thread to cost more", th.Stack, g.Stack)
	}
	// Each blocked locked goroutine kept its thread: many new threads.
	// Plain goroutines need none.
	if th.Threads < threads/2 {
		t.Errorf("%d OS threads added for %d locked goroutines, want about one each", th.Threads, threads)
	}
	if runtime.GOOS == "linux" && g.Threads > 10 {
		t.Errorf("%d OS threads added for %d goroutines, want (almost) none", g.Threads, goroutines)
	}
	// All the goroutines were alive at once, and each cost made it into
	// the trace's logs.
	if tr.MaxAlive < goroutines {
		t.Errorf("at most %d goroutines alive at once, want %d", tr.MaxAlive, goroutines)
	}
	if n := len(tracetest.Named(tr, "parked")); n != goroutines {
		t.Errorf("%d goroutines named parked, want %d", n, goroutines)
	}
	var logs []string
	for _, l := range tr.Logs {
		if l.Category == "memory" {
			logs = append(logs, l.Message)
		}
	}
	if len(logs) != 2 || !strings.HasPrefix(logs[0], "goroutines: ") || !strings.HasPrefix(logs[1], "threads: ") {
		t.Errorf("memory logs %q, want the goroutines' and the threads' costs", logs)
	}
	t.Logf("at most %d goroutines alive at once", tr.MaxAlive)
}
