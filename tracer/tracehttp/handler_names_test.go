package tracehttp_test

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/tracehttp"
)

// TestCaptureNamesEarlierGoroutines: a live capture names the goroutines
// started with Go before it began, such as a server's workers.
func TestCaptureNamesEarlierGoroutines(t *testing.T) {
	srv := httptest.NewServer(tracehttp.Handler())
	defer srv.Close()
	stop := make(chan struct{})
	started := make(chan struct{}, 3)
	for range 3 {
		tracer.Go(context.Background(), "long-lived-worker", func(ctx context.Context) {
			started <- struct{}{}
			<-stop
		})
	}
	for range 3 {
		<-started
	}
	defer close(stop)
	resp, err := srv.Client().Get(srv.URL + "/trace?seconds=0.2&format=trace")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("capture: %d, %v", resp.StatusCode, err)
	}
	tr, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range tr.Goroutines {
		if g.Name == "long-lived-worker" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d goroutines named long-lived-worker in the capture, want the 3 started before it", n)
	}
}
