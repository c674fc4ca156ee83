package report_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// TestRunPanic: the trace and report of what happened before a panic are
// written, then the panic goes on.
func TestRunPanic(t *testing.T) {
	dir := t.TempDir()
	cfg := report.Config{TraceFile: filepath.Join(dir, "t.trace"), ReportFile: filepath.Join(dir, "r.html")}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic to go on", p)
			}
		}()
		report.Run(cfg, func(ctx context.Context) error {
			done := make(chan struct{})
			tracer.Go(ctx, "before-the-panic", func(ctx context.Context) { time.Sleep(5 * time.Millisecond); close(done) })
			<-done
			panic("boom")
		})
	}()
	tr, err := parse.ReadFile(cfg.TraceFile, parse.Options{})
	if err != nil {
		t.Fatalf("trace after a panic: %v", err)
	}
	found := false
	for _, g := range tr.Goroutines {
		found = found || g.Name == "before-the-panic"
	}
	if !found {
		t.Error("the goroutine that ran before the panic is not in the trace")
	}
	if b, err := os.ReadFile(cfg.ReportFile); err != nil || !bytes.Contains(b, []byte("before-the-panic")) {
		t.Errorf("report after a panic: %v", err)
	}
	// Run's error is fn's.
	if err := report.Run(report.Config{ReportFile: filepath.Join(dir, "r2.html")}, func(context.Context) error { return io.ErrUnexpectedEOF }); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Run returned %v, want fn's error", err)
	}
}

func TestWallClock(t *testing.T) {
	dir := t.TempDir()
	cfg := report.Config{ReportFile: filepath.Join(dir, "r.html"), WallClock: true, ProfileFile: filepath.Join(dir, "wall.pprof")}
	err := report.Run(cfg, func(ctx context.Context) error {
		done := make(chan struct{})
		tracer.Go(ctx, "sleeper", func(ctx context.Context) { sleepyFunction(); close(done) })
		<-done
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(cfg.ProfileFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	// Off-CPU time shows: the sleeping function is in the profile.
	var sleeping int64
	for _, s := range p.Sample {
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				if l.Function != nil && strings.HasSuffix(l.Function.Name, "sleepyFunction") {
					sleeping += s.Value[len(s.Value)-1]
				}
			}
		}
	}
	if time.Duration(sleeping) < 100*time.Millisecond {
		t.Errorf("sleepyFunction has %v of wall-clock time, want about 300ms", time.Duration(sleeping))
	}
	b, _ := os.ReadFile(cfg.ReportFile)
	if !bytes.Contains(b, []byte(`id="vz-flame"`)) || !bytes.Contains(b, []byte("sleepyFunction")) {
		t.Error("the report has no flame graph with sleepyFunction")
	}
}

func sleepyFunction() { time.Sleep(300 * time.Millisecond) }
