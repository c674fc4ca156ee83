package tracer

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

// FlightConfig configures a FlightRecorder. Its zero value is valid.
type FlightConfig struct {
	// MinAge is how much recent history a snapshot holds at least. Zero
	// means 10 seconds.
	MinAge time.Duration

	// MaxBytes bounds the memory the recorder keeps; it wins over MinAge.
	// Zero means 64 MiB.
	MaxBytes uint64

	// Title heads reports of snapshots. Empty means "vizrun flight
	// recording".
	Title string
}

// FlightRecorder keeps the last seconds of execution trace in memory, so
// that when something goes wrong (a slow request, a stuck job) the moments
// before it can be written out and looked at. It is runtime/trace's flight
// recorder, plus reports and goroutine names that survive the window.
//
// Only one flight recorder runs at a time in a process; one may run beside a
// Session or go test -trace.
type FlightRecorder struct {
	cfg FlightConfig
	fr  *trace.FlightRecorder

	mu      sync.Mutex // serialises snapshots
	started bool
	stopped bool
}

// current is the running flight recorder, for Handler's flight endpoint.
var current atomic.Pointer[FlightRecorder]

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
	defer recoverTo(&err)
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
	names.start()
	current.Store(f)
	return nil
}

// Stop ends recording. Stop twice is fine.
func (f *FlightRecorder) Stop() (err error) {
	defer recoverTo(&err)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started || f.stopped {
		return nil
	}
	f.stopped = true
	current.CompareAndSwap(f, nil)
	names.stop()
	f.fr.Stop()
	return nil
}

// Enabled reports whether the recorder is running.
func (f *FlightRecorder) Enabled() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.started && !f.stopped
}

// WriteTrace writes a snapshot of the window as an execution trace.
func (f *FlightRecorder) WriteTrace(w io.Writer) (err error) {
	defer recoverTo(&err)
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started || f.stopped {
		return ErrNotRecording
	}
	names.replay()
	_, err = f.fr.WriteTo(w)
	return err
}

// WriteReport writes the HTML report of a snapshot of the window.
func (f *FlightRecorder) WriteReport(w io.Writer) error {
	var buf bytes.Buffer
	if err := f.WriteTrace(&buf); err != nil {
		return err
	}
	return writeReport(w, &buf, nil, f.cfg.Title, false, 0)
}
