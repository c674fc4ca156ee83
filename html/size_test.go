package html

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// namedLocksTrace is the model issue 15 found a 36 MiB report for: n
// goroutines, each with its own named mutex, every name 1 KiB (the
// runtime's limit), each goroutine in a group of its own; and tasks,
// regions and logs with 1 KiB names and messages.
func namedLocksTrace(n int) *parse.Trace {
	const step = 10_000 // ns between goroutines
	pad := strings.Repeat("x", 1000)
	tr := &parse.Trace{Duration: int64(n)*step + 1_000_000, GOMAXPROCS: 2, Frames: []parse.Frame{{},
		{Func: "sync.(*Mutex).Lock", File: "/go/src/sync/mutex.go", Line: 90},
		{Func: "main.worker", File: "/app/main.go", Line: 12}},
		Stacks: []parse.Stack{{}, {Frames: []parse.FrameID{1, 2}}}, RawReasons: []string{""}, Events: int64(n) * 20, Generations: 5}
	tr.Procs = []parse.Proc{{ID: 0}, {ID: 1}}
	for i := range n {
		start := int64(i) * step
		name := fmt.Sprintf("locker-%d-%s", i, pad)
		g := &parse.Goroutine{ID: parse.GoID(i + 1), Name: name, Group: i, Created: start, Ended: start + 6000, End: parse.EndExited}
		g.Spans = []parse.Span{
			{Start: start, End: start + 1000, State: parse.StateRunning},
			{Start: start + 1000, End: start + 5000, State: parse.StateBlocked, Reason: parse.ReasonMutex, Stack: 1},
			{Start: start + 5000, End: start + 6000, State: parse.StateRunning},
		}
		g.Totals.Running, g.Totals.Blocked[parse.ReasonMutex], g.Totals.Waits = 2000, 4000, 1
		tr.Goroutines = append(tr.Goroutines, g)
		tr.Groups = append(tr.Groups, parse.Group{Name: name, Goroutines: []parse.GoID{g.ID}, Totals: g.Totals})
		p := &tr.Procs[i%2]
		p.Spans = append(p.Spans, parse.ProcSpan{Start: start, End: start + 1000, G: g.ID}, parse.ProcSpan{Start: start + 5000, End: start + 6000, G: g.ID})
		p.Busy += 2000
		r := parse.Resource{Kind: parse.KindMutex, Name: fmt.Sprintf("lock-%d-%s", i, pad), Waiters: 1, Idle: 100,
			Holders: []parse.Holder{{G: g.ID, Blame: 4000}}}
		r.Ops[parse.OpLock] = parse.OpStats{Waits: 1, Total: 4000, Max: 4000, MaxAt: start + 1000}
		r.Hist.Add(4000)
		tr.Resources = append(tr.Resources, r)
		tr.WaitHist[parse.ReasonMutex].Add(4000)
		if i < parse.KeepAnnotations {
			tr.Tasks = append(tr.Tasks, parse.Task{ID: parse.TaskID(i + 1), Type: "task-" + pad, Start: start, End: start + 6000, Goroutine: g.ID})
			tr.Regions = append(tr.Regions, parse.Region{Goroutine: g.ID, Type: fmt.Sprintf("region-%d-%s", i%1000, pad), Start: start, End: start + 5000})
			tr.Logs = append(tr.Logs, parse.Log{Time: start, Goroutine: g.ID, Category: "cat-" + pad, Message: "msg-" + pad})
		}
	}
	for i := range 1000 {
		ts := parse.TypeStats{Type: fmt.Sprintf("region-%d-%s", i, pad), Count: int64(n / 1000), Total: int64(n/1000) * 5000, Max: 5000}
		ts.Hist.Add(5000)
		tr.RegionTypes = append(tr.RegionTypes, ts)
	}
	tr.TaskTypes = []parse.TypeStats{{Type: "task-" + pad, Count: int64(n), Total: int64(n) * 6000, Max: 6000}}
	tr.Sites = []parse.Site{{Frame: 2, Reason: parse.ReasonMutex, Count: int64(n), Total: int64(n) * 4000, Max: 4000, Stack: 1}}
	tr.Created, tr.MaxAlive = n, 1
	tr.Parallel = parse.Series{Width: tr.Duration, N: 1}
	for d := range tr.Parallel.Sum {
		tr.Parallel.Sum[d] = []int64{0}
	}
	tr.Waterfall = parse.Waterfall{Capacity: 2 * tr.Duration, User: int64(n) * 2000, Idle: 2*tr.Duration - int64(n)*2000}
	return tr
}

// TestReportSizeBound: the report of the 100k-named-locks model stays
// under the README's 10 MB, with every table's totals still exact.
func TestReportSizeBound(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 20_000
	}
	tr := namedLocksTrace(n)
	s := summary.Build(tr, "")
	var w countWriter
	if err := Render(&w, tr, s, Options{}); err != nil {
		t.Fatal(err)
	}
	if w > 10<<20 {
		t.Errorf("report of %d named locks is %.1f MiB, over 10 MB", n, float64(w)/(1<<20))
	}
	t.Logf("%d goroutines, named locks and groups with 1 KiB names: report %.2f MiB", n, float64(w)/(1<<20))

	// The long tail is summed, not dropped.
	b := newBuilder(tr, s, &Options{MaxRows: 300})
	b.buildResources()
	rows := b.v.Resources
	if len(rows) != maxNamed+1 || !rows[maxNamed].Rest {
		t.Fatalf("%d resource rows, want %d and a row for the rest", len(rows), maxNamed+1)
	}
	var waits int64
	for _, r := range rows {
		waits += r.Waits
	}
	if waits != int64(n) {
		t.Errorf("the resource rows count %d waits, want %d", waits, n)
	}
}

// BenchmarkRenderNamedLocks measures the memory rendering the
// 100k-named-locks model takes: B/op (allocated), peak-MB (the most heap in
// use above what the model and its analysis hold, sampled every
// millisecond) and the report's size.
func BenchmarkRenderNamedLocks(b *testing.B) {
	tr := namedLocksTrace(100_000)
	s := summary.Build(tr, "")
	b.ReportAllocs()
	var size countWriter
	var peak uint64
	for b.Loop() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		done := make(chan uint64)
		stop := make(chan struct{})
		go func() {
			var top uint64
			t := time.NewTicker(time.Millisecond)
			defer t.Stop()
			for {
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				top = max(top, m.HeapInuse)
				select {
				case <-stop:
					done <- top
					return
				case <-t.C:
				}
			}
		}()
		size = 0
		if err := Render(&size, tr, s, Options{}); err != nil {
			b.Fatal(err)
		}
		close(stop)
		if top := <-done; top > base {
			peak = max(peak, top-base)
		}
	}
	b.ReportMetric(float64(size)/(1<<20), "html-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}
