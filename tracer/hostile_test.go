package tracer_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	xtrace "golang.org/x/exp/trace"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/tracer"
)

// TestHugeAndInvalidNames: names of 100 KiB, which the Go runtime aborts
// the program on when they reach its string table unchecked, and names
// that are not UTF-8 are taken in stride: the program goes on, and the
// trace holds the names cut to MaxName, as valid text.
func TestHugeAndInvalidNames(t *testing.T) {
	huge := strings.Repeat("é", 50<<10) // 100 KiB, two-byte runes: a cut must not split one
	bad := "bad\xff\xfename"
	tr := record(t, tracer.Config{}, func(ctx context.Context) {
		done := make(chan struct{})
		tracer.Go(ctx, huge, func(ctx context.Context) {
			defer close(done)
			ctx, task := tracer.Task(ctx, huge)
			defer task.End()
			defer tracer.Region(ctx, huge).End()
			tracer.Log(ctx, huge, huge)
			mu := tracer.NewMutex(huge)
			mu.Lock()
			go func() { time.Sleep(5 * time.Millisecond); mu.Unlock() }()
			mu.Lock() // waits: a region named after the mutex
			mu.Unlock()
			ch := make(chan int)
			go func() { time.Sleep(5 * time.Millisecond); <-ch }()
			tracer.Send(ctx, huge, ch, 1)
		})
		<-done
		done = make(chan struct{})
		tracer.Go(ctx, bad, func(ctx context.Context) {
			defer close(done)
			defer tracer.Region(ctx, bad).End()
		})
		<-done
	})
	cut := huge[:tracer.MaxName] // two-byte runes: 1024 is a boundary
	if g := tracer.MaxName; !utf8.ValidString(cut) {
		t.Fatalf("the first %d bytes of the test name are not valid UTF-8", g)
	}
	var named, invalid int
	for _, g := range tr.Goroutines {
		switch g.Name {
		case cut:
			named++
		case strings.ToValidUTF8(bad, "\uFFFD"):
			invalid++
		}
	}
	if named != 1 || invalid != 1 {
		t.Errorf("goroutines named with the cut name: %d, with the invalid one made valid: %d; want 1 and 1", named, invalid)
	}
	has := func(kind string, types []parse.TypeStats) {
		for _, s := range types {
			if s.Type == cut {
				return
			}
		}
		t.Errorf("no %s named with the cut name among %d", kind, len(types))
	}
	has("task", tr.TaskTypes)
	has("region", tr.RegionTypes)
	for _, r := range tr.Resources {
		if len(r.Name) > tracer.MaxName || !utf8.ValidString(r.Name) || !strings.HasPrefix(huge, r.Name) {
			t.Errorf("%v named %d bytes (valid UTF-8: %v)", r.Kind, len(r.Name), utf8.ValidString(r.Name))
		}
	}
	if len(tr.Resources) != 2 {
		for _, r := range tr.Resources {
			t.Logf("%v %d bytes %q waits %d", r.Kind, len(r.Name), r.Name[:20], r.Waits())
		}
		t.Errorf("%d named resources, want the mutex and the channel", len(tr.Resources))
	}
}

// TestStartStopMarks: a recording made by the tracer carries the marks
// that let the parser tell a trace cut short between two generations (the
// program was killed) from a whole one.
func TestStartStopMarks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "t.trace")
	s, err := tracer.Start(tracer.Config{TraceFile: file})
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode() != tracer.ModeTrace {
		s.Stop()
		t.Skip("the execution tracer is in use (go test -trace): a flight recording has no start and stop marks")
	}
	time.Sleep(time.Millisecond)
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var marks []string
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind() == xtrace.EventLog && strings.HasPrefix(ev.Log().Category, protocol.Prefix) && ev.Log().Category != protocol.LogName &&
			ev.Log().Category != protocol.LogLeaked && !strings.HasPrefix(ev.Log().Category, protocol.RegionWait) {
			marks = append(marks, ev.Log().Category)
		}
	}
	if !slices.Equal(marks, []string{protocol.LogStart, protocol.LogStop}) {
		t.Errorf("the tracer's marks: %q, want start then stop", marks)
	}
	tr, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil || len(tr.Warnings) != 0 {
		t.Errorf("a whole recording: %v, warnings %q", err, tr.Warnings)
	}
}
