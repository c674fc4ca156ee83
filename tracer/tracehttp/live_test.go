package tracehttp

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	rtrace "runtime/trace"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
)

// waitCapturing waits until a capture records.
func waitCapturing(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !capturing.Load(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the capture did not start")
		}
	}
}

// TestCaptureHostStops: the program stops the execution tracer during a
// capture: the capture ends then, and the answer says it was cut short,
// raw or as a report.
func TestCaptureHostStops(t *testing.T) {
	if err := rtrace.Start(io.Discard); err != nil {
		t.Skip("the execution tracer is in use already:", err)
	}
	rtrace.Stop()
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for _, format := range []string{"trace", "html"} {
		type answer struct {
			resp *http.Response
			body []byte
			err  error
		}
		got := make(chan answer, 1)
		start := time.Now()
		go func() {
			resp, err := http.Get(srv.URL + "/trace?seconds=30&format=" + format)
			if err != nil {
				got <- answer{err: err}
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			got <- answer{resp, b, err}
		}()
		waitCapturing(t)
		time.Sleep(50 * time.Millisecond)
		rtrace.Stop() // the host's
		a := <-got
		if a.err != nil {
			t.Fatalf("%s: %v", format, a.err)
		}
		if time.Since(start) > 25*time.Second {
			t.Errorf("%s: the capture ran its whole 30 s after the tracer stopped", format)
		}
		cut := a.resp.Header.Get(CutShortHeader)
		if a.resp.StatusCode != http.StatusOK || !strings.Contains(cut, "stopped the execution tracer") {
			t.Errorf("%s: %d, %s %q; want 200 saying the capture was cut short", format, a.resp.StatusCode, CutShortHeader, cut)
		}
		if format == "html" && !bytes.Contains(a.body, []byte("cut short")) {
			t.Errorf("the report does not say the capture was cut short")
		}
		if format == "trace" {
			if _, err := parse.Read(bytes.NewReader(a.body), parse.Options{}); err != nil {
				t.Errorf("the trace cut short: %v", err)
			}
		}
	}
}

// TestCaptureLive: a live capture's trace is of a program that goes on:
// goroutines blocked at its end are no leak candidates, and the capture's
// own goroutines are system goroutines.
func TestCaptureLive(t *testing.T) {
	h := Handler() // goroutines started with Go are remembered from here on
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	tracer.Go(context.Background(), "waiting-worker", func(context.Context) { close(started); <-release })
	<-started
	srv := httptest.NewServer(h)
	defer srv.Close()
	type answer struct {
		code int
		body []byte
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get(srv.URL + "/trace?seconds=0.3&format=trace")
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{resp.StatusCode, b, err}
	}()
	// A goroutine started during the capture and still waiting at its
	// end: a leak candidate in a trace of a finished program, not in a
	// live one.
	waitCapturing(t)
	inCapture := make(chan struct{})
	tracer.Go(context.Background(), "started-in-capture", func(context.Context) { close(inCapture); <-release })
	<-inCapture
	a := <-got
	if a.err != nil || a.code != http.StatusOK {
		t.Fatalf("capture: %d %v %.200s", a.code, a.err, a.body)
	}
	tr, err := parse.Read(bytes.NewReader(a.body), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Live {
		t.Error("the capture is not marked live")
	}
	var worker, late, watcher *parse.Goroutine
	for _, g := range tr.Goroutines {
		if g.Leaked() && !g.ProvenLeak {
			t.Errorf("goroutine %d (%s) is a leak candidate in a live capture", g.ID, g.Name)
		}
		switch g.Name {
		case "waiting-worker":
			worker = g
		case "started-in-capture":
			late = g
		case captureWatcherName:
			watcher = g
		}
	}
	if worker == nil {
		t.Error("the worker started before the capture is not named in it")
	}
	if late == nil || late.End != parse.EndBlocked {
		t.Errorf("the goroutine started during the capture: %+v, want it blocked at the end", late)
	}
	if watcher == nil || !watcher.System {
		t.Errorf("the capture's watcher: %+v, want a system goroutine named %s", watcher, captureWatcherName)
	}
}

// TestCaptureNotCutByItself: the capture's own stop of the tracer is not
// taken for the program's (the watch looks every 10 ms, also while the
// capture stops): short captures are never called cut short.
func TestCaptureNotCutByItself(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	for i := range 30 {
		resp, err := http.Get(srv.URL + "/trace?seconds=0.012&format=trace")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if cut := resp.Header.Get(CutShortHeader); resp.StatusCode != http.StatusOK || cut != "" {
			t.Fatalf("capture %d: %d, cut short: %q", i, resp.StatusCode, cut)
		}
	}
}
