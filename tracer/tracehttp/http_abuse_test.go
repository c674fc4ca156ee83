package tracehttp

// Tests of Handler under abuse: concurrent captures, absurd parameters,
// clients that go away or read slowly. After each test no goroutine of the
// server or the tracer is left, and the tracer is free again.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/internal/core"
)

// abuseServer serves Handler at /debug/vizrun/ with a /ping beside it.
type abuseServer struct {
	*httptest.Server
	client *http.Client

	mu   sync.Mutex
	done map[string]chan struct{} // by X-Abuse-Id: closed when the handler returns
}

// smallBuffers gives a small send buffer to accepted connections whose
// first request has the header X-Small-Buffer, so that when their client
// does not read, the server's writes block soon.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		return &peekConn{TCPConn: tc}, nil
	}
	return c, err
}

type peekConn struct {
	*net.TCPConn
	once sync.Once
}

func (c *peekConn) Read(p []byte) (int, error) {
	n, err := c.TCPConn.Read(p)
	c.once.Do(func() {
		if strings.Contains(string(p[:n]), "\r\nX-Small-Buffer:") {
			c.SetWriteBuffer(4 << 10)
		}
	})
	return n, err
}

// newAbuseServer starts a server whose http.Server has writeTimeout. When
// the test ends it checks that the server and the tracer left nothing
// behind (see checkClean).
func newAbuseServer(t *testing.T, writeTimeout time.Duration) *abuseServer {
	t.Helper()
	base := runtime.NumGoroutine()
	traced := trace.IsEnabled() // by go test -trace
	s := &abuseServer{done: map[string]chan struct{}{}}
	h := Handler()
	mux := http.NewServeMux()
	mux.Handle("/debug/vizrun/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get("X-Abuse-Id"); id != "" {
			defer close(s.handlerDone(id))
		}
		h.ServeHTTP(w, r)
	}))
	mux.HandleFunc("/ping", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "pong") })
	s.Server = httptest.NewUnstartedServer(mux)
	s.Listener = smallBuffers{s.Listener}
	s.Config.WriteTimeout = writeTimeout
	s.Start()
	s.client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	t.Cleanup(func() { s.checkClean(t, base, traced) })
	return s
}

// handlerDone is closed when the handler of the request with that
// X-Abuse-Id returns.
func (s *abuseServer) handlerDone(id string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done[id] == nil {
		s.done[id] = make(chan struct{})
	}
	return s.done[id]
}

// checkClean: a new capture succeeds; then, with the client's idle
// connections closed, no goroutine of the server or the tracer is left, the
// goroutine count is back to base (within 2), and the tracer is as it was
// before the test.
func (s *abuseServer) checkClean(t *testing.T, base int, traced bool) {
	t.Helper()
	s.client.CloseIdleConnections()
	if left := waitLingering(10*time.Second, traced); len(left) > 0 {
		t.Errorf("%d server or tracer goroutines left 10 s after the test:\n\n%s", len(left), strings.Join(left, "\n\n"))
		s.CloseClientConnections() // or Close would wait for them
	}
	if resp, body, err := s.fetch(context.Background(), "GET", "/debug/vizrun/trace?seconds=0.05&format=trace", map[string]string{"Connection": "close"}); err != nil || resp.StatusCode != 200 || !isTrace(body) {
		t.Errorf("a capture after the test: %v %.80q", err, body)
	}
	if left := waitLingering(10*time.Second, traced); len(left) > 0 {
		t.Errorf("%d server or tracer goroutines left after a last capture:\n\n%s", len(left), strings.Join(left, "\n\n"))
		s.CloseClientConnections()
	}
	s.Close()
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); n > base+2 && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	if n > base+2 {
		t.Errorf("%d goroutines after the test, %d before", n, base)
	}
	// The name registry has one user left: Handler's, for good.
	if capturing.Load() || len(inFlight) != 0 || core.Names.Users() != 1 {
		t.Errorf("handler state after the test: capturing %v, %d traces in flight, %d name users (want Handler's 1)", capturing.Load(), len(inFlight), core.Names.Users())
	}
	if trace.IsEnabled() != traced {
		t.Errorf("execution tracer enabled %v after the test, %v before", trace.IsEnabled(), traced)
	}
}

