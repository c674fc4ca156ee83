package parse_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"net"
	"os"
	"path/filepath"
	rtrace "runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
	"github.com/vizrun/vizrun/internal/workload"
	"github.com/vizrun/vizrun/tracer"
)

var recordCausality = flag.Bool("record", false, "re-record the causality workloads' traces into testdata/causality (on a quiet machine)")

// causal returns the trace of workload name, recorded once with -record and
// committed: what the tests check is exact whatever the machine does.
func causal(t *testing.T, name string, fn func()) *parse.Trace {
	t.Helper()
	path := filepath.Join("testdata", "causality", name+".trace.gz")
	if *recordCausality {
		data, err := workload.Capture(fn)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(data)
		zw.Close()
		os.MkdirAll(filepath.Dir(path), 0o755)
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
	return tr
}

// segmentsOf sums the path's time by goroutine name and state.
func segmentsOf(tr *parse.Trace, p parse.Path) map[string]int64 {
	out := map[string]int64{}
	for _, s := range p.Segments {
		name := "?"
		if g := tr.Goroutine(s.G); g != nil {
			name = g.Name
		}
		key := name + " " + s.State.String()
		if s.State == parse.StateBlocked {
			key += " " + s.Reason.String()
		}
		out[key] += s.End - s.Start
	}
	return out
}

// TestCriticalPathChain: A waits on a channel that B sends on after B waits
// for a mutex that C holds for 50 ms: A's critical path is C's hold, then
// B's work, then A.
func TestCriticalPathChain(t *testing.T) {
	tr := causal(t, "chain", func() {
		var mu sync.Mutex
		ch := make(chan int)
		held := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(3)
		workload.Go("C", func() {
			defer wg.Done()
			mu.Lock()
			close(held)
			time.Sleep(50 * time.Millisecond)
			mu.Unlock()
		})
		workload.Go("B", func() {
			defer wg.Done()
			<-held
			mu.Lock()
			workload.Spin(2 * time.Millisecond)
			mu.Unlock()
			ch <- 1
		})
		workload.Go("A", func() {
			defer wg.Done()
			<-ch
			workload.Spin(time.Millisecond)
		})
		wg.Wait()
	})
	a := tracetest.One(t, tr, "A")
	p := tr.CriticalPath(a.ID, a.Created, a.Ended)
	seg := segmentsOf(tr, p)
	t.Logf("A's path: %v, %d hops", seg, p.Hops)
	if seg["C blocked sleep"] < int64(50*time.Millisecond) {
		t.Errorf("C's 50 ms hold (asleep with the lock) is not on A's path: %v", seg)
	}
	if seg["B running"] < int64(2*time.Millisecond) || seg["A running"] < int64(time.Millisecond) {
		t.Errorf("B's and A's work are not on A's path: %v", seg)
	}
	if seg["A blocked chan receive"] != 0 || seg["B blocked mutex"] != 0 {
		t.Errorf("waits that other goroutines ended are on the path instead of those goroutines: %v", seg)
	}
	// In time order: C's sleep, then B's work, then A's.
	order := []string{}
	for _, s := range p.Segments {
		if g := tr.Goroutine(s.G); g != nil && (len(order) == 0 || order[len(order)-1] != g.Name) {
			order = append(order, g.Name)
		}
	}
	if i, j, k := indexOf(order, "C"), indexOf(order, "B"), lastIndexOf(order, "A"); i < 0 || j < i || k < j {
		t.Errorf("path order %v, want C before B before A", order)
	}
	if p.Hops < 2 {
		t.Errorf("%d hops, want at least A->B->C", p.Hops)
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func lastIndexOf(s []string, v string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// TestCriticalPathFanOut: a request fanned out to three goroutines waits
// for all of them; the slowest decides its end, and only it is on the path.
func TestCriticalPathFanOut(t *testing.T) {
	tr := causal(t, "fanout", func() {
		workload.Phase("request", func() {
			var wg sync.WaitGroup
			for _, b := range []struct {
				name string
				d    time.Duration
			}{{"fast", 10 * time.Millisecond}, {"medium", 20 * time.Millisecond}, {"slow", 60 * time.Millisecond}} {
				wg.Add(1)
				workload.Go(b.name, func() {
					defer wg.Done()
					time.Sleep(b.d)
				})
			}
			wg.Wait()
		})
	})
	r := tracetest.Region(t, tr, "request")
	p := tr.CriticalPath(r.Goroutine, r.Start, r.End)
	seg := segmentsOf(tr, p)
	t.Logf("request's path: %v", seg)
	if seg["slow blocked sleep"] < int64(60*time.Millisecond) {
		t.Errorf("the slowest branch's 60 ms is not on the path: %v", seg)
	}
	if seg["fast blocked sleep"]+seg["medium blocked sleep"] != 0 {
		t.Errorf("a faster branch is on the path: %v", seg)
	}
	if l := p.Length(); l > r.End-r.Start || l < (r.End-r.Start)*9/10 {
		t.Errorf("the path covers %v of a %v region", time.Duration(l), time.Duration(r.End-r.Start))
	}
}

// TestCriticalPathTimersAndNetwork: waits that a timer or the network poller
// ended are the ends of the path, kept with their source.
func TestCriticalPathTimers(t *testing.T) {
	tr := causal(t, "timer", func() {
		workload.Phase("nap", func() { time.Sleep(20 * time.Millisecond) })
	})
	r := tracetest.Region(t, tr, "nap")
	p := tr.CriticalPath(r.Goroutine, r.Start, r.End)
	var sleep int64
	for _, s := range p.Segments {
		if s.State == parse.StateBlocked && s.Reason == parse.ReasonSleep {
			sleep += s.End - s.Start
			if s.Wake != parse.WakeTimer {
				t.Errorf("a sleep woken by %v, want the timer", s.Wake)
			}
		}
	}
	if sleep < int64(20*time.Millisecond) || p.Hops != 0 {
		t.Errorf("path: %d ns asleep, %d hops; want the 20 ms sleep itself, no hop", sleep, p.Hops)
	}
}

// TestUnnamedHolders: for plain sync.Mutex waits, who woke the waiter is who
// held the lock. The same workload through tracer.NewMutex, whose own
// records are ground truth, agrees on at least 95% of the blame.
func TestUnnamedHolders(t *testing.T) {
	mu := tracer.NewMutex("counter")
	tr := causal(t, "holders", func() {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			workload.Go("locker", func() {
				defer wg.Done()
				for range 5 {
					mu.Lock()
					workload.Spin(3 * time.Millisecond)
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	})
	named := tracetest.Resource(t, tr, parse.KindMutex, "counter")
	var site *parse.Site
	for i := range tr.Sites {
		if tr.Sites[i].Reason == parse.ReasonMutex && len(tr.Sites[i].Holders) > 0 {
			site = &tr.Sites[i]
			break
		}
	}
	if site == nil {
		t.Fatal("no holders inferred for the mutex's waits")
	}
	truth := map[parse.GoID]int64{}
	var total int64
	for _, h := range named.Holders {
		truth[h.G] = h.Blame
		total += h.Blame
	}
	var agree int64
	for _, h := range site.Holders {
		agree += min(h.Blame, truth[h.G])
	}
	if total == 0 || float64(agree) < 0.95*float64(total) {
		t.Errorf("inferred holders agree with the named lock's on %d of %d ns (want 95%%): named %v, inferred %v", agree, total, named.Holders, site.Holders)
	}
	for _, h := range site.Holders {
		if h.Release == 0 {
			t.Errorf("holder G%d without a release site", h.G)
		}
	}
}

// TestCriticalPathWorkerPool: a WaitGroup waits for the last of four
// workers; the last one's work is on the path, the others' is not.
func TestCriticalPathWorkerPool(t *testing.T) {
	tr := causal(t, "pool", func() {
		workload.Phase("batch", func() {
			var wg sync.WaitGroup
			for i := range 4 {
				wg.Add(1)
				name := "early"
				if i == 3 {
					name = "last"
				}
				workload.Go(name, func() {
					defer wg.Done()
					time.Sleep(time.Duration(5+i*10) * time.Millisecond)
					workload.Spin(time.Millisecond)
				})
			}
			wg.Wait()
		})
	})
	r := tracetest.Region(t, tr, "batch")
	p := tr.CriticalPath(r.Goroutine, r.Start, r.End)
	seg := segmentsOf(tr, p)
	t.Logf("batch's path: %v", seg)
	if seg["last blocked sleep"] < int64(35*time.Millisecond) || seg["last running"] < int64(time.Millisecond) {
		t.Errorf("the last worker's sleep and work are not on the path: %v", seg)
	}
	if seg["early blocked sleep"]+seg["early running"] != 0 {
		t.Errorf("an earlier worker is on the path: %v", seg)
	}
}

// TestCriticalPathNetwork: a wait the network poller ended stays on the
// path, as a network wait.
func TestCriticalPathNetwork(t *testing.T) {
	tr := causal(t, "network", func() {
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
			time.Sleep(30 * time.Millisecond)
			c.Write([]byte("x"))
			c.Close()
		}()
		workload.Phase("call", func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			c.Read(make([]byte, 1))
		})
	})
	r := tracetest.Region(t, tr, "call")
	p := tr.CriticalPath(r.Goroutine, r.Start, r.End)
	var netWait int64
	for _, s := range p.Segments {
		if s.State == parse.StateBlocked && s.Reason == parse.ReasonNetwork {
			netWait += s.End - s.Start
			if s.Wake != parse.WakeNetwork {
				t.Errorf("a network wait ended by %v, want the network poller", s.Wake)
			}
		}
	}
	if netWait < int64(25*time.Millisecond) {
		t.Errorf("%v of network wait on the call's path, want the ~30 ms the server took", time.Duration(netWait))
	}
}

// TestCriticalPathIdleReader: a client whose reader goroutine has waited on
// the network since before the request (a keep-alive or client library's
// reader) asks after 20 ms of work, and the reader hands it the answer.
// Only the reader's wait since the request is on the client's path: the
// client's own 20 ms of work before it is too (vizrun said the whole path
// was the reader's network wait).
func TestCriticalPathIdleReader(t *testing.T) {
	tr := causal(t, "idle-reader", func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Skip("no loopback:", err)
		}
		defer ln.Close()
		client, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Skip("no loopback:", err)
		}
		defer client.Close()
		server, err := ln.Accept()
		if err != nil {
			t.Skip("no loopback:", err)
		}
		defer server.Close()
		replies := make(chan byte)
		workload.Go("reader", func() {
			buf := make([]byte, 1)
			for {
				if _, err := client.Read(buf); err != nil {
					return
				}
				replies <- buf[0]
			}
		})
		workload.Go("server", func() {
			buf := make([]byte, 1)
			if _, err := server.Read(buf); err == nil {
				time.Sleep(10 * time.Millisecond)
				server.Write(buf)
			}
		})
		time.Sleep(5 * time.Millisecond) // the reader waits from here on
		workload.Phase("ask", func() {
			workload.Spin(20 * time.Millisecond)
			client.Write([]byte{1})
			<-replies
		})
	})
	r := tracetest.Region(t, tr, "ask")
	p := tr.CriticalPath(r.Goroutine, r.Start, r.End)
	seg := segmentsOf(tr, p)
	t.Logf("the client's path: %v, %d hops", seg, p.Hops)
	var netWait, running int64
	for _, s := range p.Segments {
		switch {
		case s.State == parse.StateBlocked && s.Reason == parse.ReasonNetwork:
			netWait += s.End - s.Start
		case s.State == parse.StateRunning && s.G == r.Goroutine:
			running += s.End - s.Start
		}
	}
	if running < int64(19*time.Millisecond) {
		t.Errorf("%v of the client's own running on its path, want its ~20 ms of work", time.Duration(running))
	}
	// The reader's wait since the request: the server's 10 ms, not the
	// 20 ms of the client's work before it.
	if netWait < int64(9*time.Millisecond) || netWait >= int64(19*time.Millisecond) {
		t.Errorf("%v of network wait on the path, want the ~10 ms since the request", time.Duration(netWait))
	}
	if p.Length() != p.To-p.From {
		t.Errorf("the path covers %v of [%d, %d)", time.Duration(p.Length()), p.From, p.To)
	}
}

// pollSink keeps the poller's allocations alive.
var pollSink []byte

// TestCriticalPathPoller: main computes 100 ms, then closes a channel that
// a background loop polls without blocking (allocating as it goes, so that
// it waits on the GC now and then), and waits for the loop to answer. The
// loop ran all along but computed nothing main waited for: main's own work
// decided the end (a user trial's program: vizrun gave the loop 100% of
// the path).
func TestCriticalPathPoller(t *testing.T) {
	tr := causal(t, "poller", func() {
		stop, done := make(chan struct{}), make(chan struct{})
		workload.Go("poller", func() {
			for {
				select {
				case <-stop:
					close(done)
					return
				default:
				}
				pollSink = make([]byte, 4<<10)
				workload.Spin(50 * time.Microsecond)
			}
		})
		time.Sleep(5 * time.Millisecond) // the poller runs from here on
		workload.Phase("compute", func() {
			workload.Spin(100 * time.Millisecond)
			close(stop)
			<-done
		})
	})
	r := tracetest.Region(t, tr, "compute")
	p := tr.CriticalPath(r.Goroutine, r.Start, r.End)
	var own, poller int64
	for _, s := range p.Segments {
		if s.State != parse.StateBlocked && s.State != parse.StateSyscall {
			if s.G == r.Goroutine {
				own += s.End - s.Start
			} else {
				poller += s.End - s.Start
			}
		}
	}
	t.Logf("the region's path: %v, %d hops", segmentsOf(tr, p), p.Hops)
	if d := r.End - r.Start; own < d*9/10 || poller > d/10 {
		t.Errorf("main's own work %v and the poller's %v on the path of %v, want main's work all but the hand-over", time.Duration(own), time.Duration(poller), time.Duration(d))
	}
}

// TestLateSystemName: a goroutine that waits, and only then names itself
// as vizrun's (vizrun run's deadlock watch does), is a runtime goroutine:
// its wait is no call site of the program's, and the call sites still add
// up to the program's blocked time (Trace.Check). A user trial's trace had
// the watch's 345 µs GC wait at a call site.
func TestLateSystemName(t *testing.T) {
	tr := causal(t, "late-system", func() {
		ready := make(chan struct{})
		done := make(chan struct{})
		go func() {
			<-ready // blocks before its name says what it is
			rtrace.Log(context.Background(), parse.LogName, parse.SystemName+"late")
			close(done)
		}()
		time.Sleep(20 * time.Millisecond)
		close(ready)
		<-done
	})
	for _, s := range tr.Sites {
		if f := tr.Frames[s.Frame].Func; strings.Contains(f, "TestLateSystemName.func1.1") {
			t.Errorf("the late-named goroutine's wait is a call site: %s %s %v", f, s.Reason, time.Duration(s.Total))
		}
	}
	named := 0
	for _, g := range tr.Goroutines {
		if g.Label == parse.SystemName+"late" {
			named++
			if !g.System {
				t.Errorf("G%d named %q is not a runtime goroutine", g.ID, g.Label)
			}
		}
	}
	if named != 1 {
		t.Fatalf("%d goroutines named %slate, want 1", named, parse.SystemName)
	}
}

// TestPacedWorkers: a producer sleeps 2 ms before each of 100 jobs; four
// workers take them from a channel and compute 1 ms each. The workers ran
// more than the producer, but it paced them: their waits were ended by it.
// So the region's path (the producer's sleeps) stands for the work, and
// the waterfall blames the sleeps, not the workers' channel receives (a
// user trial: "chan receive 54%" beside a path of "sleep 99%").
func TestPacedWorkers(t *testing.T) {
	tr := causal(t, "paced", func() {
		jobs := make(chan int)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			workload.Go("worker", func() {
				defer wg.Done()
				for range jobs {
					workload.Spin(time.Millisecond)
				}
			})
		}
		workload.Phase("produce", func() { // the work: a region, whose path is walked
			for i := range 100 {
				time.Sleep(2 * time.Millisecond)
				jobs <- i
			}
			close(jobs)
			wg.Wait()
		})
	})
	if !tr.WorkPaths().StandsForWork() {
		t.Error("the paced workers' path does not stand for the work")
	}
	w := tr.Waterfall
	if w.Blocked[parse.ReasonSleep] <= 2*w.Blocked[parse.ReasonChanRecv] {
		t.Errorf("waterfall: sleep %v, chan receive %v; want the producer's sleeps first", time.Duration(w.Blocked[parse.ReasonSleep]), time.Duration(w.Blocked[parse.ReasonChanRecv]))
	}
}
