package tracehttp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vizrun/vizrun/tracer"
)

// The handler's memory: whatever the host does, the traces a Handler holds
// stay within maxCaptureBytes, one report is rendered at a time from a
// bounded model, and the trace is given back as it is read. These tests
// measure it in the Go heap (runtime/metrics), in a process of its own so
// that no other test's garbage is counted.

// hostileHost is a host that makes traces as costly as it can: goroutines
// with names of 1 KiB, each pair locking a named mutex of its own (names of
// 1 KiB too), as fast as the machine lets them. stop ends it.
func hostileHost(pairs int) (stop func()) {
	var quit atomic.Bool
	var wg sync.WaitGroup
	pad := strings.Repeat("x", tracer.MaxName)
	for i := range pairs {
		m := tracer.NewMutex(fmt.Sprintf("lock-%d-%s", i, pad))
		for j := range 2 {
			wg.Add(1)
			tracer.Go(context.Background(), fmt.Sprintf("g-%d-%d-%s", i, j, pad), func(context.Context) {
				defer wg.Done()
				for !quit.Load() {
					m.Lock()
					runtime.Gosched()
					m.Unlock()
					time.Sleep(time.Millisecond)
				}
			})
		}
	}
	return func() { quit.Store(true); wg.Wait() }
}

// heapSampler follows the Go heap's peak (live and not yet collected
// objects) from now on.
type heapSampler struct {
	base, peak atomic.Uint64
	done       chan struct{}
	wg         sync.WaitGroup
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapSampler() *heapSampler {
	runtime.GC()
	h := &heapSampler{done: make(chan struct{})}
	h.base.Store(heapObjects())
	h.peak.Store(h.base.Load())
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			select {
			case <-h.done:
				return
			case <-time.After(time.Millisecond):
			}
			if v := heapObjects(); v > h.peak.Load() {
				h.peak.Store(v)
			}
		}
	}()
	return h
}

// growth stops the sampler and says how far the heap grew past its start.
func (h *heapSampler) growth() uint64 {
	close(h.done)
	h.wg.Wait()
	return h.peak.Load() - h.base.Load()
}

// memoryResult is what the helper process measured.
type memoryResult struct {
	CaptureBytes int    // maxCaptureBytes
	Growth       uint64 // the heap's peak growth, bytes
	Answers      []string
	Held         int64 // bytes still held at the end
	CutShort     int   // answers saying their trace was cut short
}

// heapBound is what the heap may grow by while a Handler serves captures
// of any host: the traces it holds (maxCaptureBytes), the model of one of
// them (about three times its bytes, at most half the bound: x/exp/trace
// holds a generation whole, and strings of 1 KiB are many), the report
// being rendered and the pages being sent (about as much again), and as
// much again of garbage not yet collected (GOGC=100): twice four bounds.
func heapBound(captureBytes int) uint64 { return uint64(8 * captureBytes) }

// TestHandlerMemoryBound serves captures (reports and raw traces), several
// asked for at once, of a hostile host whose traces reach the bound, and
// asserts that the heap grew by no more than heapBound. (A flight
// recorder's own memory is the host's choice, FlightConfig.MaxBytes: see
// TestHandlerFlightBound for what a snapshot costs.)
func TestHandlerMemoryBound(t *testing.T) {
	if os.Getenv("VIZRUN_MEMORY_HELPER") == "1" {
		memoryHelper(t)
		return
	}
	if testing.Short() {
		t.Skip("runs a hostile host for a few seconds")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHandlerMemoryBound$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), "VIZRUN_MEMORY_HELPER=1", "GOGC=100")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	_, js, ok := strings.Cut(string(out), "RESULT ")
	var res memoryResult
	if !ok || json.Unmarshal([]byte(strings.SplitN(js, "\n", 2)[0]), &res) != nil {
		t.Fatalf("helper said nothing readable:\n%s", out)
	}
	t.Logf("heap grew by %.1f MiB (bound %.1f MiB) with traces bounded to %.1f MiB; answers %v, %d cut short",
		float64(res.Growth)/(1<<20), float64(heapBound(res.CaptureBytes))/(1<<20), float64(res.CaptureBytes)/(1<<20), res.Answers, res.CutShort)
	if res.Growth > heapBound(res.CaptureBytes) {
		t.Errorf("the heap grew by %d MiB, more than the bound of %d MiB", res.Growth>>20, heapBound(res.CaptureBytes)>>20)
	}
	if res.Held != 0 {
		t.Errorf("%d bytes of trace still held after every answer was sent", res.Held)
	}
	if res.CutShort == 0 {
		t.Error("no capture reached the bound: the test no longer exercises it")
	}
	// A hostile host may outrun the margin a capture keeps for what the
	// runtime still buffers when it ends: the trace is then cut before its
	// first generation ended, and the answer says so. Anything else fails.
	answered := 0
	for _, a := range res.Answers {
		switch {
		case strings.HasPrefix(a, "200"):
			answered++
		case !strings.HasPrefix(a, "500") || !strings.Contains(a, "cut short"):
			t.Errorf("an answer was %s", a)
		}
	}
	if answered == 0 {
		t.Error("no capture was answered")
	}
}

