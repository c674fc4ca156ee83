package tracehttp_test

import (
	"github.com/vizrun/vizrun/internal/testmod"

	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// captureLeakProgram captures itself through the Handler while a goroutine
// it leaked during the capture waits on a channel nobody else can reach,
// and writes the raw capture to os.Args[1].
const captureLeakProgram = `package main

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/tracehttp"
)

func leak() {
	ch := make(chan int)
	tracer.Go(context.Background(), "leaker", func(context.Context) { <-ch })
}

func main() {
	srv := httptest.NewServer(tracehttp.Handler())
	defer srv.Close()
	go func() {
		time.Sleep(100 * time.Millisecond) // inside the capture
		leak()
	}()
	resp, err := http.Get(srv.URL + "/trace?seconds=0.4&format=trace")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		log.Fatalf("capture: %d %v %.200s", resp.StatusCode, err, b)
	}
	if err := os.WriteFile(os.Args[1], b, 0o644); err != nil {
		log.Fatal(err)
	}
}
`

// TestCaptureProvenLeak: a goroutine that leaked during a live capture is
// a proven leak in its model when the runtime has the goroutine leak
// profile, although the capture's other blocked goroutines are no leak
// candidates. The program is built with GOEXPERIMENT=goroutineleakprofile
// (Go 1.26), or as it is when this runtime has the profile (Go 1.27).
func TestCaptureProvenLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir, env := testmod.New(t)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(captureLeakProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := "goroutineleakprofile"
	if pprof.Lookup("goroutineleak") != nil {
		exp = "" // the profile is there without the experiment
	}
	bin := filepath.Join(t.TempDir(), "captureleak")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(env, "GOEXPERIMENT="+exp)
	if b, err := build.CombinedOutput(); err != nil {
		if strings.Contains(string(b), "unknown GOEXPERIMENT") {
			t.Skipf("this toolchain lacks the goroutine leak profile: neither built in nor the %s experiment", exp)
		}
		t.Fatalf("go build: %v\n%s", err, b)
	}
	trace := filepath.Join(t.TempDir(), "capture.trace")
	if b, err := exec.Command(bin, trace).CombinedOutput(); err != nil {
		t.Fatalf("the program: %v\n%s", err, b)
	}
	tr, err := parse.ReadFile(trace, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Live || !tr.LeakChecked {
		t.Errorf("the capture: live %v, leak-checked %v; want both", tr.Live, tr.LeakChecked)
	}
	var leaker *parse.Goroutine
	for _, g := range tr.Goroutines {
		switch {
		case g.Name == "leaker":
			leaker = g
		case g.Leaked():
			t.Errorf("goroutine %d (%s) is a leak in the capture: %v", g.ID, g.Name, g.Leak)
		}
	}
	if leaker == nil || !leaker.ProvenLeak || leaker.Leak != parse.LeakProven {
		t.Errorf("the leaked goroutine: %+v, want a proven leak", leaker)
	}
}
