package tracer_test

import (
	"errors"
	"io"
	"path/filepath"
	rtrace "runtime/trace"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
)

// TestZeroSessionStop: Stop of a zero Session is refused and stops
// nothing: neither a running session nor the program's own trace.
func TestZeroSessionStop(t *testing.T) {
	var zero tracer.Session
	if err := zero.Stop(); !errors.Is(err, tracer.ErrNotStarted) {
		t.Errorf("zero Session Stop: %v, want ErrNotStarted", err)
	}
	if err := rtrace.Start(io.Discard); err != nil {
		t.Skip("the execution tracer is in use already:", err)
	}
	if err := zero.Stop(); !errors.Is(err, tracer.ErrNotStarted) || !rtrace.IsEnabled() {
		t.Errorf("zero Session Stop under the program's own trace: %v, tracer still on %v", err, rtrace.IsEnabled())
	}
	rtrace.Stop()

	path := filepath.Join(t.TempDir(), "t.trace")
	s, err := tracer.Start(tracer.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := zero.Stop(); !errors.Is(err, tracer.ErrNotStarted) || !rtrace.IsEnabled() {
		t.Errorf("zero Session Stop beside a session: %v, tracer still on %v", err, rtrace.IsEnabled())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := parse.ReadFile(path, parse.Options{}); err != nil {
		t.Errorf("the running session's trace: %v", err)
	}

	// A stopped session stopped again does not touch the next one.
	s2, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(t.TempDir(), "t2.trace")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil || !rtrace.IsEnabled() {
		t.Errorf("the old session's Stop: %v, tracer still on %v", err, rtrace.IsEnabled())
	}
	if _, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(t.TempDir(), "t3.trace")}); !errors.Is(err, tracer.ErrActive) {
		t.Errorf("Start beside the second session: %v, want ErrActive", err)
	}
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestHostStopsTracer: the program stops the execution tracer under a
// session: Stop says so, writes the trace it has, and stops nothing else.
func TestHostStopsTracer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.trace")
	s, err := tracer.Start(tracer.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode() != tracer.ModeTrace {
		s.Stop()
		t.Skip("the execution tracer is in use already: the session records with a flight recorder")
	}
	rtrace.Stop() // the host's
	if err := s.Stop(); !errors.Is(err, tracer.ErrStoppedElsewhere) {
		t.Errorf("Stop after the host stopped the tracer: %v, want ErrStoppedElsewhere", err)
	}
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatalf("the trace up to the host's Stop: %v", err)
	}
	if len(tr.Warnings) == 0 {
		t.Error("the model does not say the trace was cut short")
	}
	// The tracer is free again.
	if err := rtrace.Start(io.Discard); err != nil {
		t.Errorf("the tracer after Stop: %v", err)
	} else {
		rtrace.Stop()
	}
}