func memoryHelper(t *testing.T) {
	maxCaptureBytes = 16 << 20
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	stop := hostileHost(500)
	defer stop()
	time.Sleep(500 * time.Millisecond)
	h := startHeapSampler()

	var mu sync.Mutex
	var res memoryResult
	var wg sync.WaitGroup
	for _, path := range []string{
		"/trace?seconds=3", "/trace?seconds=3&format=trace", "/trace?seconds=0.5", "/trace?seconds=1",
	} {
		wg.Go(func() {
			for try := 0; ; try++ {
				resp, err := srv.Client().Get(srv.URL + path)
				if err != nil {
					t.Error(err)
					return
				}
				// Only the start of the answer is kept: the client's memory is
				// not the handler's.
				var head strings.Builder
				n, _ := io.Copy(&head, io.LimitReader(resp.Body, 64<<10))
				m, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				body := head.String()
				if resp.StatusCode == http.StatusTooManyRequests && try < 100 {
					time.Sleep(100 * time.Millisecond)
					continue
				}
				mu.Lock()
				res.Answers = append(res.Answers, fmt.Sprintf("%d %s %d bytes %.15q", resp.StatusCode, path, n+m, body[:min(len(body), 15)]))
				if resp.StatusCode != 200 {
					res.Answers[len(res.Answers)-1] += " " + strings.TrimSpace(body)
				}
				if strings.Contains(body, "cut short") {
					res.CutShort++
				}
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	res.Growth = h.growth()
	res.CaptureBytes = maxCaptureBytes
	res.Held = heldBytes()
	b, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", b)
}

// TestHandlerFlightBound: a snapshot of a flight recorder that keeps more
// than the handler may hold is cut at the handler's bound, and its memory
// is given back.
func TestHandlerFlightBound(t *testing.T) {
	defer func(n int) { maxCaptureBytes = n }(maxCaptureBytes)
	maxCaptureBytes = 1 << 20
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: time.Minute, MaxBytes: 64 << 20})
	if err := fr.Start(); err != nil {
		t.Fatal(err)
	}
	defer fr.Stop()
	stop := hostileHost(100)
	time.Sleep(300 * time.Millisecond)
	stop()
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/flight?format=trace")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(body) == 0 || len(body) > maxCaptureBytes/2 {
		t.Errorf("snapshot: %d, %d bytes; want 200 and at most %d", resp.StatusCode, len(body), maxCaptureBytes/2)
	}
	if n := heldBytes(); n != 0 {
		t.Errorf("%d bytes still held", n)
	}
	t.Logf("a snapshot of a flight recorder of 64 MiB sent %d bytes", len(body))
}

// BenchmarkHandlerCapture measures the heap a capture of a hostile host
// costs, from recording to the report sent: peak-heap-MiB is its peak
// growth, against the traces' bound maxCaptureBytes.
func BenchmarkHandlerCapture(b *testing.B) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()
	stop := hostileHost(1000)
	defer stop()
	var worst uint64
	for b.Loop() {
		h := startHeapSampler()
		resp, err := srv.Client().Get(srv.URL + "/trace?seconds=1")
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
		worst = max(worst, h.growth())
	}
	b.ReportMetric(float64(worst)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(maxCaptureBytes)/(1<<20), "trace-bound-MiB")
}
