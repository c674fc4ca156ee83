// Package report writes vizrun's HTML report of a program's run: the
// three-line embed,
//
//	s, err := report.Start(report.Config{ReportFile: "report.html"})
//	if err != nil { log.Fatal(err) }
//	defer s.Stop()
//
// Run (Start, a function and Stop, also on a panic), and reports of a
// flight recorder's window (WriteFlight).
//
// The annotations (tracer.Go, tracer.Region, tracer.NewMutex...) are in
// package tracer, which imports only the standard library; this package
// adds the parser, the renderer (go-echarts), fgprof (for
// Config.WallClock, see tracer/wallclock) and runtime/pprof (for proven
// leaks, see tracer/leaks): a service that only annotates, or only keeps
// raw traces with tracer.Start, does not carry them.
package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/vizrun/vizrun/internal/outfile"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/internal/core"
	"github.com/vizrun/vizrun/tracer/internal/render"
	_ "github.com/vizrun/vizrun/tracer/leaks"
	"github.com/vizrun/vizrun/tracer/wallclock"
)

// Config says what a Session records and where it writes it. At least one
// of TraceFile and ReportFile must be set; Start checks every file, so
// that a bad path (no such directory, a directory) fails at Start, not at
// Stop.
type Config struct {
	// TraceFile is where the execution trace is kept, as
	// tracer.Config.TraceFile. Empty means the trace is not kept: it is
	// recorded in a temporary file and removed once the report is made.
	TraceFile string

	// ReportFile is where the HTML report is written when the session
	// stops. Empty means no report. Like TraceFile and ProfileFile, it is
	// written all at once when it is a regular file or a new path (mode
	// 0666 less the umask for a new file; an existing one keeps its mode),
	// and straight into anything else (a device, a FIFO), never replacing
	// it; a symbolic link is followed.
	ReportFile string

	// Title heads the report. Empty means "vizrun report of <program>".
	Title string

	// WallClock also records a wall-clock profile of every goroutine, on and
	// off CPU, with fgprof (see package tracer/wallclock), shown as a flame
	// graph in the report. False means no profile.
	WallClock bool

	// ProfileFile is where the wall-clock profile is written, in pprof
	// format, when the session stops. Empty means it is only shown in the
	// report. It requires WallClock.
	ProfileFile string

	// FallbackWindow is tracer.Config.FallbackWindow: how much history is
	// kept when the execution tracer is already in use at Start (go test
	// -trace). Zero means one minute; negative means Start fails with
	// tracer.ErrTracerBusy instead.
	FallbackWindow time.Duration
}

// Session is one recording, from Start to Stop.
type Session struct {
	cfg   Config
	title string
	self  *Session // set by Start: a zero Session or a copy is not its own

	inner *tracer.Session
	trace string // the file inner writes: TraceFile, or one in tmp
	tmp   string // a temporary directory to remove, or ""
	wall  *wallclock.Profile

	stopOnce sync.Once
	stopErr  error
}

func (c *Config) validate() error {
	if c.TraceFile == "" && c.ReportFile == "" {
		return errors.New("vizrun tracer: Config sets neither TraceFile nor ReportFile: nothing would be written")
	}
	if c.ProfileFile != "" && !c.WallClock {
		return errors.New("vizrun tracer: Config.ProfileFile needs Config.WallClock")
	}
	for _, f := range []string{c.TraceFile, c.ReportFile, c.ProfileFile} {
		if f == "" {
			continue
		}
		if err := core.CheckOutput(f); err != nil {
			return err
		}
	}
	return nil
}

// Start starts recording, as tracer.Start does (one session at a time,
// tracer.ErrActive otherwise; a flight recorder when the execution tracer
// is taken; joining vizrun run's recording under vizrun run, where no file
// is written: vizrun run writes the report).
func Start(cfg Config) (s *Session, err error) {
	defer core.Recover(&err)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s = &Session{cfg: cfg, title: cfg.Title, trace: cfg.TraceFile}
	s.self = s
	if s.title == "" {
		s.title = "vizrun report of " + filepath.Base(os.Args[0])
	}
	// The report is made from the trace file once it is in place: the
	// TraceFile itself when it is a regular file or a new path, else one
	// in a temporary directory, copied into TraceFile (a FIFO, a device)
	// afterwards.
	if k, _ := outfile.Inspect(cfg.TraceFile); cfg.TraceFile == "" || k == outfile.Stream {
		dir, err := os.MkdirTemp("", "vizrun-report-")
		if err != nil {
			return nil, fmt.Errorf("vizrun tracer: %w", err)
		}
		s.tmp, s.trace = dir, filepath.Join(dir, "trace")
	}
	s.inner, err = tracer.Start(tracer.Config{TraceFile: s.trace, FallbackWindow: cfg.FallbackWindow})
	if err != nil {
		s.cleanup()
		return nil, err
	}
	if cfg.WallClock && s.inner.Mode() != tracer.ModeJoined {
		s.wall = wallclock.Start()
	}
	return s, nil
}

