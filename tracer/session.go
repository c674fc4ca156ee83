package tracer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/trace"
	"sync"
	"time"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/outfile"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/internal/summary"
)

// Config says what a Session records and where it writes it. At least one of
// TraceFile and ReportFile must be set; Start checks the fields.
type Config struct {
	// TraceFile is where the execution trace is kept. It is written while
	// the session runs, under a temporary name in the same directory, and
	// renamed when the session stops. Empty means the trace is not kept: it
	// is recorded in a temporary file and removed once the report is made.
	// A TraceFile that is not a regular file (a device, a FIFO,
	// /dev/stdout) is written into when the session stops, never replaced.
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
	// off CPU, with fgprof, shown as a flame graph in the report. False
	// means no profile. Its sampling rate is lowered when many goroutines are
	// alive, see WallClockRate.
	WallClock bool

	// ProfileFile is where the wall-clock profile is written, in pprof
	// format, when the session stops. Empty means it is only shown in the
	// report. It requires WallClock.
	ProfileFile string

	// FallbackWindow is how much recent history is kept when the execution
	// tracer is already in use when Start is called (as in a test run with
	// go test -trace): Start then records with a flight recorder instead,
	// and the trace and report cover at least the last FallbackWindow before
	// Stop. Zero means one minute. A negative value disables the fallback:
	// Start then fails with ErrTracerBusy.
	FallbackWindow time.Duration
}

// Errors of Start.
var (
	// ErrActive: another session is running; Stop it first.
	ErrActive = errors.New("vizrun tracer: a session is already running (call Stop before starting another)")

	// ErrTracerBusy: the Go execution tracer is already in use (by go test
	// -trace, net/http/pprof, or runtime/trace.Start elsewhere) and the
	// flight-recorder fallback is disabled or also in use.
	ErrTracerBusy = errors.New("vizrun tracer: the Go execution tracer is already in use (go test -trace, net/http/pprof or runtime/trace.Start)")
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

// Session is one recording, from Start to Stop.
type Session struct {
	cfg   Config
	mode  Mode
	title string

	file   *os.File      // the trace being written
	out    *outfile.File // TraceFile being written, whose temporary file is file
	flight *trace.FlightRecorder
	wall   *wallClock

	stopOnce sync.Once
	stopErr  error
}

var (
	activeMu sync.Mutex
	active   *Session
)

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
		if st, err := os.Stat(filepath.Dir(f)); err != nil || !st.IsDir() {
			return fmt.Errorf("vizrun tracer: cannot write %s: no such directory", f)
		}
		if _, err := outfile.Inspect(f); err != nil {
			return fmt.Errorf("vizrun tracer: %w", err)
		}
	}
	if c.FallbackWindow == 0 {
		c.FallbackWindow = time.Minute
	}
	return nil
}

