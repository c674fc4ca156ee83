package report_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	rtrace "runtime/trace"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// TestWriteFlightOwn: a report written while the flight recorder records
// is the tracer's own work in the recording (a vizrun.own region), which
// the parser keeps apart from the program's regions.
func TestWriteFlightOwn(t *testing.T) {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: 5 * time.Second})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	defer fr.Stop()
	var page bytes.Buffer
	if err := report.WriteFlight(&page, fr); err != nil || !bytes.Contains(page.Bytes(), []byte("</html>")) {
		t.Fatalf("WriteFlight: %v", err)
	}
	var buf bytes.Buffer
	if _, err := fr.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tr, err := parse.Read(&buf, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Own) == 0 {
		t.Error("the report written inside the window is not marked as the tracer's own work")
	}
	for _, r := range tr.Regions {
		if r.Type == "vizrun.own" {
			t.Error("the tracer's own region is listed among the program's")
		}
	}
	if err := fr.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteFlight(io.Discard, fr); err == nil {
		t.Error("WriteFlight of a stopped recorder succeeded")
	}
}

// TestWallClockSamplerIsSystem: the wall-clock sampler's goroutine is the
// tracer's, a system goroutine in the model.
func TestWallClockSamplerIsSystem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.trace")
	err := report.Run(report.Config{TraceFile: path, WallClock: true}, func(ctx context.Context) error {
		time.Sleep(50 * time.Millisecond)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, g := range tr.Goroutines {
		if g.Name == "vizrun.wallclock" {
			found = true
			if !g.System {
				t.Error("the wall-clock sampler is not a system goroutine")
			}
		}
	}
	if !found {
		t.Error("no goroutine named vizrun.wallclock in the trace")
	}
}

// TestReportHostStops: the program stops the execution tracer under a
// report session: the report is still written, says the trace ends there,
// and Stop returns tracer.ErrStoppedElsewhere.
func TestReportHostStops(t *testing.T) {
	dir := t.TempDir()
	cfg := report.Config{ReportFile: filepath.Join(dir, "r.html"), TraceFile: filepath.Join(dir, "t.trace")}
	s, err := report.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode() != tracer.ModeTrace {
		s.Stop()
		t.Skip("the execution tracer is in use already")
	}
	rtrace.Stop() // the host's
	if err := s.Stop(); !errors.Is(err, tracer.ErrStoppedElsewhere) {
		t.Errorf("Stop: %v, want ErrStoppedElsewhere", err)
	}
	b, err := os.ReadFile(cfg.ReportFile)
	if err != nil || !bytes.Contains(b, []byte("stopped the execution tracer")) {
		t.Errorf("the report (%v) does not say the program stopped the tracer", err)
	}
	if _, err := parse.ReadFile(cfg.TraceFile, parse.Options{}); err != nil {
		t.Errorf("the trace: %v", err)
	}
}

// TestStartChecksOutputs: every output file is checked at Start, so that a
// bad path fails there and not at Stop, with nothing started.
func TestStartChecksOutputs(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok")
	before := rtrace.IsEnabled() // under go test -trace: on throughout
	for _, cfg := range []report.Config{
		{},
		{ReportFile: dir},
		{ReportFile: ok + ".html", TraceFile: dir},
		{ReportFile: ok + ".html", WallClock: true, ProfileFile: dir},
		{ReportFile: filepath.Join(dir, "no", "such", "r.html")},
		{ReportFile: ok + ".html", ProfileFile: ok + ".pprof"}, // without WallClock
	} {
		if s, err := report.Start(cfg); err == nil {
			s.Stop()
			t.Errorf("Start(%+v) succeeded", cfg)
		}
		if rtrace.IsEnabled() != before {
			t.Fatalf("Start(%+v) failed but left the tracer on", cfg)
		}
	}
}
