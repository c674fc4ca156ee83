package tracehttp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	rtrace "runtime/trace"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/tracehttp"
)

func TestHandler(t *testing.T) {
	h := tracehttp.Handler()
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
	tracingBefore := rtrace.IsEnabled() // by go test -trace
	srv := httptest.NewServer(tracehttp.Handler())
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
	if rtrace.IsEnabled() && !tracingBefore {
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