// Start starts recording. Only one session runs at a time: a second Start
// before Stop returns ErrActive. When the execution tracer is already in use
// (go test -trace), Start falls back to a flight recorder (see
// Config.FallbackWindow) and Session.Mode says so.
//
// A program run by vizrun run is traced from the start of main to its end,
// and vizrun run writes the report. Start then records nothing more: the
// session joins that recording (ModeJoined), and the Config's files are not
// written.
func Start(cfg Config) (s *Session, err error) {
	defer recoverTo(&err)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	activeMu.Lock()
	defer activeMu.Unlock()
	if active != nil {
		return nil, ErrActive
	}
	s = &Session{cfg: cfg, title: cfg.Title}
	if os.Getenv(protocol.EnvTraceOut) != "" && trace.IsEnabled() {
		s.mode = ModeJoined
		active = s
		return s, nil
	}
	if s.title == "" {
		s.title = "vizrun report of " + filepath.Base(os.Args[0])
	}
	// The trace goes to a temporary file next to TraceFile (put in place
	// at Stop), or in the temporary directory when it is not kept or
	// TraceFile is a device or FIFO (written into at Stop).
	inPlace := false
	if cfg.TraceFile != "" {
		k, _ := outfile.Inspect(cfg.TraceFile)
		inPlace = k != outfile.Stream
	}
	if inPlace {
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
	f := s.file
	if err := startTrace(f); err != nil {
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
		names.start()
	}
	if cfg.WallClock {
		s.wall = startWallClock()
	}
	active = s
	return s, nil
}

// fallbackBytes bounds the fallback flight recorder's memory.
const fallbackBytes = 256 << 20

// Mode says how the session records.
func (s *Session) Mode() Mode { return s.mode }

// Stop ends the recording and writes the trace, profile and report that the
// Config asked for, each all at once (a temporary file renamed into place),
// so none is ever left half-written. Stop may be called more than once: later
// calls do nothing and return the first call's error.
func (s *Session) Stop() error {
	if s == nil {
		return nil
	}
	s.stopOnce.Do(func() {
		defer recoverTo(&s.stopErr)
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

	if s.mode == ModeJoined {
		return nil
	}
	var profile []byte
	var errs []error
	if s.wall != nil {
		p, err := s.wall.stop()
		profile = p
		errs = append(errs, err)
	}
	switch s.mode {
	case ModeTrace:
		stopTrace()
	case ModeFlight:
		names.replay()
		_, err := s.flight.WriteTo(s.file)
		s.flight.Stop()
		names.stop()
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		s.discard()
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	if s.cfg.ProfileFile != "" && profile != nil {
		errs = append(errs, writeFileAtomic(s.cfg.ProfileFile, func(w io.Writer) error { _, err := w.Write(profile); return err }))
	}
	if s.cfg.ReportFile != "" {
		errs = append(errs, writeFileAtomic(s.cfg.ReportFile, func(w io.Writer) error {
			if _, err := s.file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			return writeReport(w, s.file, profile, s.title, s.mode == ModeFlight, s.cfg.FallbackWindow)
		}))
	}
	switch {
	case s.out != nil:
		errs = append(errs, s.out.Commit())
	case s.cfg.TraceFile != "":
		errs = append(errs, writeFileAtomic(s.cfg.TraceFile, func(w io.Writer) error {
			if _, err := s.file.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err := io.Copy(w, s.file)
			return err
		}))
		s.discard()
	default:
		s.discard()
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("vizrun tracer: %w", err)
	}
	return nil
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

// writeReport parses a trace and renders it.
func writeReport(w io.Writer, r io.Reader, profile []byte, title string, flight bool, window time.Duration) error {
	return writeReportWith(w, r, reportOptions{profile: profile, title: title, flight: flight, window: window})
}

// reportOptions are writeReport's, and the model's bound.
type reportOptions struct {
	profile  []byte
	title    string
	flight   bool          // the trace comes from the fallback flight recorder...
	window   time.Duration // ...which kept about window
	maxSpans int           // parse.Options.MaxSpans
}

func writeReportWith(w io.Writer, r io.Reader, o reportOptions) (err error) {
	defer recoverTo(&err)
	profile, title, flight, window := o.profile, o.title, o.flight, o.window
	t, err := parse.Read(r, parse.Options{MaxSpans: o.maxSpans})
	if err != nil {
		return fmt.Errorf("reading the trace: %w", err)
	}
	if flight {
		t.Warnings = append(t.Warnings, fmt.Sprintf("the execution tracer was in use elsewhere (go test -trace?), so this report comes from a flight recorder and covers about the last %v before Stop", window))
	}
	opt := html.Options{Title: title}
	if profile != nil {
		if p, err := parseProfile(profile); err == nil {
			opt.WallClock = p
		} else {
			t.Warnings = append(t.Warnings, "the wall-clock profile could not be read: "+err.Error())
		}
	}
	return html.Render(w, t, summary.Build(t, ""), opt)
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

// recoverTo turns a panic inside the tracer into an error: the tracer must
// never bring its host down.
func recoverTo(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("vizrun tracer: internal error: %v", p)
	}
}

// writeFileAtomic writes path through fn as internal/outfile does: via a
// temporary file in the same directory, put in place only when everything
// succeeded, for a regular file or a new path; straight into a device or
// FIFO, which is never replaced.
func writeFileAtomic(path string, fn func(w io.Writer) error) error {
	return outfile.Write(context.Background(), path, fn)
}