// lingering returns the stacks of goroutines serving HTTP connections or
// running the tracer (unless traced: go test -trace runs it).
func lingering(traced bool) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, frame := range []string{"net/http.(*conn).serve", "vizrun/tracer/tracehttp.(*handler)", "vizrun/tracer/tracehttp.record", "runtime/trace.", "runtime.ReadTrace"} {
			if strings.Contains(g, frame) && !(traced && strings.Contains(strings.ToLower(frame), "trace")) {
				out = append(out, g)
				break
			}
		}
	}
	return out
}

// waitLingering waits up to d for lingering to be empty, and returns it.
func waitLingering(d time.Duration, traced bool) []string {
	deadline := time.Now().Add(d)
	for {
		left := lingering(traced)
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get requests path with the given extra headers and reads the answer.
func (s *abuseServer) get(t *testing.T, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	return s.do(t, context.Background(), "GET", path, hdr)
}

func (s *abuseServer) do(t *testing.T, ctx context.Context, method, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	resp, body, err := s.fetch(ctx, method, path, hdr)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// fetch is do for other goroutines than the test's.
func (s *abuseServer) fetch(ctx context.Context, method, path string, hdr map[string]string) (*http.Response, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, nil)
	if err != nil {
		return nil, "", err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.Close = hdr["Connection"] == "close"
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// isTrace reports whether b parses as an execution trace.
func isTrace(b string) bool {
	_, err := parse.Read(strings.NewReader(b), parse.Options{})
	return err == nil
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// checkError checks an error answer: code, one line of text/plain, the
// safety headers.
func checkError(t *testing.T, what string, resp *http.Response, body string, code int) {
	t.Helper()
	if resp.StatusCode != code {
		t.Errorf("%s: %d %q, want %d", what, resp.StatusCode, body, code)
		return
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", what, ct)
	}
	if !strings.HasPrefix(body, "vizrun tracer: ") || strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") || len(body) > 200 {
		t.Errorf("%s: body %q is not one line of message", what, body)
	}
	checkSafetyHeaders(t, what, resp)
}

func checkSafetyHeaders(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: X-Content-Type-Options %q, Cache-Control %q", what, resp.Header.Get("X-Content-Type-Options"), resp.Header.Get("Cache-Control"))
	}
}

// startLong starts a capture of seconds=30 whose request ends with ctx,
// waits until it records, and returns a channel closed when the client
// call returns.
func (s *abuseServer) startLong(t *testing.T, ctx context.Context, id string) <-chan struct{} {
	t.Helper()
	clientDone := make(chan struct{})
	go func() {
		defer close(clientDone)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/debug/vizrun/trace?seconds=30", nil)
		req.Header.Set("X-Abuse-Id", id)
		if resp, err := s.client.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	waitFor(t, "the long capture to start", capturing.Load)
	return clientDone
}

// TestHandlerAbuseConcurrent: while a capture records, 16 more at once
// are refused with 429 and Retry-After, and the host keeps serving; with
// the tracer free, of 12 captures at once one records and the others are
// refused.
func TestHandlerAbuseConcurrent(t *testing.T) {
	s := newAbuseServer(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	longDone := s.startLong(t, ctx, "long")

	// Pings, the index page and the flight endpoint answer meanwhile.
	var pings []time.Duration
	var pingErrs []string
	pingsDone := make(chan struct{})
	go func() {
		defer close(pingsDone)
		for i := range 30 {
			time.Sleep(10 * time.Millisecond)
			path, want := "/ping", "pong"
			switch i % 3 {
			case 1:
				path, want = "/debug/vizrun/", "Trace 5 seconds"
			case 2:
				path, want = "/debug/vizrun/flight", "no flight recorder"
			}
			start := time.Now()
			resp, err := s.client.Get(s.URL + path)
			if err != nil {
				pingErrs = append(pingErrs, err.Error())
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			pings = append(pings, time.Since(start))
			if !strings.Contains(string(b), want) {
				pingErrs = append(pingErrs, fmt.Sprintf("%s: %d %.60q", path, resp.StatusCode, b))
			}
		}
	}()

	const n = 16
	type answer struct {
		resp *http.Response
		body string
	}
	burst := func(n int, path string) []answer {
		out := make([]answer, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range out {
			wg.Go(func() {
				<-start
				resp, body, err := s.fetch(context.Background(), "GET", path, nil)
				if err != nil {
					t.Error(err)
					resp = &http.Response{Header: http.Header{}}
				}
				out[i] = answer{resp, body}
			})
		}
		close(start)
		wg.Wait()
		return out
	}
	for i, a := range burst(n, "/debug/vizrun/trace?seconds=0.2") {
		what := fmt.Sprintf("request %d of %d during a capture", i, n)
		checkError(t, what, a.resp, a.body, http.StatusTooManyRequests)
		if !strings.Contains(a.body, "already running") {
			t.Errorf("%s: %q does not say why", what, a.body)
		}
		if secs, err := strconv.Atoi(a.resp.Header.Get("Retry-After")); err != nil || secs < 1 || secs > 31 {
			t.Errorf("%s: Retry-After %q", what, a.resp.Header.Get("Retry-After"))
		}
	}
	<-pingsDone
	if len(pingErrs) > 0 || len(pings) != 30 {
		t.Errorf("during the capture: %d answers, errors %q", len(pings), pingErrs)
	}
	worst := time.Duration(0)
	for _, d := range pings {
		worst = max(worst, d)
	}
	// Not held up by the capture (30 s): the bound is for loaded machines.
	if worst > 10*time.Second {
		t.Errorf("the host answered other requests in up to %v during the capture", worst)
	}
	if !capturing.Load() {
		t.Error("the long capture stopped by itself")
	}
	t.Logf("during the capture: %d refused captures, %d other answers, slowest %v", n, len(pings), worst)
	cancel()
	<-longDone
	<-s.handlerDone("long")

	// With the tracer free, one of 12 at once records, the rest get 429.
	var ok, busy int
	for i, a := range burst(12, "/debug/vizrun/trace?seconds=1&format=trace") {
		switch a.resp.StatusCode {
		case 200:
			ok++
			if !isTrace(a.body) {
				t.Errorf("capture %d: not a trace", i)
			}
		case http.StatusTooManyRequests:
			busy++
			checkError(t, fmt.Sprintf("capture %d", i), a.resp, a.body, http.StatusTooManyRequests)
		default:
			t.Errorf("capture %d: %d %q", i, a.resp.StatusCode, a.body)
		}
	}
	t.Logf("12 captures at once: %d recorded, %d refused", ok, busy)
	if ok < 1 || busy < 1 {
		t.Errorf("12 captures at once: %d recorded, %d refused; want one and the rest", ok, busy)
	}
}

// TestHandlerAbuseQuery: absurd parameters get 400 and one line, at once,
// without touching the tracer; other methods get 405.
func TestHandlerAbuseQuery(t *testing.T) {
	s := newAbuseServer(t, 0)
	traced := trace.IsEnabled() // by go test -trace
	for _, q := range []string{
		"seconds=-1", "seconds=0", "seconds=-0", "seconds=0.0", "seconds=0.000",
		"seconds=NaN", "seconds=nan", "seconds=Inf", "seconds=%2BInf", "seconds=-Inf", "seconds=infinity",
		"seconds=abc", "seconds=1e300", "seconds=1e1", "seconds=1E-2", "seconds=61", "seconds=60.001",
		"seconds=9223372036854775807", "seconds=9223372036854775808", "seconds=18446744073709551616",
		"seconds=" + strings.Repeat("9", 100000), "seconds=0." + strings.Repeat("0", 100000) + "1",
		"seconds=", "seconds", "seconds=1&seconds=2", "seconds=1&seconds=1",
		"seconds=0x10", "seconds=0x1p4", "seconds=1_0", "seconds=%2B5", "seconds=%205", "seconds=5%00",
		"seconds=5%0Aformat=trace", "seconds=1.2.3", "seconds=.", "seconds=%E2%91%A4",
		"seconds=0.1;format=trace", "seconds=%zz", "seconds=0.1&%zz",
		"format=xml", "format=", "format=TRACE", "format=trace&format=trace", "format=html&format=trace",
		strings.Repeat("x=1&", 20000) + "seconds=0.1",
	} {
		what := "trace?" + q
		if len(what) > 60 {
			what = what[:60] + "..."
		}
		start := time.Now()
		resp, body := s.get(t, "/debug/vizrun/trace?"+q, nil)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s took %v", what, took)
		}
		checkError(t, what, resp, body, http.StatusBadRequest)
		if capturing.Load() || trace.IsEnabled() != traced {
			t.Fatalf("%s: the tracer is on", what)
		}
	}
	// The flight endpoint reads format too.
	resp, body := s.get(t, "/debug/vizrun/flight?format=xml", nil)
	checkError(t, "flight?format=xml", resp, body, http.StatusBadRequest)

	// Many parameters, and a filename, are ignored.
	resp, body = s.get(t, "/debug/vizrun/trace?"+strings.Repeat("x=1&", 5000)+"seconds=0.05&format=trace&filename=../../etc/passwd", nil)
	if resp.StatusCode != 200 || !isTrace(body) {
		t.Errorf("5000 parameters: %d %.80q", resp.StatusCode, body)
	}
	if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename="vizrun.trace"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	if resp.Header.Get("Content-Type") != "application/octet-stream" || resp.Header.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Errorf("raw trace: Content-Type %q, Content-Length %q for %d bytes", resp.Header.Get("Content-Type"), resp.Header.Get("Content-Length"), len(body))
	}
	checkSafetyHeaders(t, "raw trace", resp)
	resp, body = s.get(t, "/debug/vizrun/trace?seconds=0.05", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || resp.Header.Get("Content-Disposition") != "" || !strings.Contains(body, `id="vz-timeline"`) {
		t.Errorf("report: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	checkSafetyHeaders(t, "report", resp)

	// HEAD captures and answers the headers only.
	resp, body = s.do(t, context.Background(), "HEAD", "/debug/vizrun/trace?seconds=0.05&format=trace", nil)
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Type") != "application/octet-stream" {
		t.Errorf("HEAD: %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
	}

	for _, m := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"} {
		for _, p := range []string{"/debug/vizrun/", "/debug/vizrun/trace?seconds=0.1", "/debug/vizrun/flight"} {
			resp, body := s.do(t, context.Background(), m, p, nil)
			checkError(t, m+" "+p, resp, body, http.StatusMethodNotAllowed)
			if resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q", m, p, resp.Header.Get("Allow"))
			}
		}
	}
}

func TestParseSeconds(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"5": 5 * time.Second, "0.25": 250 * time.Millisecond, ".5": 500 * time.Millisecond, "5.": 5 * time.Second,
		"60": time.Minute, "060": time.Minute, "60.000": time.Minute, "0.0000001": time.Millisecond,
	} {
		if d, ok := parseSeconds(s); !ok || d != want {
			t.Errorf("parseSeconds(%q) = %v, %v; want %v", s, d, ok, want)
		}
	}
	r := httptest.NewRequest("GET", "/trace?format=html", nil)
	if q, err := parseQuery(r, true); err != nil || q.d != DefaultCaptureSeconds*time.Second || q.raw {
		t.Errorf("no seconds: %+v, %v", q, err)
	}
}

// TestHandlerAbuseDisconnect: a capture whose client goes away stops at
// once and frees the tracer, whether the request is canceled or the
// connection closed, with runtime/trace or the fallback flight recorder.
func TestHandlerAbuseDisconnect(t *testing.T) {
	s := newAbuseServer(t, 0)
	traced := trace.IsEnabled() // by go test -trace
	stopped := func(what, id string, tracerOff bool, leave func()) {
		t.Helper()
		time.Sleep(100 * time.Millisecond) // into the capture
		start := time.Now()
		leave()
		select {
		case <-s.handlerDone(id):
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the handler still runs 5 s after its client left", what)
		}
		took := time.Since(start)
		if capturing.Load() || (tracerOff && trace.IsEnabled()) {
			t.Errorf("%s: the tracer still records after the handler returned", what)
		}
		t.Logf("%s: the handler returned %v after its client left", what, took)
	}

	ctx, cancel := context.WithCancel(context.Background())
	clientDone := s.startLong(t, ctx, "cancel")
	stopped("canceled request", "cancel", !traced, cancel)
	<-clientDone

	conn, err := net.Dial("tcp", s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /debug/vizrun/trace?seconds=30 HTTP/1.1\r\nHost: x\r\nX-Abuse-Id: close\r\n\r\n")
	waitFor(t, "the capture to start", capturing.Load)
	stopped("closed connection", "close", !traced, func() { conn.Close() })

	// With the execution tracer taken, the capture records with a flight
	// recorder, which must be stopped too: a FlightRecorder can start after.
	ours := trace.Start(io.Discard) == nil // fails under go test -trace: taken anyway
	ctx, cancel = context.WithCancel(context.Background())
	clientDone = s.startLong(t, ctx, "flight")
	stopped("canceled flight capture", "flight", false, cancel)
	<-clientDone
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{})
	if err := fr.Start(); err != nil {
		t.Errorf("a flight recorder cannot start after a canceled flight capture: %v", err)
	}
	fr.Stop()
	if ours {
		trace.Stop()
	}
}

// TestHandlerTracerTaken: with the execution tracer taken, a capture
// records with a flight recorder and the report says so; with a flight
// recorder running too, 409.
func TestHandlerTracerTaken(t *testing.T) {
	s := newAbuseServer(t, 0)
	if trace.Start(io.Discard) == nil {
		defer trace.Stop()
	}
	resp, body := s.get(t, "/debug/vizrun/trace?seconds=0.1", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "flight recorder") {
		t.Errorf("capture with the tracer taken: %d, flight recorder mentioned %v", resp.StatusCode, strings.Contains(body, "flight recorder"))
	}
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: time.Second})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	defer fr.Stop()
	resp, body = s.get(t, "/debug/vizrun/trace?seconds=0.1", nil)
	checkError(t, "capture with the tracer and a flight recorder taken", resp, body, http.StatusConflict)
	resp, body = s.get(t, "/debug/vizrun/flight?format=trace", nil)
	if resp.StatusCode != 200 || !isTrace(body) {
		t.Errorf("flight: %d %.80q", resp.StatusCode, body)
	}
	fr.Stop()
	resp, body = s.get(t, "/debug/vizrun/flight", nil)
	checkError(t, "flight after Stop", resp, body, http.StatusNotFound)
}

// rawGet sends a GET on a new connection with a small receive buffer and
// returns the connection unread.
func (s *abuseServer) rawGet(t *testing.T, path, id string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", s.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).SetReadBuffer(4 << 10)
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nX-Small-Buffer: 1\r\nX-Abuse-Id: %s\r\n\r\n", path, id)
	return conn
}

// TestHandlerAbuseSlowReader: a client reading its report a few bytes at a
// time does not hold up the tracer: another capture records meanwhile.
func TestHandlerAbuseSlowReader(t *testing.T) {
	s := newAbuseServer(t, 0)
	conn := s.rawGet(t, "/debug/vizrun/trace?seconds=0.2", "slow")
	defer conn.Close()
	br := bufio.NewReaderSize(conn, 64)
	resp, err := http.ReadResponse(br, nil) // the status line and headers
	if err != nil {
		t.Fatal(err)
	}
	size, _ := strconv.Atoi(resp.Header.Get("Content-Length"))
	slowRead := 0
	readSome := func() {
		for range 5 {
			n, err := resp.Body.Read(make([]byte, 64))
			slowRead += n
			if err != nil {
				t.Fatalf("slow read after %d bytes: %v", slowRead, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	readSome()
	stillSending := func(when string) {
		t.Helper()
		select {
		case <-s.handlerDone("slow"):
			t.Fatalf("%s: the handler has sent all %d bytes already: the test proves nothing", when, size)
		default:
		}
	}
	stillSending("before the second capture")
	start := time.Now()
	r2, body := s.get(t, "/debug/vizrun/trace?seconds=0.1&format=trace", nil)
	if r2.StatusCode != 200 || !isTrace(body) {
		t.Errorf("a capture while a slow client reads: %d %.80q", r2.StatusCode, body)
	}
	second := time.Since(start)
	readSome()
	stillSending("after the second capture")
	t.Logf("a second capture took %v while the slow client had read %d of %d bytes", second, slowRead, size)
	conn.(*net.TCPConn).SetReadBuffer(4 << 20)
	start = time.Now()
	n, err := io.Copy(io.Discard, resp.Body)
	t.Logf("then the slow client read the other %d bytes in %v", n, time.Since(start))
	if err != nil || slowRead+int(n) != size {
		t.Errorf("the slow client read %d+%d bytes of %d: %v", slowRead, n, size, err)
	}
	select {
	case <-s.handlerDone("slow"):
	case <-time.After(5 * time.Second):
		t.Error("the handler still runs 5 s after its answer was read")
	}
}

// TestHandlerAbuseWriteTimeout: a capture may outlast the server's
// WriteTimeout, but a client that does not read is cut off about a
// WriteTimeout after the capture.
func TestHandlerAbuseWriteTimeout(t *testing.T) {
	const timeout = 500 * time.Millisecond
	s := newAbuseServer(t, timeout)
	resp, body := s.get(t, "/debug/vizrun/trace?seconds=1&format=trace", nil)
	if resp.StatusCode != 200 || !isTrace(body) {
		t.Errorf("a 1 s capture with a 500 ms WriteTimeout: %d, %d bytes", resp.StatusCode, len(body))
	}
	start := time.Now()
	conn := s.rawGet(t, "/debug/vizrun/trace?seconds=0.1", "stuck")
	defer conn.Close()
	select {
	case <-s.handlerDone("stuck"):
	case <-time.After(10 * time.Second):
		t.Fatal("the handler still sends to a client that does not read, 10 s on")
	}
	took := time.Since(start)
	t.Logf("a client that did not read was cut off %v after its request (capture 100 ms, WriteTimeout %v)", took, timeout)
	if took < timeout {
		t.Errorf("cut off after %v, before the WriteTimeout", took)
	}
	if len(inFlight) != 0 {
		t.Errorf("%d traces still held after the client was cut off", len(inFlight))
	}
}

// TestHandlerAbuseInFlight: clients that do not read hold at most
// maxInFlight answers in memory; beyond that 429, and a slot frees when
// one of them goes away.
func TestHandlerAbuseInFlight(t *testing.T) {
	s := newAbuseServer(t, 0)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range maxInFlight {
		id := "stuck" + strconv.Itoa(i)
		conn := s.rawGet(t, "/debug/vizrun/trace?seconds=0.05", id)
		conns = append(conns, conn)
		resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 64), nil) // headers only
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %v %v", id, resp, err)
		}
		if len(inFlight) != i+1 {
			t.Fatalf("%d answers blocked, %d traces held", i+1, len(inFlight))
		}
	}
	resp, body := s.get(t, "/debug/vizrun/trace?seconds=0.05", nil)
	checkError(t, "a capture with all slots held", resp, body, http.StatusTooManyRequests)
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	resp, body = s.get(t, "/debug/vizrun/flight", nil)
	checkError(t, "a flight snapshot with all slots held", resp, body, http.StatusTooManyRequests)
	fr.Stop()
	if resp, body := s.get(t, "/ping", nil); body != "pong" {
		t.Errorf("ping with all slots held: %d %q", resp.StatusCode, body)
	}
	start := time.Now()
	conns[0].Close()
	select {
	case <-s.handlerDone("stuck0"):
	case <-time.After(5 * time.Second):
		t.Fatal("the handler still sends 5 s after its client closed the connection")
	}
	t.Logf("a blocked answer ended %v after its client closed the connection", time.Since(start))
	resp, body = s.get(t, "/debug/vizrun/trace?seconds=0.05&format=trace", nil)
	if resp.StatusCode != 200 || !isTrace(body) {
		t.Errorf("a capture after a slot freed: %d %.80q", resp.StatusCode, body)
	}
}

// TestHandlerAbuseBigTrace: a capture ends early when its trace reaches a
// quarter of maxCaptureBytes, with a whole trace within half of it. (Under go test -trace captures fall
// back to a flight recorder, whose size bounds the window instead: the
// test then checks a short capture.)
func TestHandlerAbuseBigTrace(t *testing.T) {
	defer func(n int) { maxCaptureBytes = n }(maxCaptureBytes)
	maxCaptureBytes = 4 << 20
	s := newAbuseServer(t, 0)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 { // something to trace
		wg.Go(func() {
			ch := make(chan int)
			go func() {
				for range ch {
				}
			}()
			defer close(ch)
			for {
				select {
				case <-stop:
					return
				case ch <- 1:
				}
			}
		})
	}
	defer wg.Wait()
	defer close(stop)
	if trace.IsEnabled() { // by go test -trace
		resp, body := s.get(t, "/debug/vizrun/trace?seconds=0.5&format=trace", nil)
		if resp.StatusCode != 200 || !isTrace(body) {
			t.Errorf("a flight-recorder capture: %d, %d bytes", resp.StatusCode, len(body))
		}
		return
	}
	start := time.Now()
	resp, body := s.get(t, "/debug/vizrun/trace?seconds=30&format=trace", nil)
	took := time.Since(start)
	if resp.StatusCode != 200 || !isTrace(body) || len(body) < maxCaptureBytes/8 || len(body) > maxCaptureBytes/2 {
		t.Errorf("a capture past the size limit: %d, %d bytes, trace %v", resp.StatusCode, len(body), isTrace(body))
	}
	if took > 10*time.Second {
		t.Errorf("a 30 s capture past a %d-byte limit took %v", maxCaptureBytes, took)
	}
	t.Logf("a 30 s capture stopped at %d bytes (limit %d) after %v", len(body), maxCaptureBytes, took)
	resp, body = s.get(t, "/debug/vizrun/trace?seconds=30", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "cut short") {
		t.Errorf("the report of a capture cut short: %d, says so %v", resp.StatusCode, strings.Contains(body, "cut short"))
	}
}
