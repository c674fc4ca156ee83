// Package protocol holds the names the vizrun tracer (and the code vizrun run
// and vizrun test add to a program) write into execution traces, and that the
// parser recognises. Both sides import this package, which imports nothing:
// the tracer stays light, and a name cannot drift between writer and reader.
//
// The tracer annotates a program with ordinary runtime/trace logs and regions.
// Categories and region types starting with Prefix are the tracer's own and are
// not listed among the program's logs and regions.
package protocol

import "strings"

const (
	// Prefix marks every annotation the tracer emits.
	Prefix = "vizrun."

	// LogName, logged by a goroutine, names that goroutine: the message is
	// the name.
	LogName = "vizrun.name"

	// LogNameOf names another goroutine: the message is "<goid> <name>". The
	// tracer logs it for goroutines that were named before a trace or flight
	// recording window began.
	LogNameOf = "vizrun.name.of"

	// LogStart and LogStop mark where the vizrun tracer (or vizrun run's
	// wrapper) started and stopped the execution tracer. A trace with a
	// start mark and no stop mark was cut short: the program was killed,
	// or the file cut, possibly at a generation boundary, where the bytes
	// alone cannot tell.
	LogStart = "vizrun.start"
	LogStop  = "vizrun.stop"

	// LogLeaked reports the runtime's goroutine leak profile (Go 1.27, or
	// Go 1.26 built with GOEXPERIMENT=goroutineleakprofile), taken just
	// before tracing stops: the message is the space-separated ids of the
	// goroutines the runtime proved leaked (blocked on something no other
	// goroutine can reach). A log with an empty message says the check ran
	// and found none; no such log says the check did not run. Several logs
	// add up.
	LogLeaked = "vizrun.leaked"

	// LogLive marks a trace of a program that goes on running after the
	// trace ends: a live capture (tracehttp.Handler) or a flight-recorder
	// snapshot. Logged just before the recording is cut. Goroutines still
	// blocked at the end of such a trace are not leak candidates: the
	// program was not done. The message says which: LiveCapture (the
	// capture owns the execution tracer and stops it next, so the stop mark
	// follows) or LiveSnapshot (a snapshot of a flight recorder, whose
	// stream other recordings may share: a trace that carries such a mark
	// and then its own stop mark was not cut by it). An empty message reads
	// as LiveCapture.
	LogLive = "vizrun.live"

	// LogDeadlock is logged by vizrun run's deadlock watch (which stands in
	// for the runtime's detector, silent while the execution tracer runs)
	// just before it ends a program in which the runtime proved every
	// goroutine asleep for good, as Go would with status 2. The message is
	// empty; the trace's leaks say who waits on what.
	LogDeadlock = "vizrun.deadlock"

	// LogStuck is logged by the deadlock watch when every goroutine of the
	// program waits on a lock, WaitGroup or Cond only another of them
	// could release, though the runtime did not prove it (locks reachable
	// from a global): the program looks deadlocked, but a timer's function
	// could still release one, so the watch lets it run. The message is
	// the goroutines' ids, space-separated.
	LogStuck = "vizrun.stuck"

	LiveCapture  = "capture"
	LiveSnapshot = "snapshot"

	// RegionOwn is a region of the tracer's own work inside a recording
	// (writing a report while a flight recorder records): what the program
	// did not do. The findings leave it out.
	RegionOwn = "vizrun.own"

	// RegionWait prefixes a region a goroutine spends waiting on a named
	// resource: "vizrun.wait.<op>:<name>", where op is one of "mutex" (a
	// Mutex's Lock), "lock" and "rlock" (an RWMutex's), "send" and "recv"
	// (a channel's).
	RegionWait = "vizrun.wait."

	// LogRelease is logged by a goroutine that releases a named lock while
	// others wait for it; the message is "<op>:<name>". Uncontended locking
	// logs nothing: the holder of a lock matters only while others wait.
	LogRelease = "vizrun.release"

	// SystemName prefixes names of the tracer's own goroutines (its
	// wall-clock sampler, its capture writers); they count as system
	// goroutines.
	SystemName = "vizrun."
)

// EnvTraceOut names the file a program built by vizrun run writes its trace
// to. The tracer package reads it: a tracer.Start in such a program joins
// that recording instead of starting a second one.
const EnvTraceOut = "VIZRUN_TRACE_OUT"

// vizrun run builds programs with their func main renamed to RenamedMain in
// package main and a wrapper main in a file named WrapperFile; the model
// shows them as they are in the program's source.
const (
	RenamedMain = "vizrunUserMain"
	WrapperFile = "zz_vizrun_main.go"
)

// TracerPkg is the import path of the tracer package: its frames are the
// tracer's, not the program's, and are hidden from the stacks users see.
const TracerPkg = "github.com/vizrun/vizrun/tracer"

// TracerFunc reports whether fn (a frame's function, "pkg.Func") is the
// tracer's: in TracerPkg or one of the packages under it (tracer/report,
// tracer/wallclock, tracer/tracehttp, tracer/leaks, tracer/internal/...).
func TracerFunc(fn string) bool {
	rest, ok := strings.CutPrefix(fn, TracerPkg)
	return ok && (strings.HasPrefix(rest, ".") || strings.HasPrefix(rest, "/"))
}
