package tracer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	rtrace "runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/pprof/profile"

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
	err := tracer.Run(cfg, func(ctx context.Context) error { fn(ctx); return nil })
	if err != nil {
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
	if _, err := tracer.Start(tracer.Config{ReportFile: filepath.Join(dir, "no", "such", "r.html")}); err == nil {
		t.Error("Start with an unwritable report path succeeded")
	}
	if _, err := tracer.Start(tracer.Config{ReportFile: filepath.Join(dir, "r.html"), ProfileFile: "p"}); err == nil {
		t.Error("ProfileFile without WallClock accepted")
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
	s2, err := tracer.Start(tracer.Config{ReportFile: filepath.Join(dir, "again.html")})
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

// TestRunPanic: the trace and report of what happened before a panic are
// written, then the panic goes on.
func TestRunPanic(t *testing.T) {
	dir := t.TempDir()
	cfg := tracer.Config{TraceFile: filepath.Join(dir, "t.trace"), ReportFile: filepath.Join(dir, "r.html")}
	func() {
		defer func() {
			if p := recover(); p != "boom" {
				t.Errorf("recovered %v, want the panic to go on", p)
			}
		}()
		tracer.Run(cfg, func(ctx context.Context) error {
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
	if err := tracer.Run(tracer.Config{ReportFile: filepath.Join(dir, "r2.html")}, func(context.Context) error { return io.ErrUnexpectedEOF }); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("Run returned %v, want fn's error", err)
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
	if _, err := tracer.Start(tracer.Config{ReportFile: filepath.Join(dir, "x.html"), FallbackWindow: -1}); !errors.Is(err, tracer.ErrTracerBusy) {
		t.Errorf("Start without fallback: %v, want ErrTracerBusy", err)
	}
	cfg := tracer.Config{TraceFile: filepath.Join(dir, "f.trace"), ReportFile: filepath.Join(dir, "f.html")}
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
	b, _ := os.ReadFile(cfg.ReportFile)
	if !bytes.Contains(b, []byte("flight recorder")) {
		t.Error("the report does not say it comes from a flight recorder")
	}
}

func TestFlightRecorder(t *testing.T) {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: time.Second})
	if err := fr.WriteTrace(io.Discard); !errors.Is(err, tracer.ErrNotRecording) {
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
	if err := fr.WriteTrace(&buf); err != nil {
		t.Fatal(err)
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
	if g == nil || !g.Leaked() || g.EndReason != parse.ReasonChanRecv {
		t.Errorf("long-lived goroutine in the snapshot: %+v", g)
	}
	var page bytes.Buffer
	if err := fr.WriteReport(&page); err != nil || !bytes.Contains(page.Bytes(), []byte("long-lived")) {
		t.Errorf("flight report: %v", err)
	}
	if err := fr.Stop(); err != nil {
		t.Error(err)
	}
	if err := fr.Stop(); err != nil {
		t.Error("second Stop:", err)
	}
}

func TestWallClock(t *testing.T) {
	dir := t.TempDir()
	cfg := tracer.Config{ReportFile: filepath.Join(dir, "r.html"), WallClock: true, ProfileFile: filepath.Join(dir, "wall.pprof")}
	err := tracer.Run(cfg, func(ctx context.Context) error {
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

func TestWallClockRate(t *testing.T) {
	if r := tracer.WallClockRate(10); r != 99 {
		t.Errorf("rate with 10 goroutines %v, want fgprof's 99 Hz", r)
	}
	// Beyond the budget the cost stays at 2% of a core: rate * n * 0.73µs.
	for _, n := range []int{1000, 10000, 100000} {
		r := tracer.WallClockRate(n)
		cost := r * float64(n) * 0.73e-6
		if r >= 99 || cost > 0.0201 || cost < 0.019 {
			t.Errorf("%d goroutines: %.2f Hz costs %.3f of a core, want 0.02", n, r, cost)
		}
	}
}

func TestHandler(t *testing.T) {
	h := tracer.Handler()
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	for _, c := range []struct {
		path, ctype, body string
		code              int
	}{
		{"/debug/vizrun/", "text/html", "Trace 5 seconds", 200},
		{"/debug/vizrun/trace?seconds=1", "text/html", `id="vz-timeline"`, 200},
		{"/debug/vizrun/trace?seconds=1&format=trace", "application/octet-stream", "go 1.", 200},
		{"/debug/vizrun/trace?seconds=abc", "text/plain", "seconds must be", 400},
		{"/debug/vizrun/trace?seconds=-3", "text/plain", "seconds must be", 400},
		{"/debug/vizrun/flight", "text/plain", "no flight recorder", 404},
	} {
		resp, body := get(c.path)
		if resp.StatusCode != c.code || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !strings.Contains(body, c.body) {
			t.Errorf("%s: %d %s, body %.60q; want %d %s containing %q", c.path, resp.StatusCode, resp.Header.Get("Content-Type"), body, c.code, c.ctype, c.body)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", c.path)
		}
	}
	// POST is refused.
	resp, err := http.Post(srv.URL+"/debug/vizrun/trace", "text/plain", nil)
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST: %d", resp.StatusCode)
		}
	}
	// The flight endpoint serves the running recorder.
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	resp, body := get("/debug/vizrun/flight")
	if resp.StatusCode != 200 || !strings.Contains(body, `id="vz-timeline"`) {
		t.Errorf("flight: %d %.80q", resp.StatusCode, body)
	}
	fr.Stop()
}

func TestHandlerBusyAndCancel(t *testing.T) {
	srv := httptest.NewServer(tracer.Handler())
	defer srv.Close()
	before := runtime.NumGoroutine()
	// A long capture whose client goes away.
	ctx, cancel := context.WithCancel(context.Background())
	firstDone := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/trace?seconds=30", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		firstDone <- err
	}()
	// While it runs, another capture is refused.
	var code int
	for i := 0; i < 100; i++ {
		time.Sleep(20 * time.Millisecond)
		resp, err := http.Get(srv.URL + "/trace?seconds=1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code = resp.StatusCode
		if code == http.StatusTooManyRequests {
			break
		}
	}
	if code != http.StatusTooManyRequests {
		t.Errorf("concurrent capture: %d, want 429", code)
	}
	start := time.Now()
	cancel()
	<-firstDone
	// The capture stops with its client: soon a new one may start.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/trace?seconds=1&format=trace")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("capture still busy %v after its client left", time.Since(start))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if rtrace.IsEnabled() {
		t.Error("tracing still on after the captures")
	}
	// No goroutine left behind (the server's idle connections aside).
	srv.CloseClientConnections()
	deadline = time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		t.Errorf("%d goroutines after the captures, %d before", n, before)
	}
}