// Mode says how the session records.
func (s *Session) Mode() tracer.Mode {
	if s == nil || s.inner == nil {
		return tracer.ModeTrace
	}
	return s.inner.Mode()
}

// Stop ends the recording and writes the trace, profile and report that the
// Config asked for, each all at once (a temporary file renamed into place),
// so none is ever left half-written. Stop may be called more than once:
// later calls do nothing and return the first call's error. Stop of a
// Session that Start did not return (a zero Session, a copy) returns
// tracer.ErrNotStarted and stops nothing; a nil *Session returns nil. When
// someone else stopped the execution tracer meanwhile, the files are
// written, the report says the trace ends early, and Stop returns
// tracer.ErrStoppedElsewhere.
func (s *Session) Stop() error {
	if s == nil {
		return nil
	}
	if s.self != s {
		return tracer.ErrNotStarted
	}
	s.stopOnce.Do(func() {
		defer core.Recover(&s.stopErr)
		s.stopErr = s.stop()
	})
	return s.stopErr
}

func (s *Session) stop() error {
	defer s.cleanup()
	var profile []byte
	var errs []error
	if s.wall != nil {
		p, err := s.wall.Stop()
		profile = p
		if err != nil {
			errs = append(errs, fmt.Errorf("vizrun tracer: %w", err))
		}
	}
	var warnings []string
	switch err := s.inner.Stop(); {
	case errors.Is(err, tracer.ErrStoppedElsewhere):
		errs = append(errs, err)
		warnings = append(warnings, "the program stopped the execution tracer itself (runtime/trace.Stop) before the session ended: the trace ends there")
	case err != nil:
		return errors.Join(append(errs, err)...)
	}
	if s.inner.Mode() == tracer.ModeJoined {
		return nil
	}
	if s.cfg.ProfileFile != "" && profile != nil {
		errs = append(errs, wrap(outfile.Write(context.Background(), s.cfg.ProfileFile, func(w io.Writer) error {
			_, err := w.Write(profile)
			return err
		})))
	}
	if s.cfg.ReportFile != "" {
		errs = append(errs, wrap(outfile.Write(context.Background(), s.cfg.ReportFile, func(w io.Writer) error {
			f, err := os.Open(s.trace)
			if err != nil {
				return err
			}
			defer f.Close()
			return render.Write(w, f, render.Options{
				Profile: profile, Title: s.title, Warnings: warnings,
				Flight: s.inner.Mode() == tracer.ModeFlight, Window: s.inner.Window(),
			})
		})))
	}
	if s.tmp != "" && s.cfg.TraceFile != "" {
		errs = append(errs, wrap(outfile.Write(context.Background(), s.cfg.TraceFile, func(w io.Writer) error {
			f, err := os.Open(s.trace)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, f)
			return err
		})))
	}
	return errors.Join(errs...)
}

func wrap(err error) error {
	if err != nil {
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	return nil
}

// cleanup removes the temporary directory, if any.
func (s *Session) cleanup() {
	if s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}

// Run starts a session, calls fn and stops the session, also when fn
// panics: the trace and report of what happened before the panic are
// written, then the panic goes on. It returns fn's error joined with Stop's.
func Run(cfg Config, fn func(ctx context.Context) error) (err error) {
	s, err := Start(cfg)
	if err != nil {
		return err
	}
	ctx := context.Background()
	panicked := true
	defer func() {
		if panicked {
			s.Stop() // the panic matters more than a Stop error
		}
	}()
	ferr := fn(ctx)
	panicked = false
	return errors.Join(ferr, s.Stop())
}

// WriteFlight writes the HTML report of a snapshot of fr's window to w,
// headed by fr's FlightConfig.Title. The report is made while fr goes on
// recording: that work is marked as the tracer's own in the trace
// (protocol.RegionOwn), and later snapshots leave it out of the findings.
// It returns tracer.ErrNotRecording when fr is not running.
func WriteFlight(w io.Writer, fr *tracer.FlightRecorder) (err error) {
	defer core.Recover(&err)
	f, err := os.CreateTemp("", "vizrun-flight-*.trace")
	if err != nil {
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := fr.WriteTo(f); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	return wrap(render.Write(w, f, render.Options{Title: fr.Config().Title}))
}
