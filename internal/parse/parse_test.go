package parse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	rtrace "runtime/trace"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	xtrace "golang.org/x/exp/trace"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/workload"
)

func TestMain(m *testing.M) {
	workload.MaybeHelper()
	os.Exit(m.Run())
}

// capture traces fn and parses the result.
func capture(t *testing.T, fn func()) *parse.Trace {
	t.Helper()
	data, err := workload.Capture(fn)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tr)
	return tr
}

// named returns the goroutines with the given name; at least one must exist.
func named(t *testing.T, tr *parse.Trace, name string) []*parse.Goroutine {
	t.Helper()
	var out []*parse.Goroutine
	for _, g := range tr.Goroutines {
		if g.Name == name {
			out = append(out, g)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no goroutine named %q", name)
	}
	return out
}

func ms(d int64) time.Duration { return time.Duration(d) }

// within checks lo <= got <= hi.
func within(t *testing.T, what string, got, lo, hi time.Duration) {
	t.Helper()
	if got < lo || got > hi {
		t.Errorf("%s = %v, want between %v and %v", what, got, lo, hi)
	} else {
		t.Logf("%s = %v", what, got)
	}
}

// checkInvariants asserts what must hold for any model.
func checkInvariants(t *testing.T, tr *parse.Trace) {
	t.Helper()
	for _, g := range tr.Goroutines {
		var tot parse.Totals
		for i, s := range g.Spans {
			if s.End < s.Start || s.Start < 0 || s.End > tr.Duration {
				t.Fatalf("G%d span %d out of order: %+v (trace %d ns)", g.ID, i, s, tr.Duration)
			}
			if i > 0 && g.Spans[i-1].End != s.Start {
				t.Fatalf("G%d spans %d and %d are not contiguous: %+v %+v", g.ID, i-1, i, g.Spans[i-1], s)
			}
			if s.State == parse.StateBlocked && s.Reason == parse.ReasonNone {
				t.Fatalf("G%d blocked span without a reason: %+v", g.ID, s)
			}
			d := s.End - s.Start
			switch s.State {
			case parse.StateRunning:
				tot.Running += d
			case parse.StateRunnable:
				tot.Runnable += d
			case parse.StateSyscall:
				tot.Syscall += d
			case parse.StateBlocked:
				tot.Blocked[s.Reason] += d
			}
		}
		if tot.Running != g.Totals.Running || tot.Runnable != g.Totals.Runnable || tot.Syscall != g.Totals.Syscall || tot.Blocked != g.Totals.Blocked {
			t.Fatalf("G%d totals %+v do not match its spans %+v", g.ID, g.Totals, tot)
		}
		if g.Name == "" {
			t.Fatalf("G%d has no name", g.ID)
		}
	}
	for _, p := range tr.Procs {
		var busy int64
		for i, s := range p.Spans {
			if s.End < s.Start || (i > 0 && s.Start < p.Spans[i-1].End) {
				t.Fatalf("P%d spans overlap or are out of order at %d", p.ID, i)
			}
			busy += s.End - s.Start
		}
		if busy != p.Busy {
			t.Fatalf("P%d busy %d != sum of spans %d", p.ID, p.Busy, busy)
		}
	}
	// The series integrates exactly the spans of user goroutines.
	var running, sumSeries int64
	for _, g := range tr.Goroutines {
		if !g.System {
			running += g.Totals.Running
		}
	}
	for _, v := range tr.Parallel.Sum[parse.DimRunning] {
		sumSeries += v
	}
	if running != sumSeries {
		t.Fatalf("series running integral %d != user running total %d", sumSeries, running)
	}
	// The waterfall's parts add up to its capacity.
	w := tr.Waterfall
	parts := w.User + w.Runtime + w.Runnable + w.BlockedTotal() + w.PathOnly + w.Idle
	if d := parts - w.Capacity; d < -8 || d > 8 {
		t.Fatalf("waterfall parts %d != capacity %d (%+v)", parts, w.Capacity, w)
	}
	if capFull := int64(tr.AvgGOMAXPROCS() * float64(tr.Duration)); w.Capacity > capFull+8 || w.Capacity < capFull-8 {
		t.Fatalf("waterfall capacity %d, want about GOMAXPROCS × duration = %d", w.Capacity, capFull)
	}
}

func TestChanReceive(t *testing.T) {
	tr := capture(t, func() { workload.ChanWait(100 * time.Millisecond) })
	g := named(t, tr, "receiver")[0]
	// At least the sender's sleep; how much longer depends on the machine
	// (a busy one stops the process for hundreds of milliseconds): at
	// most the trace.
	within(t, "receiver blocked on chan receive", ms(g.Totals.Blocked[parse.ReasonChanRecv]), 90*time.Millisecond, ms(tr.Duration))
	if g.End != parse.EndExited {
		t.Errorf("receiver end = %v, want exited", g.End)
	}
	if g.Parent == 0 || g.CreateStack == 0 {
		t.Errorf("receiver has no parent (%d) or creation stack (%d)", g.Parent, g.CreateStack)
	}
}

func TestMutexContention(t *testing.T) {
	const n, hold = 4, 20 * time.Millisecond
	tr := capture(t, func() { workload.MutexContention(n, hold) })
	lockers := named(t, tr, "locker")
	if len(lockers) != n {
		t.Fatalf("%d lockers, want %d", len(lockers), n)
	}
	var total int64
	for _, g := range lockers {
		if g.Totals.Blocked[parse.ReasonMutex] < int64(hold*9/10) {
			t.Errorf("G%d waited %v on the mutex, want >= %v", g.ID, ms(g.Totals.Blocked[parse.ReasonMutex]), hold*9/10)
		}
		if o := g.Totals.Blocked[parse.ReasonOther]; o != 0 {
			t.Errorf("G%d has %v of unclassified waits; the mutex must not be reported as sync/other", g.ID, ms(o))
		}
		total += g.Totals.Blocked[parse.ReasonMutex]
	}
	// The k-th locker to get the lock waits for the k before it: 1+2+...+n
	// holds at least. How much longer depends on the machine's load, so
	// the upper bound is the trace's own: no wait outlasts the trace.
	lo := hold * n * (n + 1) / 2 * 8 / 10
	if ms(total) < lo || total > int64(n)*tr.Duration {
		t.Errorf("total mutex wait = %v, want at least %v and at most %d × the trace's %v", ms(total), lo, n, ms(tr.Duration))
	}
	// The lock went from one locker to the next, each holding it for its
	// sleep: the waits ended one after the other, at least a hold apart.
	var ends []int64
	for _, g := range lockers {
		var end int64
		for _, s := range g.Spans {
			if s.State == parse.StateBlocked && s.Reason == parse.ReasonMutex {
				end = max(end, s.End)
			}
		}
		ends = append(ends, end)
	}
	slices.Sort(ends)
	for i := 1; i < len(ends); i++ {
		if gap := ms(ends[i] - ends[i-1]); gap < hold*9/10 {
			t.Errorf("mutex waits %d and %d ended %v apart, want at least the hold of %v", i, i+1, gap, hold)
		}
	}
	t.Logf("total mutex wait %v; waits ended at %v", ms(total), ends)
	grp := tr.Groups[lockers[0].Group]
	if grp.Name != "locker" || len(grp.Goroutines) != n || grp.Totals.Blocked[parse.ReasonMutex] != total {
		t.Errorf("group %q has %d goroutines and %v mutex wait, want locker/%d/%v", grp.Name, len(grp.Goroutines), ms(grp.Totals.Blocked[parse.ReasonMutex]), n, ms(total))
	}
	// The blocking call site is the workload, not sync or the runtime.
	var found bool
	for _, s := range tr.Sites {
		if s.Reason == parse.ReasonMutex && strings.Contains(tr.Frames[s.Frame].Func, "workload.MutexContention") {
			found = true
			if s.Count < n {
				t.Errorf("mutex site counts %d waits, want >= %d", s.Count, n)
			}
		}
	}
	if !found {
		t.Errorf("no mutex blocking site in workload.MutexContention; sites: %v", siteNames(tr))
	}
}

func siteNames(tr *parse.Trace) []string {
	var out []string
	for _, s := range tr.Sites {
		out = append(out, tr.Frames[s.Frame].Func+"/"+s.Reason.String())
	}
	return out
}

func TestRWMutexWaitGroupSleepSelect(t *testing.T) {
	const d = 50 * time.Millisecond
	tr := capture(t, func() {
		workload.RWMutexWait(2, d)
		workload.WaitGroupWait(d)
		workload.Sleep(d)
		workload.SelectTimer(d)
	})
	for _, c := range []struct {
		name   string
		reason parse.Reason
	}{
		{"reader", parse.ReasonRWMutex},
		{"wg-waiter", parse.ReasonWaitGroup},
		{"sleeper", parse.ReasonSleep},
		{"selector", parse.ReasonSelect},
	} {
		for _, g := range named(t, tr, c.name) {
			within(t, c.name+" blocked on "+c.reason.String(), ms(g.Totals.Blocked[c.reason]), d*9/10, ms(tr.Duration))
			if o := g.Totals.BlockedTotal() - g.Totals.Blocked[c.reason]; o > int64(d/10) {
				t.Errorf("%s: %v blocked for other reasons", c.name, ms(o))
			}
		}
	}
}

func TestParallelismDuringCPUWork(t *testing.T) {
	const d = 200 * time.Millisecond
	tr := capture(t, func() { workload.CPU(d) })
	var cpu *parse.Region
	for i := range tr.Regions {
		if tr.Regions[i].Type == "cpu" {
			cpu = &tr.Regions[i]
		}
	}
	if cpu == nil {
		t.Fatal("no cpu region")
	}
	procs := runtime.GOMAXPROCS(0)
	if tr.GOMAXPROCS != procs {
		t.Errorf("GOMAXPROCS = %d, want %d", tr.GOMAXPROCS, procs)
	}
	// Each spinner spins d of wall time; how much of it the trace shows
	// running depends on whether the OS let the runtime's threads run, so
	// the expectations come from the trace: the average parallelism of the
	// phase is its user goroutines' running time inside it over its length,
	// at most GOMAXPROCS, and the spinners did run side by side.
	spinners := named(t, tr, "spinner")
	if len(spinners) != procs {
		t.Fatalf("%d spinners, want one per P (%d)", len(spinners), procs)
	}
	phase := cpu.End - cpu.Start
	var spun int64
	for _, g := range spinners {
		var in int64
		for _, s := range g.Spans {
			if s.State == parse.StateRunning {
				in += max(0, min(s.End, cpu.End)-max(s.Start, cpu.Start))
			}
		}
		spun += in
		// It wanted the CPU for all of d: running, or runnable waiting
		// for a P. (Its running may go on a little past the phase: it can
		// still be on its way out, after its wg.Done, when the phase
		// ends.)
		if r := g.Totals.Running + g.Totals.Runnable; ms(r) < d*9/10 || in == 0 {
			t.Errorf("G%d: running %v (%v inside the phase of %v) and runnable %v, want at least %v between them, some inside",
				g.ID, ms(g.Totals.Running), ms(in), ms(phase), ms(g.Totals.Runnable), d*9/10)
		}
	}
	avg := tr.AvgRunning(cpu.Start, cpu.End)
	if low := float64(spun) / float64(phase); avg < low-1e-9 || avg > float64(procs)+0.01 {
		t.Errorf("average parallelism during the CPU phase = %.2f, want at least the spinners' %.2f and at most GOMAXPROCS=%d", avg, low, procs)
	}
	if procs >= 2 {
		var both int64
		for _, a := range spinners[0].Spans {
			for _, b := range spinners[1].Spans {
				if a.State == parse.StateRunning && b.State == parse.StateRunning {
					both += max(0, min(a.End, b.End)-max(a.Start, b.Start))
				}
			}
		}
		if both == 0 {
			t.Errorf("two spinners never ran at the same time with GOMAXPROCS=%d", procs)
		}
	}
	// The bucketed series says what the spans say over the buckets inside
	// the phase.
	s := tr.Parallel
	var sum float64
	var n int
	var first, last int64 = -1, -1
	for i := 0; i < s.N; i++ {
		if lo := int64(i) * s.Width; lo >= cpu.Start && lo+s.Width <= cpu.End {
			sum += s.Avg(parse.DimRunning, i)
			n++
			if first < 0 {
				first = lo
			}
			last = lo + s.Width
		}
	}
	if n == 0 {
		t.Fatalf("no bucket of %v inside the CPU phase of %v", time.Duration(s.Width), ms(phase))
	}
	if want := tr.AvgRunning(first, last); sum/float64(n) < want-0.01 || sum/float64(n) > want+0.01 {
		t.Errorf("series parallelism during the CPU phase = %.3f over %d buckets, the spans say %.3f", sum/float64(n), n, want)
	}
	t.Logf("parallelism %.2f (spans), %.2f (series, %d buckets of %v), GOMAXPROCS %d", avg, sum/float64(n), n, time.Duration(s.Width), procs)
}

func TestLeakCandidate(t *testing.T) {
	var release func()
	tr := capture(t, func() { release = workload.Leak() })
	release()
	var leaks []*parse.Goroutine
	for _, g := range tr.Leaks() {
		if g.Name == "leaker" {
			leaks = append(leaks, g)
		}
		if g.System {
			t.Errorf("system goroutine %q reported as a leak", g.Name)
		}
	}
	if len(leaks) != 1 {
		t.Fatalf("%d leakers among leak candidates, want 1", len(leaks))
	}
	g := leaks[0]
	if g.EndReason != parse.ReasonChanRecv {
		t.Errorf("leaker blocked on %v, want chan receive", g.EndReason)
	}
	var inLeak bool
	for _, f := range tr.StackFrames(g.EndStack) {
		inLeak = inLeak || strings.Contains(f.Func, "workload.Leak")
	}
	if !inLeak {
		t.Errorf("leaker's blocking stack does not show workload.Leak: %v", tr.StackFrames(g.EndStack))
	}
	if g.EndSince <= 0 || g.EndSince >= tr.Duration {
		t.Errorf("leaker blocked since %d, want inside the trace (0, %d)", g.EndSince, tr.Duration)
	}
	if tr.Groups[g.Group].Leaked != 1 {
		t.Errorf("group leaked = %d, want 1", tr.Groups[g.Group].Leaked)
	}
}

func TestTasksRegionsLogsAndNames(t *testing.T) {
	var release func()
	tr := capture(t, func() { release = workload.Mixed() })
	release()
	var task *parse.Task
	for i := range tr.Tasks {
		if tr.Tasks[i].Type == "request" {
			task = &tr.Tasks[i]
		}
	}
	if task == nil {
		t.Fatal("no request task")
	}
	var fetch *parse.Region
	for i := range tr.Regions {
		if tr.Regions[i].Type == "fetch" {
			fetch = &tr.Regions[i]
		}
	}
	if fetch == nil || fetch.Task != task.ID {
		t.Fatalf("fetch region %+v not in task %d", fetch, task.ID)
	}
	within(t, "fetch region", ms(fetch.End-fetch.Start), 5*time.Millisecond, ms(task.End-task.Start))
	if fetch.Start < task.Start || fetch.End > task.End {
		t.Errorf("fetch region [%d,%d] outside its task [%d,%d]", fetch.Start, fetch.End, task.Start, task.End)
	}
	var logged bool
	for _, l := range tr.Logs {
		if strings.HasPrefix(l.Category, parse.Prefix) {
			t.Errorf("tracer log %q listed among the program's logs", l.Category)
		}
		logged = logged || (l.Category == "user" && l.Message == "fetching" && l.Task == task.ID)
	}
	if !logged {
		t.Error("user log not found")
	}
	// Names given with the tracer's convention win over start functions.
	for _, name := range []string{"receiver", "locker", "reader", "wg-waiter", "sleeper", "selector", "spinner", "leaker"} {
		for _, g := range named(t, tr, name) {
			if g.StartFunc == "" || g.StartFunc == g.Name {
				t.Errorf("G%d %q: start function %q", g.ID, g.Name, g.StartFunc)
			}
		}
	}
	if tr.Created < 10 || tr.MaxAlive < 2 {
		t.Errorf("created %d goroutines, max alive %d", tr.Created, tr.MaxAlive)
	}
	for _, g := range tr.Goroutines {
		if g.System && !strings.HasPrefix(g.StartFunc, "runtime") {
			t.Errorf("G%d %q (%s) marked system", g.ID, g.Name, g.StartFunc)
		}
	}
}

// generations records the mixed workload with a generation every 5 ms and
// parses it whole.
func generations(t *testing.T) ([]byte, *parse.Trace) {
	t.Helper()
	data, err := workload.CaptureGenerations(t.TempDir(), 5*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	full, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return data, full
}

func TestGenerationsAndTruncation(t *testing.T) {
	data, full := generations(t)
	checkInvariants(t, full)
	if full.Generations < 5 {
		t.Fatalf("%d generations, want many", full.Generations)
	}
	if len(full.Warnings) != 0 {
		t.Fatalf("warnings on a complete trace: %v", full.Warnings)
	}
	// Goroutines spanning several generations keep their identity and names.
	if g := named(t, full, "leaker"); len(g) != 1 || !g[0].Leaked() {
		t.Errorf("leaker across generations: %+v", g)
	}
	t.Logf("%d bytes, %d generations, %v", len(data), full.Generations, time.Duration(full.Duration))
	// Cut in the middle of a generation about 30%, 50%, 80% and 95% of the
	// way through the trace's generations (not of its bytes: how the bytes
	// fall into generations depends on the machine's speed, and a cut at a
	// fixed fraction can leave no complete generation).
	ends := parse.GenerationEnds(data)
	if len(ends) != full.Generations {
		t.Fatalf("%d generation ends, the reader saw %d generations", len(ends), full.Generations)
	}
	for _, frac := range []float64{0.3, 0.5, 0.8, 0.95} {
		k := min(max(1, int(float64(len(ends))*frac)), len(ends)-1) // complete generations kept
		at := ends[k-1] + (ends[k]-ends[k-1])/2
		tr, err := parse.Read(bytes.NewReader(data[:at]), parse.Options{})
		if err != nil {
			t.Errorf("cut at %.0f%% (byte %d, inside generation %d): %v", frac*100, at, k+1, err)
			continue
		}
		checkInvariants(t, tr)
		if len(tr.Warnings) < 1 || !strings.Contains(tr.Warnings[0], "truncated") || !strings.Contains(tr.Warnings[0], "could not be used") || !onlyUnjudged(tr.Warnings[1:]) {
			t.Errorf("cut at %.0f%%: warnings %q", frac*100, tr.Warnings)
			continue
		}
		if tr.Generations != k || tr.Duration >= full.Duration {
			t.Errorf("cut at %.0f%% after %d generations: %d generations, %v; full trace has %d, %v", frac*100, k, tr.Generations, time.Duration(tr.Duration), full.Generations, time.Duration(full.Duration))
		}
		t.Logf("cut at %.0f%% (byte %d of %d): %d generations, %v: %s", frac*100, at, len(data), tr.Generations, time.Duration(tr.Duration), tr.Warnings[0])
	}
}

func TestBadInput(t *testing.T) {
	data, err := workload.Capture(func() { workload.Sleep(time.Millisecond) })
	if err != nil {
		t.Fatal(err)
	}
	rnd := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range rnd {
		rnd[i] = byte(r.UintN(256))
	}
	header := data[:16]
	for _, c := range []struct {
		name, want string
		in         []byte
	}{
		{"empty", "input is empty", nil},
		{"random", "not a Go execution trace", rnd},
		{"text", "not a Go execution trace", []byte("hello, this is a text file\n")},
		{"header only", "no events", header},
		{"header and garbage", "no complete generation", append(append([]byte{}, header...), rnd...)},
		{"first bytes", "no complete generation", data[:len(data)/8]},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr, err := parse.Read(bytes.NewReader(c.in), parse.Options{})
			if err == nil {
				t.Fatalf("no error; model %+v", tr.Warnings)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
	if _, err := parse.Read(bytes.NewReader(rnd), parse.Options{}); !errors.Is(err, parse.ErrNotTrace) {
		t.Errorf("random bytes: %v, want ErrNotTrace", err)
	}
	dir := t.TempDir()
	if _, err := parse.ReadFile(filepath.Join(dir, "missing.trace"), parse.Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := parse.ReadFile(dir, parse.Options{}); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("directory: %v", err)
	}
}

func TestProgress(t *testing.T) {
	data, err := workload.Capture(func() { workload.Sleep(time.Millisecond) })
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	calls := 0
	_, err = parse.Read(bytes.NewReader(data), parse.Options{Progress: func(n int64) {
		if n < last {
			t.Errorf("progress went backwards: %d after %d", n, last)
		}
		last = n
		calls++
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls == 0 || last != int64(len(data)) {
		t.Errorf("progress: %d calls, last %d, want the whole %d bytes", calls, last, len(data))
	}
}

func TestGOMAXPROCSChanges(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	tr := capture(t, func() {
		time.Sleep(50 * time.Millisecond)
		runtime.GOMAXPROCS(procs + 2)
		time.Sleep(50 * time.Millisecond)
		runtime.GOMAXPROCS(procs)
	})
	if tr.GOMAXPROCS != procs+2 {
		t.Errorf("GOMAXPROCS = %d, want the largest, %d", tr.GOMAXPROCS, procs+2)
	}
	if len(tr.GOMAXPROCSChanges) < 3 {
		t.Fatalf("changes %+v, want at least 3", tr.GOMAXPROCSChanges)
	}
	// The two sleeps set how long each value was in force, and under load
	// they last longer than asked: the expectation comes from the recorded
	// changes. procs+2 was in force from its change to the next, for at
	// least the 50 ms sleep; the average is the changes integrated over the
	// trace, strictly between the two values.
	ch := tr.GOMAXPROCSChanges
	i := slices.IndexFunc(ch, func(c parse.Sample) bool { return c.Value == uint64(procs+2) })
	if i < 1 || i+1 >= len(ch) || ch[i-1].Value != uint64(procs) || ch[i+1].Value != uint64(procs) {
		t.Fatalf("changes %+v, want %d, then %d, then %d", ch, procs, procs+2, procs)
	}
	if d := ms(ch[i+1].Time - ch[i].Time); d < 45*time.Millisecond || ch[i+1].Time > tr.Duration {
		t.Errorf("GOMAXPROCS %d in force for %v (until %v of %v), want at least the 50ms sleep, inside the trace", procs+2, d, ms(ch[i+1].Time), ms(tr.Duration))
	}
	var sum float64
	for j, c := range ch {
		from, to := c.Time, tr.Duration
		if j == 0 {
			from = 0
		}
		if j+1 < len(ch) {
			to = ch[j+1].Time
		}
		sum += float64(c.Value) * float64(to-from)
	}
	want := sum / float64(tr.Duration)
	avg := tr.AvgGOMAXPROCS()
	if avg <= float64(procs) || avg >= float64(procs+2) || avg < want-1e-9 || avg > want+1e-9 {
		t.Errorf("average GOMAXPROCS %.3f, want %.3f from the changes %+v, between %d and %d", avg, want, ch, procs, procs+2)
	}
	t.Logf("average GOMAXPROCS %.3f over %v; changes %+v", avg, ms(tr.Duration), ch)
}

func TestWaterfall(t *testing.T) {
	procs := runtime.GOMAXPROCS(0)
	const d = 100 * time.Millisecond
	tr := capture(t, func() {
		workload.CPU(d)                // all Ps busy
		workload.Sleep(d)              // everything asleep
		prev := runtime.GOMAXPROCS(1)  // two spinners on one P:
		defer runtime.GOMAXPROCS(prev) // one runs, one waits
		workload.Phase("oversubscribed", func() {
			var wg sync.WaitGroup
			for range 2 {
				wg.Add(1)
				go func() { defer wg.Done(); workload.Spin(d) }()
			}
			wg.Wait()
		})
	})
	w := tr.Waterfall
	ms := func(v int64) time.Duration { return time.Duration(v) }
	t.Logf("capacity %v: user %v, runtime %v, runnable %v, blocked %v (sleep %v), idle %v",
		ms(w.Capacity), ms(w.User), ms(w.Runtime), ms(w.Runnable), ms(w.BlockedTotal()), ms(w.Blocked[parse.ReasonSleep]), ms(w.Idle))
	// CPU phase: procs × d of user code; oversubscribed: 2 × d more on 1 P.
	if w.User < int64(float64(procs)*float64(d)*0.8)+int64(d) {
		t.Errorf("user %v, want at least about %v", ms(w.User), time.Duration(procs)*d+d)
	}
	// The sleep phase: its Ps were idle because the sleeper slept.
	if w.Blocked[parse.ReasonSleep] < int64(d)*8/10 {
		t.Errorf("capacity lost to sleep %v, want about %v", ms(w.Blocked[parse.ReasonSleep]), d)
	}
	// Oversubscribed: one spinner waited for the only P most of the time,
	// but with one P there is no idle P: the latency shows as runnable
	// spans, not as lost capacity.
	if tr.Latency.N == 0 || tr.Latency.Max < int64(time.Millisecond) {
		t.Errorf("scheduler latency: %d waits, longest %v; want waits of milliseconds", tr.Latency.N, ms(tr.Latency.Max))
	}
}

// TestCoarsening: a model kept within a small span budget merges short spans
// but keeps every total exact.
func TestCoarsening(t *testing.T) {
	data, err := os.ReadFile("../../testdata/go1.26-mixed.trace")
	if err != nil {
		t.Fatal(err)
	}
	full, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	small, err := parse.Read(bytes.NewReader(data), parse.Options{MaxSpans: 200})
	if err != nil {
		t.Fatal(err)
	}
	if full.Coarsened != 0 || small.Coarsened == 0 {
		t.Fatalf("coarsened: full %d, small %d", full.Coarsened, small.Coarsened)
	}
	spans, merged := 0, 0
	for i, g := range small.Goroutines {
		f := full.Goroutines[i]
		if g.ID != f.ID || g.Totals != f.Totals || g.End != f.End || g.EndSince != f.EndSince {
			t.Errorf("G%d differs when coarsened: %+v vs %+v", g.ID, g.Totals, f.Totals)
		}
		for j, s := range g.Spans {
			if j > 0 && g.Spans[j-1].End != s.Start {
				t.Fatalf("G%d: merged spans are not contiguous", g.ID)
			}
			if s.Merged() {
				merged++
			}
		}
		if len(g.Spans) > 0 && (g.Spans[0].Start != f.Spans[0].Start || g.Spans[len(g.Spans)-1].End != f.Spans[len(f.Spans)-1].End) {
			t.Errorf("G%d: merged spans cover a different stretch", g.ID)
		}
		spans += len(g.Spans)
	}
	for _, p := range small.Procs {
		spans += len(p.Spans)
	}
	if spans > 200 || merged == 0 {
		t.Errorf("%d spans kept (%d merged), want at most the budget of 200", spans, merged)
	}
	if small.Latency != full.Latency || !reflect.DeepEqual(small.Sites, full.Sites) {
		t.Error("statistics differ when coarsened")
	}
	// The waterfall's parts are exact; only how its idle time lost to
	// waiting is split by what the critical paths waited on depends on
	// the spans kept (merged spans take their longest part's state).
	sw, fw := small.Waterfall, full.Waterfall
	if sw.Capacity != fw.Capacity || sw.User != fw.User || sw.Runtime != fw.Runtime || sw.Runnable != fw.Runnable ||
		sw.BlockedTotal()+sw.PathOnly+sw.Idle != fw.BlockedTotal()+fw.PathOnly+fw.Idle {
		t.Errorf("waterfall differs when coarsened: %+v vs %+v", sw, fw)
	}
	t.Logf("%d spans at %v resolution, %d merged", spans, time.Duration(small.Coarsened), merged)
}

// TestAnnotationBounds: past KeepAnnotations regions, the longest are kept
// and the statistics stay exact.
func TestAnnotationBounds(t *testing.T) {
	const n = parse.KeepAnnotations + 5000
	tr := capture(t, func() {
		ctx := context.Background()
		for i := range n {
			r := rtrace.StartRegion(ctx, "tiny")
			if i%1000 == 0 {
				time.Sleep(time.Millisecond) // a few long ones
			}
			r.End()
		}
		rtrace.Log(ctx, "user", "done")
	})
	if len(tr.Regions) != parse.KeepAnnotations || tr.RegionsDropped != 5000 {
		t.Errorf("%d regions kept, %d dropped; want %d and 5000", len(tr.Regions), tr.RegionsDropped, parse.KeepAnnotations)
	}
	if len(tr.RegionTypes) != 1 || tr.RegionTypes[0].Count != n || tr.RegionTypes[0].Max < int64(time.Millisecond) {
		t.Errorf("region stats %+v, want %d tiny regions, the longest over 1ms", tr.RegionTypes, n)
	}
	long := 0
	for i, r := range tr.Regions {
		if i > 0 && r.Start < tr.Regions[i-1].Start {
			t.Fatal("kept regions are not in time order")
		}
		if r.End-r.Start >= int64(time.Millisecond) {
			long++
		}
	}
	// The regions that slept are among the longest, so all are kept; on a
	// busy machine a tiny region can last a millisecond too (the OS ran
	// something else in the middle of it), so there may be more.
	if sleepers := (n + 999) / 1000; long < sleepers {
		t.Errorf("%d regions of 1ms or more kept, want at least the %d that slept", long, sleepers)
	}
}

// TestParallelEqualsSequential: decoding generations on several goroutines
// builds the very model one reader builds, truncated traces included.
func TestParallelEqualsSequential(t *testing.T) {
	mixed, err := os.ReadFile("../../testdata/go1.26-mixed.trace")
	if err != nil {
		t.Fatal(err)
	}
	gens, err := workload.CaptureGenerations(t.TempDir(), 3*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Cut inside a generation half way through them, not half way through
	// the bytes: the first generation can hold most of them.
	ends := parse.GenerationEnds(gens)
	if len(ends) < 8 {
		t.Fatalf("%d generations recorded, want many", len(ends))
	}
	k := len(ends) / 2
	inputs := map[string][]byte{
		"mixed":            mixed,
		"generations":      gens,
		"mixed, cut":       mixed[:len(mixed)*7/10],
		"generations, cut": gens[:ends[k-1]+(ends[k]-ends[k-1])/2],
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			seq, err := parse.Read(bytes.NewReader(data), parse.Options{Decoders: 1})
			if err != nil {
				t.Fatal(err)
			}
			if seq.Generations < 3 {
				t.Fatalf("%d generations: too few to test splitting", seq.Generations)
			}
			seqWarnings := seq.Warnings
			seq.Warnings = nil
			for _, n := range []int{2, 3, 8} {
				par, err := parse.Read(bytes.NewReader(data), parse.Options{Decoders: n})
				if err != nil {
					t.Fatalf("%d decoders: %v", n, err)
				}
				if par.Generations != seq.Generations || par.Events != seq.Events || par.Duration != seq.Duration {
					t.Errorf("%d decoders: %d generations, %d events, %d ns; one reader: %d, %d, %d",
						n, par.Generations, par.Events, par.Duration, seq.Generations, seq.Events, seq.Duration)
				}
				// The lost bytes are estimated differently (one reader sees
				// its input through a buffer): the warnings must agree on
				// whether anything was lost and after which generation.
				if (len(par.Warnings) == 0) != (len(seqWarnings) == 0) {
					t.Errorf("%d decoders: warnings %q, one reader %q", n, par.Warnings, seqWarnings)
				}
				par.Warnings = nil
				if !reflect.DeepEqual(par, seq) {
					for i, g := range seq.Goroutines {
						if i < len(par.Goroutines) && !reflect.DeepEqual(g, par.Goroutines[i]) {
							t.Errorf("%d decoders: G%d differs:\n%+v\n%+v", n, g.ID, par.Goroutines[i], g)
							break
						}
					}
					t.Fatalf("%d decoders: the model differs from one reader's", n)
				}
			}
		})
	}
}

// TestTruncatedEverywhere cuts a real multi-generation trace at every
// generation boundary (and a byte either side) and at random offsets: each
// cut yields an error before the first complete generation, and after it
// the model of the complete generations with one warning that the trace is
// truncated, whichever way it is decoded.
func TestTruncatedEverywhere(t *testing.T) {
	data, full := generations(t)
	ends := parse.GenerationEnds(data)
	if len(ends) != full.Generations || ends[len(ends)-1] != int64(len(data)) {
		t.Fatalf("%d generation ends (last at %d of %d bytes), the reader saw %d generations", len(ends), ends[len(ends)-1], len(data), full.Generations)
	}
	var cuts []int64
	for _, e := range ends[:len(ends)-1] {
		cuts = append(cuts, e-1, e, e+1)
	}
	r := rand.New(rand.NewPCG(5, 6))
	random := 40
	if testing.Short() {
		random = 10
	}
	for range random {
		cuts = append(cuts, 1+r.Int64N(int64(len(data)-1)))
	}
	for _, cut := range cuts {
		complete := 0 // generations wholly before the cut
		for _, e := range ends {
			if e <= cut {
				complete++
			}
		}
		var prev *parse.Trace
		for _, decoders := range []int{1, 2} {
			tr, err := parse.Read(bytes.NewReader(data[:cut]), parse.Options{Decoders: decoders})
			if complete == 0 {
				if err == nil {
					t.Errorf("cut at %d (before the first generation ends at %d), %d decoders: no error", cut, ends[0], decoders)
				}
				continue
			}
			if err != nil {
				t.Errorf("cut at %d after %d generations, %d decoders: %v", cut, complete, decoders, err)
				continue
			}
			checkInvariants(t, tr)
			if tr.Generations != complete || tr.Duration > full.Duration {
				t.Errorf("cut at %d, %d decoders: %d generations, %v; want %d, at most %v", cut, decoders, tr.Generations, time.Duration(tr.Duration), complete, time.Duration(full.Duration))
			}
			atEnd := ends[complete-1] == cut
			if atEnd && stopMarked(t, data[:cut]) {
				// Cut after the generation that holds the stop mark: all
				// that is lost is the tracer stopping; a whole trace.
				if len(tr.Warnings) != 0 {
					t.Errorf("cut at %d, after the stop mark: warnings %q", cut, tr.Warnings)
				}
				continue
			}
			if len(tr.Warnings) < 1 || !strings.Contains(tr.Warnings[0], "truncated") || !onlyUnjudged(tr.Warnings[1:]) {
				t.Errorf("cut at %d, %d decoders: warnings %q, want one saying the trace is truncated", cut, decoders, tr.Warnings)
				continue
			}
			// Cut inside a generation, the warning says how many bytes
			// were lost: those after the last complete generation.
			if !atEnd {
				lost := cut - ends[complete-1]
				got, ok := lostBytes(tr.Warnings[0])
				if !ok || got < float64(lost)*0.9-1 || got > float64(lost)*1.1+1 {
					t.Errorf("cut at %d: warning %q, want it to say about %d bytes were lost", cut, tr.Warnings[0], lost)
				}
			}
			if prev != nil && (prev.Generations != tr.Generations || prev.Duration != tr.Duration || len(prev.Goroutines) != len(tr.Goroutines)) {
				t.Errorf("cut at %d: 1 decoder gives %d generations, %v, %d goroutines; 2 give %d, %v, %d", cut,
					prev.Generations, time.Duration(prev.Duration), len(prev.Goroutines), tr.Generations, time.Duration(tr.Duration), len(tr.Goroutines))
			}
			prev = tr
		}
	}
	t.Logf("%d bytes, %d generations, %d cuts", len(data), len(ends), len(cuts))
}

// lostBytes reads "about <n> <unit> of" in a truncation warning.
func lostBytes(w string) (float64, bool) {
	_, rest, ok := strings.Cut(w, "; about ")
	if !ok {
		return 0, false
	}
	var n float64
	var unit string
	if _, err := fmt.Sscanf(rest, "%g %s", &n, &unit); err != nil {
		return 0, false
	}
	switch unit {
	case "B":
	case "KiB":
		n *= 1 << 10
	case "MiB":
		n *= 1 << 20
	default:
		return 0, false
	}
	return n, true
}

// stopMarked says whether a (whole) trace holds the tracer's stop mark.
func stopMarked(t *testing.T, data []byte) bool {
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := r.ReadEvent()
		if err != nil {
			return false
		}
		if ev.Kind() == xtrace.EventLog && ev.Log().Category == parse.LogStop {
			return true
		}
	}
}

// TestTaskTypesAcrossBatches: task types are right when task ends come
// after many events (several pipeline batches) and new types keep ending:
// the decoder resolves them, as the builder reading them would race with
// the decoder (go test -race catches it).
func TestTaskTypesAcrossBatches(t *testing.T) {
	const types = 40
	tr := capture(t, func() {
		ctx := context.Background()
		for i := range types {
			for range 500 { // enough events to fill pipeline batches
				rtrace.Log(ctx, "filler", "x")
			}
			_, task := rtrace.NewTask(ctx, "type-"+strconv.Itoa(i))
			task.End()
		}
	})
	got := map[string]int64{}
	for _, s := range tr.TaskTypes {
		got[s.Type] = s.Count
	}
	for i := range types {
		if name := "type-" + strconv.Itoa(i); got[name] != 1 {
			t.Errorf("task type %q counted %d times, want 1", name, got[name])
		}
	}
}

// onlyUnjudged reports whether ws are only the warning of a cut trace
// about goroutines still blocked at its end, not counted as leaks.
func onlyUnjudged(ws []string) bool {
	for _, w := range ws {
		if !strings.Contains(w, "still blocked where the trace ends") {
			return false
		}
	}
	return len(ws) <= 1
}
