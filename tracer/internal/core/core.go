// Package core is what the light tracer package and its heavier siblings
// (tracer/tracehttp, tracer/report) share: the name registry, the start and
// stop marks, the goroutine leak check and the running flight recorder. It
// imports only the standard library and internal/protocol, so that the
// tracer package stays as light.
package core

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/trace"
	"sync/atomic"

	"github.com/vizrun/vizrun/internal/outfile"
	"github.com/vizrun/vizrun/internal/protocol"
)

// StartTrace starts the execution tracer into w and marks the start;
// StopTrace marks the end and stops it. A trace with a start mark and no
// end mark was cut short (the program was killed, or someone else stopped
// the tracer), which its bytes alone cannot always tell.
func StartTrace(w io.Writer) error {
	if err := trace.Start(w); err != nil {
		return err
	}
	trace.Log(context.Background(), protocol.LogStart, "")
	return nil
}

// StopTrace marks the end of the trace and stops the execution tracer.
func StopTrace() {
	trace.Log(context.Background(), protocol.LogStop, "")
	trace.Stop()
}

// LogLive marks the trace as one of a program that goes on after it ends
// (a live capture, a flight-recorder snapshot). Call it just before the
// recording is cut.
func LogLive(kind string) {
	if trace.IsEnabled() {
		trace.Log(context.Background(), protocol.LogLive, kind)
	}
}

// ProvenLeaks, when set, returns the ids of the goroutines the runtime
// proves leaked, and false when the runtime has no goroutine leak profile.
// Package tracer/leaks sets it: the profile needs runtime/pprof, which
// the light tracer package does not import itself.
var ProvenLeaks func() (ids []string, ok bool)

// LogLeaks logs the ids of the goroutines the runtime proves leaked
// (protocol.LogLeaked), when ProvenLeaks is set and the runtime has the
// goroutine leak profile (Go 1.27, or Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile); otherwise it logs nothing. The
// garbage collection that proves them is the tracer's work, not the
// program's: it runs inside a protocol.RegionOwn region. It reports
// whether the check ran.
func LogLeaks() bool {
	if ProvenLeaks == nil || !trace.IsEnabled() {
		return false
	}
	ctx := context.Background()
	defer trace.StartRegion(ctx, protocol.RegionOwn).End()
	ids, ok := ProvenLeaks()
	if !ok {
		return false
	}
	msg := ""
	for i, id := range ids {
		if i > 0 {
			msg += " "
		}
		msg += id
	}
	trace.Log(ctx, protocol.LogLeaked, msg)
	return true
}

// Flight is the running flight recorder, for tracehttp's flight endpoint.
type Flight struct {
	// WriteTo writes a snapshot of its window.
	WriteTo func(w io.Writer) (int64, error)
	// Title heads reports of its snapshots.
	Title string
}

// CurrentFlight is the running flight recorder, or nil.
var CurrentFlight atomic.Pointer[Flight]

// Recover turns a panic into an error: the tracer must never bring its
// host down. Use it deferred.
func Recover(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("vizrun tracer: internal error: %v", p)
	}
}

// CheckOutput reports whether a file can be written at path: its
// directory exists and path is no directory. Start checks every output
// file with it, so that a bad path fails at Start, not at Stop.
func CheckOutput(path string) error {
	if st, err := os.Stat(filepath.Dir(path)); err != nil || !st.IsDir() {
		return fmt.Errorf("vizrun tracer: cannot write %s: no such directory", path)
	}
	if _, err := outfile.Inspect(path); err != nil {
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	return nil
}
