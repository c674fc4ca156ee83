package tracer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	rtrace "runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/tracer"
)

// record runs fn in a session and returns the parsed trace.
func record(t *testing.T, cfg tracer.Config, fn func(ctx context.Context)) *parse.Trace {
	t.Helper()
	dir := t.TempDir()
	if cfg.TraceFile == "" {
		cfg.TraceFile = filepath.Join(dir, "t.trace")
	}
	s, err := tracer.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	fn(context.Background())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	tr, err := parse.ReadFile(cfg.TraceFile, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func resource(t *testing.T, tr *parse.Trace, kind parse.ResourceKind, name string) *parse.Resource {
	t.Helper()
	for i := range tr.Resources {
		if r := &tr.Resources[i]; r.Kind == kind && r.Name == name {
			return r
		}
	}
	t.Fatalf("no %v named %q among %d resources", kind, name, len(tr.Resources))
	return nil
}

func TestNamedGoroutines(t *testing.T) {
	tr := record(t, tracer.Config{}, func(ctx context.Context) {
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			tracer.Go(ctx, "fetch-user", func(ctx context.Context) {
				defer wg.Done()
				time.Sleep(10 * time.Millisecond)
			})
		}
		wg.Wait()
	})
	n := 0
	for _, g := range tr.Goroutines {
		if g.Name == "fetch-user" {
			n++
			if g.Totals.Blocked[parse.ReasonSleep] < int64(9*time.Millisecond) {
				t.Errorf("G%d slept %v, want about 10ms", g.ID, time.Duration(g.Totals.Blocked[parse.ReasonSleep]))
			}
		}
	}
	if n != 3 {
		t.Errorf("%d goroutines named fetch-user, want 3", n)
	}
}

func TestNamedMutexContention(t *testing.T) {
	const n, hold = 5, 10 * time.Millisecond
	var holder atomic.Int64
	tr := record(t, tracer.Config{}, func(ctx context.Context) {
		mu := tracer.NewMutex("counter")
		mu.Lock() // the first holder: this goroutine
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			tracer.Go(ctx, "incrementer", func(ctx context.Context) {
				defer wg.Done()
				mu.Lock()
				time.Sleep(hold)
				mu.Unlock()
			})
		}
		time.Sleep(2 * hold) // all five queue behind this goroutine
		holder.Store(1)
		mu.Unlock()
		wg.Wait()
	})
	r := resource(t, tr, parse.KindMutex, "counter")
	if r.Waiters != n || r.Ops[parse.OpLock].Waits < n {
		t.Errorf("counter: %d waiters, %d waits; want %d goroutines waiting", r.Waiters, r.Ops[parse.OpLock].Waits, n)
	}
	// The k-th to get the lock waited 2*hold for this goroutine plus k-1
	// holds of the others: in all at least 5*2*hold + (0+1+2+3+4)*hold.
	min := n*2*hold + 10*hold
	if got := time.Duration(r.WaitTotal()); got < min*9/10 || got > min*5 {
		t.Errorf("total wait on counter %v, want about %v", got, min)
	}
	if len(r.Holders) == 0 {
		t.Fatal("no holder blamed for the waits on counter")
	}
	// Every wait is blamed on the holders but for the hand-offs.
	var blamed int64
	for _, h := range r.Holders {
		blamed += h.Blame
	}
	if blamed < r.WaitTotal()*9/10 || blamed > r.WaitTotal() {
		t.Errorf("holders blamed for %v of %v of waits", time.Duration(blamed), time.Duration(r.WaitTotal()))
	}
	// Every waiter waited for the main goroutine first: it has the most
	// blame, at least n*2*hold.
	top := tr.Goroutine(r.Holders[0].G)
	if top == nil || top.Name == "incrementer" || time.Duration(r.Holders[0].Blame) < n*2*hold*9/10 {
		t.Errorf("top holder %+v (%v), want the test goroutine blamed for >= %v", r.Holders[0], top, n*2*hold)
	}
	// The incrementers held it while the others waited too.
	var incr int
	for _, h := range r.Holders[1:] {
		if g := tr.Goroutine(h.G); g != nil && g.Name == "incrementer" {
			incr++
		}
	}
	if incr < n-1 {
		t.Errorf("%d incrementers blamed, want at least %d", incr, n-1)
	}
	// The report names the lock and its holders.
	var page bytes.Buffer
	if err := html.Render(&page, tr, summary.Build(tr, ""), html.Options{}); err != nil {
		t.Fatal(err)
	}
	if sec := page.String(); !strings.Contains(sec, `<section id="resources">`) || !strings.Contains(sec, `<td class="name">counter</td>`) || !strings.Contains(sec, "incrementer: others waited") {
		t.Error("the report does not show the named mutex and its holders")
	}
	// The waits are also plain mutex waits in the goroutines' timelines.
	for _, g := range tr.Goroutines {
		if g.Name == "incrementer" && g.Totals.Blocked[parse.ReasonMutex] < int64(hold) {
			t.Errorf("G%d blocked %v on the mutex", g.ID, time.Duration(g.Totals.Blocked[parse.ReasonMutex]))
		}
	}
}

