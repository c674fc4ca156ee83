package tracer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/trace"
	"sync"
	"time"

	"github.com/vizrun/vizrun/internal/outfile"
	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/tracer/internal/core"
)

// Config says where a Session writes its trace. Start checks the fields.
type Config struct {
	// TraceFile is where the execution trace is written; it must be set.
	// The trace is written while the session runs, under a temporary name
	// in the same directory, and renamed when the session stops, so that
	// no half-written trace is ever left at TraceFile (mode 0666 less the
	// umask for a new file; an existing one keeps its mode). A TraceFile
	// that is not a regular file (a device, a FIFO, /dev/stdout) is
	// written into when the session stops, never replaced; a symbolic link
	// is followed. A directory is refused.
	TraceFile string

	// FallbackWindow is how much recent history is kept when the execution
	// tracer is already in use when Start is called (as in a test run with
	// go test -trace): Start then records with a flight recorder instead,
	// and the trace covers at least the last FallbackWindow before Stop.
	// Zero means one minute. A negative value disables the fallback: Start
	// then fails with ErrTracerBusy.
	FallbackWindow time.Duration
}

// Errors of Start and Stop.
var (
	// ErrActive: another session is running; Stop it first.
	ErrActive = errors.New("vizrun tracer: a session is already running (call Stop before starting another)")

	// ErrTracerBusy: the Go execution tracer is already in use (by go test
	// -trace, net/http/pprof, or runtime/trace.Start elsewhere) and the
	// flight-recorder fallback is disabled or also in use.
	ErrTracerBusy = errors.New("vizrun tracer: the Go execution tracer is already in use (go test -trace, net/http/pprof or runtime/trace.Start)")

	// ErrNotStarted: Stop was called on a Session that Start did not
	// return (a zero Session, or a copy of one). Stop then does nothing.
	ErrNotStarted = errors.New("vizrun tracer: Stop of a Session that Start did not return (a zero Session or a copy): nothing was stopped")

	// ErrStoppedElsewhere: someone else (the program's own
	// runtime/trace.Stop) stopped the execution tracer while the session
	// recorded. Stop still writes the trace, which ends where the tracer
	// was stopped.
	ErrStoppedElsewhere = errors.New("vizrun tracer: the execution tracer was stopped by someone else (runtime/trace.Stop) before Session.Stop: the trace ends there")
)

// Mode says how a session records.
type Mode int

const (
	ModeTrace  Mode = iota // runtime/trace.Start: everything from Start to Stop
	ModeFlight             // a flight recorder: the last Config.FallbackWindow before Stop
	ModeJoined             // under vizrun run, which records and reports the whole run
)

func (m Mode) String() string {
	switch m {
	case ModeFlight:
		return "flight recorder"
	case ModeJoined:
		return "joined vizrun run"
	}
	return "trace"
}

// Session is one recording, from Start to Stop. Only a *Session that Start
// returned can be stopped.
type Session struct {
	cfg  Config
	mode Mode
	self *Session // set by Start: a zero Session or a copy is not its own

	file   *os.File      // the trace being written
	out    *outfile.File // TraceFile being written, whose temporary file is file
	flight *trace.FlightRecorder

	stopOnce sync.Once
	stopErr  error
}

var (
	activeMu sync.Mutex
	active   *Session
)

func (c *Config) validate() error {
	if c.TraceFile == "" {
		return errors.New("vizrun tracer: Config.TraceFile is not set: nothing would be written (tracer/report writes reports)")
	}
	if err := core.CheckOutput(c.TraceFile); err != nil {
		return err
	}
	if c.FallbackWindow == 0 {
		c.FallbackWindow = time.Minute
	}
	return nil
}

