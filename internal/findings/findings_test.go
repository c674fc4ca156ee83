package findings_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	rtrace "runtime/trace"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/workload"
	"github.com/vizrun/vizrun/tracer"
)

var record = flag.Bool("record", false, "re-record the workloads' traces into testdata/ (on a quiet machine)")

// analyze returns the findings of the trace of workload name, read from
// testdata/NAME.trace.gz: recorded once with -record (on a quiet machine,
// then committed), so that the findings tested are exact whatever the
// machine running the tests is doing.
func analyze(t *testing.T, name string, fn func()) (*parse.Trace, []findings.Finding) {
	t.Helper()
	path := filepath.Join("testdata", name+".trace.gz")
	if *record {
		data, err := workload.Capture(fn)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatalf("%v (go test -run %s -record records it)", err, t.Name())
	}
	if err := tr.Check(); err != nil {
		t.Errorf("invariants: %v", err)
	}
	fs := findings.Analyze(tr, findings.Default)
	for _, f := range fs {
		t.Logf("%s %s: %s", f.Level, f.Kind, f.Message)
	}
	return tr, fs
}

// kinds is the sorted set of finding kinds.
func kinds(fs []findings.Finding) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Kind) {
			out = append(out, f.Kind)
		}
	}
	slices.Sort(out)
	return out
}

func expect(t *testing.T, fs []findings.Finding, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := kinds(fs); !slices.Equal(got, want) {
		t.Errorf("findings %v, want exactly %v", got, want)
	}
	for _, f := range fs {
		if f.Message == "" || f.Title == "" || f.Level == "" || f.To < f.From {
			t.Errorf("incomplete finding %+v", f)
		}
	}
}

func TestWellBehavedHasNoFindings(t *testing.T) {
	_, fs := analyze(t, "well-behaved", func() {
		workload.CPU(100 * time.Millisecond)
		workload.ChanWait(30 * time.Millisecond)
		workload.WaitGroupWait(20 * time.Millisecond)
		workload.SelectTimer(20 * time.Millisecond)
		workload.Sleep(20 * time.Millisecond)
		workload.RWMutexWait(2, 5*time.Millisecond)
	})
	expect(t, fs)
}

func TestLeak(t *testing.T) {
	const n = 5
	quit := make(chan struct{})
	defer close(quit)
	tr, fs := analyze(t, "leak", func() {
		for range n {
			workload.Go("stuck", func() { <-quit })
		}
		time.Sleep(30 * time.Millisecond)
	})
	expect(t, fs, findings.KindLeak)
	if len(fs) != 1 {
		t.Fatalf("%d findings, want one grouping the %d goroutines", len(fs), n)
	}
	f := fs[0]
	if len(f.Goroutines) != n || !strings.Contains(f.Message, "5 goroutines (stuck)") || !strings.Contains(f.Message, "chan receive") {
		t.Errorf("leak finding: %+v", f)
	}
	if f.From <= 0 || f.To != tr.Duration {
		t.Errorf("leak finding points at [%d, %d], want from the blocking to the end %d", f.From, f.To, tr.Duration)
	}
}

func TestContention(t *testing.T) {
	contend := func(lock, unlock func()) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			workload.Go("locker", func() {
				defer wg.Done()
				for range 5 {
					lock()
					time.Sleep(5 * time.Millisecond)
					unlock()
				}
			})
		}
		wg.Wait()
	}
	t.Run("sync.Mutex", func(t *testing.T) {
		var mu sync.Mutex
		_, fs := analyze(t, "contention-sync-mutex", func() { contend(mu.Lock, mu.Unlock) })
		expect(t, fs, findings.KindContention)
		if f := fs[0]; !strings.Contains(f.Subject, "workload") && !strings.Contains(f.Subject, "findings_test") {
			t.Errorf("the contention is not attributed to the call site: %q", f.Subject)
		}
	})
	t.Run("named", func(t *testing.T) {
		mu := tracer.NewMutex("counter")
		_, fs := analyze(t, "contention-named", func() { contend(mu.Lock, mu.Unlock) })
		expect(t, fs, findings.KindContention)
		if len(fs) != 1 {
			t.Fatalf("%d findings, want the named lock once (not again by call site)", len(fs))
		}
		f := fs[0]
		if f.Subject != "mutex counter" || f.Severity != findings.Critical || len(f.Goroutines) == 0 {
			t.Errorf("named lock finding: %+v", f)
		}
		if !strings.Contains(strings.Join(f.Evidence, "\n"), "held by G") {
			t.Errorf("no holders in the evidence: %v", f.Evidence)
		}
	})
}

func TestSerialBottleneck(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs two Ps to have one idle")
	}
	_, fs := analyze(t, "serial", func() {
		items := make(chan int)
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			workload.Go("consumer", func() {
				defer wg.Done()
				for range items {
				}
			})
		}
		workload.Phase("produce", func() {
			for i := range 25 {
				workload.Spin(10 * time.Millisecond) // the only goroutine working
				items <- i
			}
		})
		close(items)
		wg.Wait()
	})
	expect(t, fs, findings.KindSerial)
}

