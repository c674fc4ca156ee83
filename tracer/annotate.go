package tracer

import (
	"context"
	"runtime/trace"
	"unicode/utf8"

	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/tracer/internal/core"
)

// MaxName is the longest name, in bytes, the tracer passes on to the
// execution tracer; longer names (of goroutines, regions, tasks, locks,
// channels, log categories) are cut to it. The execution tracer keeps no
// more than 1 KiB of a string anyway, and a region, task or category name
// of 64 KiB or more makes the Go runtime (up to Go 1.26 at least) abort the
// program with "traceRegion: alloc too large".
const MaxName = 1 << 10

// clampName cuts s to MaxName bytes, on a UTF-8 boundary.
func clampName(s string) string { return clampTo(s, MaxName) }

// clampResource cuts the name of a lock or channel so that the region types
// and log messages that carry it ("vizrun.wait.rlock:<name>") stay within
// MaxName, and all name it alike.
func clampResource(s string) string {
	return clampTo(s, MaxName-len(protocol.RegionWait)-len("rlock:"))
}

func clampTo(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > max-utf8.UTFMax && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Go starts fn on a new goroutine named name. The name is what the report
// calls the goroutine, and goroutines sharing a name are grouped. When no
// trace is being recorded, Go costs what a go statement costs plus one
// check.
func Go(ctx context.Context, name string, fn func(ctx context.Context)) {
	if ctx == nil {
		ctx = context.Background()
	}
	go func() {
		if trace.IsEnabled() || core.Names.Active() {
			runNamed(ctx, name, fn)
			return
		}
		fn(ctx)
	}()
}

func runNamed(ctx context.Context, name string, fn func(ctx context.Context)) {
	name = clampName(name)
	if trace.IsEnabled() {
		trace.Log(ctx, protocol.LogName, name)
	}
	if core.Names.Active() {
		defer core.Names.Add(name)()
	}
	fn(ctx)
}

// Name names the calling goroutine, as Go does for the goroutines it starts:
// useful for goroutines started elsewhere (an HTTP handler, a worker pool).
func Name(ctx context.Context, name string) {
	if ctx == nil {
		ctx = context.Background()
	}
	if trace.IsEnabled() {
		trace.Log(ctx, protocol.LogName, clampName(name))
	}
}

// Region marks a stretch of work on the calling goroutine; end it on the
// same goroutine:
//
//	defer tracer.Region(ctx, "parse").End()
//
// It is runtime/trace.StartRegion: free when no trace is being recorded.
func Region(ctx context.Context, name string) *trace.Region {
	if ctx == nil {
		ctx = context.Background()
	}
	return trace.StartRegion(ctx, clampName(name))
}

// Task starts a logical operation that may span goroutines (a request, a
// job); regions and logs made with the returned context belong to it:
//
//	ctx, task := tracer.Task(ctx, "request")
//	defer task.End()
//
// It is runtime/trace.NewTask.
func Task(ctx context.Context, name string) (context.Context, *trace.Task) {
	if ctx == nil {
		ctx = context.Background()
	}
	return trace.NewTask(ctx, clampName(name))
}

// Log records a message in the trace, in the task of ctx if any. It is
// runtime/trace.Log.
func Log(ctx context.Context, category, message string) {
	if ctx == nil {
		ctx = context.Background()
	}
	trace.Log(ctx, clampName(category), message)
}