func TestNamedRWMutex(t *testing.T) {
	tr := record(t, tracer.Config{}, func(ctx context.Context) {
		rw := tracer.NewRWMutex("cache")
		rw.Lock()
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			tracer.Go(ctx, "reader", func(ctx context.Context) {
				defer wg.Done()
				rw.RLock()
				time.Sleep(time.Millisecond)
				rw.RUnlock()
			})
		}
		time.Sleep(20 * time.Millisecond)
		rw.Unlock()
		wg.Wait()
		rw.Lock() // uncontended
		rw.Unlock()
	})
	r := resource(t, tr, parse.KindRWMutex, "cache")
	if r.Ops[parse.OpRLock].Waits != 3 || r.Waiters != 3 {
		t.Errorf("cache: %d read waits by %d waiters, want 3 by 3", r.Ops[parse.OpRLock].Waits, r.Waiters)
	}
	if got := time.Duration(r.Ops[parse.OpRLock].Max); got < 15*time.Millisecond {
		t.Errorf("longest read wait %v, want about 20ms", got)
	}
	// The writer held it while the three readers waited about 20ms each;
	// the readers, who never kept anyone waiting, are not blamed.
	if len(r.Holders) != 1 || tr.Goroutine(r.Holders[0].G).Name == "reader" || time.Duration(r.Holders[0].Blame) < 3*15*time.Millisecond {
		t.Errorf("cache holders %+v, want the writer alone, blamed for about 60ms", r.Holders)
	}
}

func TestNamedChannel(t *testing.T) {
	const d = 30 * time.Millisecond
	tr := record(t, tracer.Config{}, func(ctx context.Context) {
		orders := make(chan int)
		done := make(chan struct{})
		tracer.Go(ctx, "kitchen", func(ctx context.Context) {
			for range 2 {
				tracer.Recv(ctx, "orders", orders) // waits d for each order
			}
			close(done)
		})
		for i := range 2 {
			time.Sleep(d)
			tracer.Send(ctx, "orders", orders, i)
		}
		<-done
		// A send nobody takes: it waits until its context ends.
		cctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		if err := tracer.Send(cctx, "orders", orders, 3); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("send on an abandoned channel: %v", err)
		}
	})
	r := resource(t, tr, parse.KindChan, "orders")
	recv, send := r.Ops[parse.OpRecv], r.Ops[parse.OpSend]
	if recv.Waits != 2 || time.Duration(recv.Total) < 2*d*9/10 {
		t.Errorf("recv waits %d, %v; want 2, about %v", recv.Waits, time.Duration(recv.Total), 2*d)
	}
	if send.Waits != 1 || time.Duration(send.Max) < d*9/10 {
		t.Errorf("send waits %d, longest %v; want the abandoned one, about %v", send.Waits, time.Duration(send.Max), d)
	}
}

