package tracer_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
)

// TestSnapshotInsideSession: a flight snapshot taken while a session
// records writes its live mark into the session's trace too (they share
// the runtime's stream). The snapshot is live; the session's trace, which
// the session stopped after the mark, is not: a goroutine stuck at its end
// is still a leak candidate there.
func TestSnapshotInsideSession(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.trace")
	s, err := tracer.Start(tracer.Config{TraceFile: path})
	if err != nil {
		t.Fatal(err)
	}
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: time.Second})
	if err := fr.Start(); err != nil {
		s.Stop()
		t.Fatal(err)
	}
	stuck := make(chan struct{})
	defer close(stuck)
	tracer.Go(t.Context(), "stuck", func(ctx context.Context) { <-stuck })
	time.Sleep(20 * time.Millisecond)
	var snap bytes.Buffer
	if _, err := fr.WriteTo(&snap); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	fr.Stop()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	session, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if session.Live {
		t.Errorf("the session's trace is marked live by the snapshot taken inside it")
	}
	leaked := false
	for _, g := range session.Goroutines {
		leaked = leaked || g.Name == "stuck" && g.Leaked()
	}
	if !leaked {
		t.Errorf("the stuck goroutine is no leak candidate in the session's trace")
	}
	st, err := parse.Read(&snap, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !st.Live {
		t.Errorf("the snapshot is not marked live")
	}
}
