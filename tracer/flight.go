package tracer

import (
	"errors"
	"fmt"
	"io"
	"runtime/trace"
	"sync"
	"time"

	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/tracer/internal/core"
)

// FlightConfig configures a FlightRecorder. Its zero value is valid.
type FlightConfig struct {
	// MinAge is how much recent history a snapshot holds at least. Zero
	// means 10 seconds.
	MinAge time.Duration

	// MaxBytes bounds the memory the recorder keeps; it wins over MinAge.
	// Zero means 64 MiB.
	MaxBytes uint64

	// Title heads reports of snapshots (tracer/report.WriteFlight, the
	// flight page of tracer/tracehttp). Empty means "vizrun flight
	// recording".
	Title string
}

// FlightRecorder keeps the last seconds of execution trace in memory, so
// that when something goes wrong (a slow request, a stuck job) the moments
// before it can be written out and looked at. It is runtime/trace's flight
// recorder, plus goroutine names that survive the window; tracer/report
// writes reports of its snapshots, and tracer/tracehttp serves them.
//
// Only one flight recorder runs at a time in a process; one may run beside a
// Session or go test -trace.
type FlightRecorder struct {
	cfg FlightConfig
	fr  *trace.FlightRecorder

	ref *core.Flight // what tracehttp sees while it runs

	mu      sync.Mutex // serialises snapshots
	started bool
	stopped bool
}

// ErrNotRecording is returned by snapshots of a recorder that is not running.
var ErrNotRecording = errors.New("vizrun tracer: the flight recorder is not running")

// NewFlightRecorder returns a flight recorder; call Start to begin.
func NewFlightRecorder(cfg FlightConfig) *FlightRecorder {
	if cfg.MinAge <= 0 {
		cfg.MinAge = 10 * time.Second
	}
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = 64 << 20
	}
	if cfg.Title == "" {
		cfg.Title = "vizrun flight recording"
	}
	return &FlightRecorder{cfg: cfg}
}

// Start begins recording. It fails when another flight recorder runs, or
// when this one was started before.
func (f *FlightRecorder) Start() (err error) {
	defer core.Recover(&err)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started {
		return errors.New("vizrun tracer: this flight recorder was already started")
	}
	f.fr = trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: f.cfg.MinAge, MaxBytes: f.cfg.MaxBytes})
	if err := f.fr.Start(); err != nil {
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	f.started = true
	core.Names.Start()
	f.ref = &core.Flight{WriteTo: f.WriteTo, Title: f.cfg.Title}
	core.CurrentFlight.Store(f.ref)
	return nil
}

// Stop ends recording. Stop twice is fine.
func (f *FlightRecorder) Stop() (err error) {
	defer core.Recover(&err)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started || f.stopped {
		return nil
	}
	f.stopped = true
	core.CurrentFlight.CompareAndSwap(f.ref, nil)
	core.Names.Stop()
	f.fr.Stop()
	return nil
}

// Enabled reports whether the recorder is running.
func (f *FlightRecorder) Enabled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started && !f.stopped
}

// Config returns the recorder's configuration, defaults filled in.
func (f *FlightRecorder) Config() FlightConfig { return f.cfg }

// WriteTo writes a snapshot of the window to w as an execution trace and
// returns the number of bytes written, like runtime/trace's
// FlightRecorder.WriteTo (FlightRecorder is an io.WriterTo). The snapshot
// is marked as one of a program that goes on running (protocol.LogLive):
// goroutines still blocked at its end are not leak candidates. It returns
// ErrNotRecording when the recorder is not running; only one snapshot is
// written at a time.
func (f *FlightRecorder) WriteTo(w io.Writer) (n int64, err error) {
	defer core.Recover(&err)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started || f.stopped {
		return 0, ErrNotRecording
	}
	core.Names.Replay()
	core.LogLive(protocol.LiveSnapshot)
	n, err = f.fr.WriteTo(w)
	if err != nil {
		err = fmt.Errorf("vizrun tracer: %w", err)
	}
	return n, err
}

var _ io.WriterTo = (*FlightRecorder)(nil)