// TestStall: requests in progress wait on a gate that lets one through
// every 100 ms (a rate limit): the program waits instead of working, and
// the finding names where. The same goroutines waiting with no task in
// progress (an idle pool) are not a stall.
func TestStall(t *testing.T) {
	const gap, n = 100 * time.Millisecond, 6
	tr, fs := analyze(t, "stall", func() {
		gate := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			workload.Go("request", func() {
				defer wg.Done()
				ctx, task := rtrace.NewTask(context.Background(), "request")
				defer task.End()
				rtrace.Log(ctx, "state", "waiting for the gate")
				<-gate
			})
		}
		for range n {
			time.Sleep(gap)
			gate <- struct{}{}
		}
		wg.Wait()
	})
	expect(t, fs, findings.KindStall)
	f := fs[0]
	// The gate held them back from the start for n gaps, minus the last
	// (one request left waits alone, under StallMinWaiting's 2 on average).
	if d := time.Duration(f.To - f.From); d < gap*(n-3) || d > gap*(n+1) {
		t.Errorf("stall of %v, want about %v", d, gap*(n-1))
	}
	if !strings.Contains(f.Subject, "findings_test.TestStall") || len(f.Goroutines) < n-1 {
		t.Errorf("stall subject %q, %d goroutines; want the requests' receive, %d of them", f.Subject, len(f.Goroutines), n)
	}
	for _, id := range f.Goroutines {
		if g := tr.Goroutine(parse.GoID(id)); g == nil || g.Name != "request" {
			t.Errorf("goroutine %d in the stall is not a request", id)
		}
	}
	if ev := strings.Join(f.Evidence, "\n"); !strings.Contains(ev, "tasks in progress, longest first: request (") {
		t.Errorf("evidence does not list the tasks in progress: %s", ev)
	}

	// Without tasks: an idle pool waiting for work is no stall.
	_, fs = analyze(t, "idle-pool", func() {
		work := make(chan struct{})
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			workload.Go("worker", func() {
				defer wg.Done()
				<-work
			})
		}
		time.Sleep(gap * n)
		close(work)
		wg.Wait()
	})
	expect(t, fs)
}

func TestCPUHogAndLatency(t *testing.T) {
	// On one P, a goroutine that keeps computing after waking another
	// (a send makes the receiver runnable) keeps it waiting until the
	// runtime preempts it, about every 10-20 ms.
	_, fs := analyze(t, "hog", func() {
		prev := runtime.GOMAXPROCS(1)
		defer runtime.GOMAXPROCS(prev)
		wake := make(chan int, 1000)
		done := make(chan struct{})
		workload.Go("woken", func() {
			for range wake {
			}
			close(done)
		})
		workload.Phase("hog", func() {
			for i := range 100 {
				workload.Spin(2 * time.Millisecond)
				wake <- i
			}
		})
		close(wake)
		<-done
	})
	expect(t, fs, findings.KindHog, findings.KindLatency)
}

func TestSyscallBound(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses nanosleep(2)")
	}
	_, fs := analyze(t, "syscall-bound", func() {
		done := make(chan struct{})
		workload.Go("sleeper-in-kernel", func() {
			ts := syscall.NsecToTimespec(int64(150 * time.Millisecond))
			syscall.Nanosleep(&ts, nil)
			close(done)
		})
		<-done
	})
	expect(t, fs, findings.KindSyscall)
}

func TestNetworkBound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skip("no loopback:", err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		time.Sleep(150 * time.Millisecond) // a slow server
		c.Write([]byte("reply"))
	}()
	_, fs := analyze(t, "network-bound", func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		io.ReadFull(c, make([]byte, 5))
	})
	expect(t, fs, findings.KindNetwork)
}

// TestGCPressure checks the GC rule on a model, since real GC pauses
// depend on the machine.
func TestGCPressure(t *testing.T) {
	tr := &parse.Trace{Duration: int64(time.Second), GOMAXPROCS: 2, Frames: []parse.Frame{{}}, Stacks: []parse.Stack{{}}}
	tr.GC = []parse.Window{
		{Start: 100e6, End: 200e6, Kind: parse.WindowGC},
		{Start: 150e6, End: 160e6, Kind: parse.WindowSTW, Reason: "GC mark termination"},
		{Start: 300e6, End: 301e6, Kind: parse.WindowSTW, Reason: "GC sweep termination"},
	}
	fs := findings.Analyze(tr, findings.Default)
	expect(t, fs, findings.KindGC)
	if fs[0].From != 150e6 || !strings.Contains(fs[0].Message, "10.0 ms") {
		t.Errorf("GC finding: %+v", fs[0])
	}
	// Raised thresholds silence it.
	raised := findings.Default
	raised.GCMaxPause = 50 * time.Millisecond
	if fs := findings.Analyze(tr, raised); len(fs) != 0 {
		t.Errorf("findings with raised thresholds: %v", kinds(fs))
	}
}

// TestGCAssistsOfLittleRunning: assists that are a large share of a small
// running time in a long trace slowed nothing (a user trial's loopback
// server: 11 ms of assists in 31 ms of running, 570 ms of wall time); the
// same assists in a short trace did.
func TestGCAssistsOfLittleRunning(t *testing.T) {
	for _, c := range []struct {
		wall time.Duration
		want bool
	}{{570 * time.Millisecond, false}, {100 * time.Millisecond, true}} {
		tr := &parse.Trace{Duration: int64(c.wall), GOMAXPROCS: 2, Frames: []parse.Frame{{}}, Stacks: []parse.Stack{{}}}
		tr.Goroutines = []*parse.Goroutine{{ID: 1, Name: "main.main", StartFunc: "main.main", Ended: -1,
			Totals: parse.Totals{Running: int64(31 * time.Millisecond), GCAssist: int64(11 * time.Millisecond)}}}
		fs := findings.Analyze(tr, findings.Default)
		if got := slices.ContainsFunc(fs, func(f findings.Finding) bool { return f.Kind == findings.KindGC }); got != c.want {
			t.Errorf("%v of wall time: GC finding %v, want %v (%v)", c.wall, got, c.want, kinds(fs))
		}
	}
}