func TestStartStop(t *testing.T) {
	dir := t.TempDir()
	if _, err := tracer.Start(tracer.Config{}); err == nil {
		t.Error("Start with nothing to write succeeded")
	}
	if _, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(dir, "no", "such", "t.trace")}); err == nil {
		t.Error("Start with an unwritable trace path succeeded")
	}
	if _, err := tracer.Start(tracer.Config{TraceFile: dir}); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("Start with a directory as TraceFile: %v, want it refused", err)
	}

	// Concurrent Starts: exactly one wins.
	const n = 8
	var wg sync.WaitGroup
	sessions := make(chan *tracer.Session, n)
	var active atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(dir, "c"+string(rune('a'+i))+".trace")})
			switch {
			case err == nil:
				active.Add(1)
				sessions <- s
			case !errors.Is(err, tracer.ErrActive):
				t.Errorf("Start: %v, want ErrActive", err)
			}
		}()
	}
	wg.Wait()
	close(sessions)
	if active.Load() != 1 {
		t.Fatalf("%d concurrent Starts won, want 1", active.Load())
	}
	s := <-sessions
	// Stop twice, concurrently: fine.
	var errs [2]error
	wg.Add(2)
	for i := range 2 {
		go func() { defer wg.Done(); errs[i] = s.Stop() }()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Errorf("Stop: %v, %v", errs[0], errs[1])
	}
	// After Stop, a new session may start; no temporary files are left.
	s2, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(dir, "again.trace")})
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestFallbackWhenTracing: with the execution tracer taken (as under go
// test -trace), Start records with a flight recorder.
func TestFallbackWhenTracing(t *testing.T) {
	if err := rtrace.Start(io.Discard); err != nil {
		t.Skip("the execution tracer is in use already:", err)
	}
	defer rtrace.Stop()
	dir := t.TempDir()
	if _, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(dir, "x.trace"), FallbackWindow: -1}); !errors.Is(err, tracer.ErrTracerBusy) {
		t.Errorf("Start without fallback: %v, want ErrTracerBusy", err)
	}
	cfg := tracer.Config{TraceFile: filepath.Join(dir, "f.trace")}
	s, err := tracer.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Mode() != tracer.ModeFlight {
		t.Errorf("mode %v, want flight recorder", s.Mode())
	}
	done := make(chan struct{})
	tracer.Go(context.Background(), "in-the-window", func(ctx context.Context) { time.Sleep(10 * time.Millisecond); close(done) })
	<-done
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	tr, err := parse.ReadFile(cfg.TraceFile, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, g := range tr.Goroutines {
		found = found || g.Name == "in-the-window"
	}
	if !found {
		t.Error("the named goroutine is not in the flight recording")
	}
}

func TestFlightRecorder(t *testing.T) {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: time.Second})
	if _, err := fr.WriteTo(io.Discard); !errors.Is(err, tracer.ErrNotRecording) {
		t.Errorf("snapshot before Start: %v", err)
	}
	// A goroutine named before the window, still alive at the snapshot.
	release := make(chan struct{})
	started := make(chan struct{})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	defer fr.Stop()
	if err := tracer.NewFlightRecorder(tracer.FlightConfig{}).Start(); err == nil {
		t.Error("a second flight recorder started")
	}
	tracer.Go(context.Background(), "long-lived", func(ctx context.Context) { close(started); <-release })
	<-started
	time.Sleep(20 * time.Millisecond)
	var buf bytes.Buffer
	n, err := fr.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo: %d bytes, %v; %d written", n, err, buf.Len())
	}
	close(release)
	tr, err := parse.Read(&buf, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var g *parse.Goroutine
	for _, x := range tr.Goroutines {
		if x.Name == "long-lived" {
			g = x
		}
	}
	// Blocked at the end of a snapshot of a program that goes on: no
	// leak candidate.
	if g == nil || g.Leaked() || g.EndReason != parse.ReasonChanRecv || !tr.Live {
		t.Errorf("long-lived goroutine in the snapshot: %+v (live trace %v)", g, tr.Live)
	}
	if err := fr.Stop(); err != nil {
		t.Error(err)
	}
	if err := fr.Stop(); err != nil {
		t.Error("second Stop:", err)
	}
}