// Start starts recording the execution trace into cfg.TraceFile. Only one
// session runs at a time: a second Start before Stop returns ErrActive.
// When the execution tracer is already in use (go test -trace), Start
// falls back to a flight recorder (see Config.FallbackWindow) and
// Session.Mode says so.
//
// A program run by vizrun run is traced from the start of main to its end,
// and vizrun run writes the report. Start then records nothing more: the
// session joins that recording (ModeJoined), and TraceFile is not written.
func Start(cfg Config) (s *Session, err error) {
	defer core.Recover(&err)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	activeMu.Lock()
	defer activeMu.Unlock()
	if active != nil {
		return nil, ErrActive
	}
	s = &Session{cfg: cfg}
	s.self = s
	if os.Getenv(protocol.EnvTraceOut) != "" && trace.IsEnabled() {
		s.mode = ModeJoined
		active = s
		return s, nil
	}
	// The trace goes to a temporary file next to TraceFile (put in place
	// at Stop), or in the temporary directory when TraceFile is a device
	// or FIFO (written into at Stop).
	if k, _ := outfile.Inspect(cfg.TraceFile); k != outfile.Stream {
		out, err := outfile.Create(context.Background(), cfg.TraceFile)
		if err != nil {
			return nil, fmt.Errorf("vizrun tracer: %w", err)
		}
		s.out, s.file = out, out.Temp()
	} else {
		f, err := os.CreateTemp("", "vizrun-*.trace")
		if err != nil {
			return nil, fmt.Errorf("vizrun tracer: %w", err)
		}
		s.file = f
	}
	if err := core.StartTrace(s.file); err != nil {
		if cfg.FallbackWindow < 0 {
			s.discard()
			return nil, fmt.Errorf("%w: %v", ErrTracerBusy, err)
		}
		fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: cfg.FallbackWindow, MaxBytes: fallbackBytes})
		if ferr := fr.Start(); ferr != nil {
			s.discard()
			return nil, fmt.Errorf("%w: %v; flight recorder: %v", ErrTracerBusy, err, ferr)
		}
		s.mode, s.flight = ModeFlight, fr
		core.Names.Start()
	}
	active = s
	return s, nil
}

// fallbackBytes bounds the fallback flight recorder's memory.
const fallbackBytes = 256 << 20

// Mode says how the session records.
func (s *Session) Mode() Mode { return s.mode }

// Window is how much history a ModeFlight session keeps
// (Config.FallbackWindow, defaults filled in).
func (s *Session) Window() time.Duration { return s.cfg.FallbackWindow }

// Stop ends the recording and puts the trace in place. Before the tracer
// stops, the runtime's goroutine leak profile is taken when the runtime
// has it (Go 1.27, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile)
// and the goroutines it proves leaked are logged in the trace, so that the
// report can call them proven leaks.
//
// Stop may be called more than once: later calls do nothing and return the
// first call's error. Stop of a Session that Start did not return (a zero
// Session, a copy) returns ErrNotStarted and stops nothing; a nil *Session
// returns nil. When someone else stopped the execution tracer meanwhile,
// Stop writes the trace and returns ErrStoppedElsewhere.
func (s *Session) Stop() error {
	if s == nil {
		return nil
	}
	if s.self != s {
		return ErrNotStarted
	}
	s.stopOnce.Do(func() {
		defer core.Recover(&s.stopErr)
		s.stopErr = s.stop()
	})
	return s.stopErr
}

func (s *Session) stop() error {
	activeMu.Lock()
	if active == s {
		active = nil
	}
	activeMu.Unlock()

	var errs []error
	switch s.mode {
	case ModeJoined:
		return nil
	case ModeTrace:
		if trace.IsEnabled() {
			core.LogLeaks()
			core.StopTrace()
		} else {
			errs = append(errs, ErrStoppedElsewhere)
		}
	case ModeFlight:
		core.LogLeaks()
		core.Names.Replay()
		_, err := s.flight.WriteTo(s.file)
		s.flight.Stop()
		core.Names.Stop()
		if err != nil {
			s.discard()
			return fmt.Errorf("vizrun tracer: %w", err)
		}
	}
	switch {
	case s.out != nil:
		if err := s.out.Commit(); err != nil {
			errs = append(errs, fmt.Errorf("vizrun tracer: %w", err))
		}
	default:
		err := outfile.Write(context.Background(), s.cfg.TraceFile, func(w io.Writer) error {
			if _, err := s.file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err := io.Copy(w, s.file)
			return err
		})
		s.discard()
		if err != nil {
			errs = append(errs, fmt.Errorf("vizrun tracer: %w", err))
		}
	}
	return errors.Join(errs...)
}

// discard closes and removes the session's trace file.
func (s *Session) discard() {
	if s.out != nil {
		s.out.Abort()
		return
	}
	s.file.Close()
	os.Remove(s.file.Name())
}
