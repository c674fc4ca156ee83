package findings

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
)

// Rules over stretches of the parallelism series: serial bottlenecks,
// stalls, and programs bound by system calls or the network. They read the
// series' buckets, never the spans, and count only the waits that can hold
// the program back (parse.DimWaiting, by what was waited on).

// syncWaits are the reasons that mean waiting for another goroutine.
var syncWaits = []parse.Reason{parse.ReasonMutex, parse.ReasonRWMutex, parse.ReasonChanRecv, parse.ReasonChanSend, parse.ReasonSelect, parse.ReasonCond}

// waitingOn is the goroutines waiting on rs in bucket i of s, on average.
func waitingOn(s *parse.Series, i int, rs ...parse.Reason) float64 {
	var w float64
	for _, r := range rs {
		w += s.Avg(parse.WaitingOnDim(r), i)
	}
	return w
}

// lockWaiting is the goroutines blocked on a Mutex or RWMutex in bucket i
// of s, on average, by their own reason (not what their waker waited on):
// while goroutines of the program queue for a lock, the lock is what holds
// it back, whatever else its other goroutines wait on (the contention
// rule's finding). A client waiting on the network for a server in the
// same process that is stuck behind a lock waits on the lock.
func lockWaiting(s *parse.Series, i int) float64 {
	return s.Avg(parse.BlockedDim(parse.ReasonMutex), i) + s.Avg(parse.BlockedDim(parse.ReasonRWMutex), i)
}

// window is a stretch of series buckets [from, to).
type window struct{ from, to int }

// scan finds stretches of buckets where ok holds. Stretches less than gap
// buckets apart, and less than a quarter of their length together, merge
// when the merged stretch still holds as a whole (whole says so): a
// generation boundary, a burst of the runtime's own work or a request let
// through do not end a stretch.
func scan(s *parse.Series, gap int, ok func(i int) bool, whole func(w window) bool) []window {
	var out []window
	start := -1
	for i := 0; i <= s.N; i++ {
		if i < s.N && ok(i) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			w := window{start, i}
			if n := len(out); n > 0 {
				prev := out[n-1]
				g := start - prev.to
				merged := window{prev.from, i}
				if g <= gap && 4*g <= merged.to-merged.from && whole(merged) {
					out[n-1] = merged
					start = -1
					continue
				}
			}
			out = append(out, w)
			start = -1
		}
	}
	return out
}

// gapBuckets is d in buckets of s, at least 2.
func gapBuckets(s *parse.Series, d int64) int { return max(2, int(d/max(s.Width, 1))) }

// avg is the average of f over the buckets of w.
func avg(w window, f func(i int) float64) float64 {
	if w.to <= w.from {
		return 0
	}
	var sum float64
	for i := w.from; i < w.to; i++ {
		sum += f(i)
	}
	return sum / float64(w.to-w.from)
}

// span is the time range of a window, clipped to the trace.
func (a *analysis) span(w window) (from, to int64) {
	s := &a.t.Parallel
	return int64(w.from) * s.Width, min(int64(w.to)*s.Width, a.t.Duration)
}

// procsAt is GOMAXPROCS at time t.
func (a *analysis) procsAt(t int64) float64 {
	p := float64(a.t.GOMAXPROCS)
	for _, c := range a.t.GOMAXPROCSChanges {
		if c.Time > t {
			break
		}
		p = float64(c.Value)
	}
	return p
}

// stretches is the windows a rule found, taken together.
type stretches struct {
	ws          []window
	total       int64 // ns
	longest     window
	run, wait   float64 // goroutines running and waiting, summed over buckets
	idle        float64 // P·ns idle
	buckets     int
	byReason    [parse.NumReasons]float64
	first, last int64
}

// gather sums the windows at least minDur long.
func (a *analysis) gather(ws []window, minDur int64, reasons []parse.Reason) *stretches {
	s := &a.t.Parallel
	st := &stretches{}
	for _, w := range ws {
		from, to := a.span(w)
		if to-from < minDur {
			continue
		}
		if len(st.ws) == 0 {
			st.first = from
		}
		st.last = to
		st.ws = append(st.ws, w)
		st.total += to - from
		if lf, lt := a.span(st.longest); to-from > lt-lf {
			st.longest = w
		}
		for i := w.from; i < w.to; i++ {
			run := s.Avg(parse.DimRunning, i)
			st.run += run
			st.wait += waitingOn(s, i, reasons...)
			st.idle += max(0, a.procsAt(int64(i)*s.Width)-run-s.Avg(parse.DimRunningSystem, i)) * float64(s.Width)
			for _, r := range reasons {
				st.byReason[r] += s.Avg(parse.WaitingOnDim(r), i)
			}
			st.buckets++
		}
	}
	return st
}

// top is the reason waited on most.
func (st *stretches) top(reasons []parse.Reason) parse.Reason {
	top := reasons[0]
	for _, r := range reasons {
		if st.byReason[r] > st.byReason[top] {
			top = r
		}
	}
	return top
}

// when says where the stretches are: "from 1.2 s to 1.5 s" or "in 3
// stretches from 1.2 s to 4 s, the longest from 2 s to 2.3 s".
func (a *analysis) when(st *stretches) string {
	lf, lt := a.span(st.longest)
	if len(st.ws) == 1 {
		return fmt.Sprintf("from %s to %s", dur(lf), dur(lt))
	}
	return fmt.Sprintf("in %d stretches between %s and %s, the longest from %s to %s", len(st.ws), dur(st.first), dur(st.last), dur(lf), dur(lt))
}

// ran is how long each user goroutine ran during the stretches.
func (a *analysis) ran(st *stretches) map[uint64]int64 {
	sum := map[uint64]int64{}
	for _, w := range st.ws {
		for _, sh := range a.t.Parallel.TopIn(parse.TopRunners, w.from, w.to) {
			sum[sh.Key] += sh.Ns
		}
	}
	return sum
}

// runner is the user goroutine that ran most during the stretches.
func (a *analysis) runner(st *stretches) (parse.GoID, int64) {
	sum := a.ran(st)
	var best uint64
	var bestNs int64
	for _, k := range slices.Sorted(maps.Keys(sum)) {
		if sum[k] > bestNs {
			best, bestNs = k, sum[k]
		}
	}
	return parse.GoID(best), bestNs
}

// times is the stretches' time ranges, in order.
func (a *analysis) times(st *stretches) [][2]int64 {
	ws := make([][2]int64, len(st.ws))
	for i, w := range st.ws {
		ws[i][0], ws[i][1] = a.span(w)
	}
	return ws
}

// wokenByRunners sums the waits on locks and channels during the
// stretches (the time of each within them), and of those the waits the
// goroutines that ran then ended, within a stretch or soon after: the
// goroutines that ran at least a tenth of the time, and those of the group
// of the one that ran most (workers taking turns).
func (a *analysis) wokenByRunners(st *stretches) (woken, waited int64) {
	ran := a.ran(st)
	var total int64
	for _, ns := range ran {
		total += ns
	}
	top, _ := a.runner(st)
	topGroup := -1
	if g := a.t.Goroutine(top); g != nil {
		topGroup = g.Group
	}
	runners := map[parse.GoID]bool{}
	for id, ns := range ran {
		if g := a.t.Goroutine(parse.GoID(id)); g != nil && (10*ns >= total || g.Group == topGroup) {
			runners[parse.GoID(id)] = true
		}
	}
	ws := a.times(st)
	// A wait ended within a stretch, or soon after, was one the runners
	// served; one they ended long after (closing a quit channel at
	// shutdown) was not held back by their work.
	slack := int64(a.th.SerialMinDuration) / 2
	inside := func(t int64) bool {
		j, _ := slices.BinarySearchFunc(ws, t, func(w [2]int64, t int64) int { return cmp.Compare(w[1]+slack, t) })
		return j < len(ws) && ws[j][0] <= t
	}
	for _, g := range a.t.Goroutines {
		if g.System {
			continue
		}
		for _, sp := range g.Spans {
			if sp.State != parse.StateBlocked || !slices.Contains(syncWaits, sp.Reason) {
				continue
			}
			var in int64
			j, _ := slices.BinarySearchFunc(ws, sp.Start, func(w [2]int64, t int64) int { return cmp.Compare(w[1], t+1) })
			for ; j < len(ws) && ws[j][0] < sp.End; j++ {
				in += min(sp.End, ws[j][1]) - max(sp.Start, ws[j][0])
			}
			if in <= 0 {
				continue
			}
			waited += in
			if wk, ok := g.WakeOf(sp); ok && wk.Source == parse.WakeGoroutine && runners[wk.By] && inside(sp.End) {
				woken += in
			}
		}
	}
	return woken, waited
}

// runnerGroup is the name shared by the goroutines that ran during the
// stretches, with how many of them ran, when no one goroutine did most of
// the work; "", 0 otherwise.
func (a *analysis) runnerGroup(st *stretches) (string, int) {
	byName := map[string]int64{}
	count := map[string]int{}
	var total, top int64
	for _, w := range st.ws {
		for _, sh := range a.t.Parallel.TopIn(parse.TopRunners, w.from, w.to) {
			total += sh.Ns
			top = max(top, sh.Ns)
			if g := a.t.Goroutine(parse.GoID(sh.Key)); g != nil {
				if byName[g.Name] == 0 {
					count[g.Name]++
				}
				byName[g.Name] += sh.Ns
			}
		}
	}
	if total == 0 || 2*top >= total {
		return "", 0
	}
	best := ""
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		if byName[name] > byName[best] {
			best = name
		}
	}
	return best, a.distinctRunners(st, best)
}

// distinctRunners counts the goroutines named name that ran in the stretches.
func (a *analysis) distinctRunners(st *stretches, name string) int {
	seen := map[uint64]bool{}
	for _, w := range st.ws {
		for i := w.from; i < w.to && i < len(a.t.Parallel.Top[parse.TopRunners]); i++ {
			for _, sh := range a.t.Parallel.Top[parse.TopRunners][i] {
				if g := a.t.Goroutine(parse.GoID(sh.Key)); sh.Ns > 0 && g != nil && g.Name == name {
					seen[sh.Key] = true
				}
			}
		}
	}
	return len(seen)
}

// sitesIn is where goroutines waited for one of reasons during the
// stretches, most time first.
func (a *analysis) sitesIn(st *stretches, reasons []parse.Reason) []parse.Share {
	sum := map[uint64]int64{}
	for _, w := range st.ws {
		for _, sh := range a.t.Parallel.TopIn(parse.TopWaits, w.from, w.to) {
			if _, r := parse.SplitSiteKey(sh.Key); slices.Contains(reasons, r) {
				sum[sh.Key] += sh.Ns
			}
		}
	}
	out := make([]parse.Share, 0, len(sum))
	for k, v := range sum {
		out = append(out, parse.Share{Key: k, Ns: v})
	}
	slices.SortFunc(out, func(x, y parse.Share) int { return cmp.Or(cmp.Compare(y.Ns, x.Ns), cmp.Compare(x.Key, y.Key)) })
	return out
}

// serial: stretches where about one goroutine ran, Ps sat idle, and others
// waited on locks or channels: the work was serialised.
func (a *analysis) serial() {
	t := a.t
	s := &t.Parallel
	if s.N == 0 {
		return
	}
	run := func(i int) float64 { return s.Avg(parse.DimRunning, i) }
	busy := func(i int) float64 { return s.Avg(parse.DimRunning, i) + s.Avg(parse.DimRunningSystem, i) }
	waiting := func(i int) float64 { return waitingOn(s, i, syncWaits...) }
	serial := func(p, run, busy, waiting float64) bool {
		return p >= 2 && run >= 0.5 && run <= 1.5 && busy <= p-0.5 && waiting >= a.th.SerialMinWaiting
	}
	ws := scan(s, gapBuckets(s, int64(a.th.SerialMinDuration)/2), func(i int) bool {
		return serial(a.procsAt(int64(i)*s.Width), run(i), busy(i), waiting(i))
	}, func(w window) bool {
		return serial(a.procsAt(int64(w.from)*s.Width), avg(w, run), avg(w, busy), avg(w, waiting))
	})
	st := a.gather(ws, int64(a.th.SerialMinDuration), syncWaits)
	if len(st.ws) == 0 || float64(st.total) < a.th.SerialMinShare*float64(t.Duration) {
		return
	}
	// The others must have waited for the goroutines that ran: those
	// ended some of their waits (not all: clients of a serialised server
	// in the same process are woken by their connection readers).
	// Background goroutines waiting for their own tickers and messages
	// while one goroutine computes are not held back by it: it ends none.
	woken, waited := a.wokenByRunners(st)
	if 10*woken < waited {
		return
	}
	n := float64(st.buckets)
	top := st.top(syncWaits)
	p := a.procsAt(st.first)
	msg := fmt.Sprintf("For %s (%s) the program ran on about one core: %.1f goroutines running on average while %.1f waited, mostly on %s, and %.1f of %.0f Ps sat idle.",
		dur(st.total), a.when(st), st.run/n, st.wait/n, top, st.idle/n/float64(s.Width), p)
	ev := []string{fmt.Sprintf("%.1f goroutines waiting on locks and channels on average", st.wait/n)}
	if waited > 0 {
		ev = append(ev, fmt.Sprintf("the goroutines that ran ended %.0f%% of the waits on locks and channels meanwhile (%s of %s)", 100*float64(woken)/float64(waited), dur(woken), dur(waited)))
	}
	var gs []int64
	if g, ns := a.runner(st); ns > 0 {
		if name, n := a.runnerGroup(st); n > 1 {
			msg += fmt.Sprintf(" The work was done by %d %s goroutines in turn.", n, name)
		} else {
			msg += fmt.Sprintf(" The work was done by %s.", a.gname(g))
		}
		ev = append(ev, fmt.Sprintf("%s ran %s of that time", a.gname(g), dur(ns)))
		gs = append(gs, int64(g))
	}
	var blamed *Location
	for j, sh := range a.sitesIn(st, syncWaits) {
		if j == 4 {
			break
		}
		f, r := parse.SplitSiteKey(sh.Key)
		if j == 0 {
			blamed = a.site(f)
		}
		ev = append(ev, fmt.Sprintf("waits at %s (%s): %s", a.place(f), r, dur(sh.Ns)))
	}
	from, to := a.span(st.longest)
	a.add(Finding{Severity: Warning, Message: msg, Evidence: ev, CostNs: int64(st.idle), Site: blamed,
		Subject: fmt.Sprintf("waiting on %s", top), From: from, To: to, Goroutines: gs})
}

// stallGap: a burst of work shorter than this (a request let through) does
// not end a stall.
const stallGap = 50e6

// stall: stretches where tasks were in progress but the program barely ran,
// its goroutines waiting on channels and locks: work held back.
func (a *analysis) stall() {
	t := a.t
	s := &t.Parallel
	if s.N == 0 || len(t.Tasks) == 0 {
		return
	}
	// Tasks in progress by bucket, from the tasks kept (the longest).
	open := make([]int, s.N+1)
	for _, tk := range t.Tasks {
		from, to := int(tk.Start/s.Width), int(min(tk.End/s.Width, int64(s.N-1)))
		if from < s.N && to >= from {
			open[from]++
			open[to+1]--
		}
	}
	for i := 1; i <= s.N; i++ {
		open[i] += open[i-1]
	}
	busy := func(i int) float64 { return s.Avg(parse.DimRunning, i) + s.Avg(parse.DimRunningSystem, i) }
	waiting := func(i int) float64 { return waitingOn(s, i, syncWaits...) }
	ws := scan(s, gapBuckets(s, stallGap), func(i int) bool {
		return open[i] > 0 && busy(i) < 0.1 && waiting(i) >= a.th.StallMinWaiting && lockWaiting(s, i) < 0.5
	}, func(w window) bool {
		return avg(w, busy) < 0.1 && avg(w, waiting) >= a.th.StallMinWaiting && avg(w, func(i int) float64 { return lockWaiting(s, i) }) < 0.5
	})
	st := a.gather(ws, int64(a.th.StallMinDuration), syncWaits)
	if len(st.ws) == 0 || float64(st.total) < a.th.StallMinShare*float64(t.Duration) {
		return
	}
	// Held back by a wait, not by the network or a system call: those
	// are the I/O rules' findings.
	on, ok := a.onPath(st, func(s *parse.PathSegment) bool {
		return s.State == parse.StateBlocked && s.Reason != parse.ReasonNetwork && s.Reason != parse.ReasonSyscall
	})
	if !ok {
		return
	}
	n := float64(st.buckets)
	sev := Info
	if float64(st.total) >= 0.25*float64(t.Duration) {
		sev = Warning
	}
	ran := fmt.Sprintf("%.2f", st.run/n)
	if st.run/n < 0.01 {
		ran = "under 0.01"
	}
	msg := fmt.Sprintf("For %s (%s, %.0f%% of the trace) the program waited instead of working: %s goroutines ran on average while %.1f waited on channels and locks, with tasks in progress.",
		dur(st.total), a.when(st), 100*float64(st.total)/float64(t.Duration), ran, st.wait/n)
	subject := "waiting"
	var ev []string
	var ids []int64
	var blamed *Location
	sites := a.sitesIn(st, syncWaits)
	if len(sites) > 0 {
		f, r := parse.SplitSiteKey(sites[0].Key)
		blamed = a.site(f)
		msg += fmt.Sprintf(" Most waited at %s (%s): something held the work back there (a rate limit, a back-off, a goroutine handing work out slowly).", a.place(f), r)
		subject = "waiting at " + a.funcOf(f)
		ids = a.waitersAt(f, r, st)
	}
	for j, sh := range sites {
		if j == 4 {
			break
		}
		f, r := parse.SplitSiteKey(sh.Key)
		ev = append(ev, fmt.Sprintf("goroutines waited %s in all at %s (%s), %.1f at a time on average", dur(sh.Ns), a.place(f), r, float64(sh.Ns)/float64(st.total)))
	}
	ev = append(ev, "tasks in progress, longest first: "+a.tasksIn(st))
	if on > 0 {
		ev = append(ev, pathEvidence(on, st.total, "waited"))
	}
	if g, ns := a.runner(st); ns > 0 {
		ev = append(ev, fmt.Sprintf("%s ran most meanwhile (%s)", a.gname(g), dur(ns)))
	}
	from, to := a.span(st.longest)
	a.add(Finding{Severity: sev, Message: msg, Evidence: ev, CostNs: st.total, Site: blamed,
		Subject: subject, From: from, To: to, Goroutines: ids})
}

// tasksIn lists the task types in progress during the stretches.
func (a *analysis) tasksIn(st *stretches) string {
	type inProgress struct {
		n   int
		max int64 // of the tasks' time within the stretches
	}
	tasks := map[string]*inProgress{}
	for _, tk := range a.t.Tasks {
		var in int64
		for _, w := range st.ws {
			from, to := a.span(w)
			if tk.Start < to && tk.End > from {
				in += min(tk.End, to) - max(tk.Start, from)
			}
		}
		if in == 0 {
			continue
		}
		ty := cmp.Or(tk.Type, "(unnamed)")
		p := tasks[ty]
		if p == nil {
			p = &inProgress{}
			tasks[ty] = p
		}
		p.n, p.max = p.n+1, max(p.max, in)
	}
	types := slices.Collect(maps.Keys(tasks))
	slices.SortFunc(types, func(x, y string) int { return cmp.Or(cmp.Compare(tasks[y].max, tasks[x].max), cmp.Compare(x, y)) })
	var tl []string
	for j, ty := range types {
		if j == 5 {
			tl = append(tl, fmt.Sprintf("and %d more types", len(types)-5))
			break
		}
		p := tasks[ty]
		tl = append(tl, fmt.Sprintf("%s (%d, up to %s each)", ty, p.n, dur(p.max)))
	}
	return strings.Join(tl, ", ")
}

// waitersAt lists goroutines that waited at frame f for r during the
// stretches, for the report to highlight (read from the spans: at most 20).
func (a *analysis) waitersAt(f parse.FrameID, r parse.Reason, st *stretches) []int64 {
	var out []int64
	for _, g := range a.t.Goroutines {
		if g.System || len(out) == 20 {
			continue
		}
	spans:
		for _, sp := range g.Spans {
			if sp.State != parse.StateBlocked || sp.Reason != r || a.t.SiteOf(sp.Stack) != f {
				continue
			}
			for _, w := range st.ws {
				if from, to := a.span(w); sp.End > from && sp.Start < to {
					out = append(out, int64(g.ID))
					break spans
				}
			}
		}
	}
	return out
}

// io: stretches where nothing ran while goroutines waited in system calls
// or on the network (waits that can hold the program back, see
// parse.DimWaiting: idle plumbing aside).
func (a *analysis) ioBound(reason parse.Reason, what string) {
	t := a.t
	s := &t.Parallel
	if s.N == 0 {
		return
	}
	ws := scan(s, 0, func(i int) bool {
		if s.Avg(parse.DimRunning, i)+s.Avg(parse.DimRunningSystem, i) >= 0.5 {
			return false
		}
		if reason == parse.ReasonNetwork && waitingOn(s, i, parse.ReasonSyscall) >= 0.5 {
			return false // a system-call stretch
		}
		if reason == parse.ReasonNetwork && lockWaiting(s, i) >= 0.5 {
			return false // waits on the network for goroutines that wait on a lock
		}
		return waitingOn(s, i, reason) >= 0.5
	}, func(window) bool { return false })
	st := a.gather(ws, 0, []parse.Reason{reason})
	share := float64(st.total) / float64(t.Duration)
	if len(st.ws) == 0 || share < a.th.IOMinShare {
		return
	}
	if reason == parse.ReasonNetwork && 2*a.serving(st) >= st.total {
		return // the waits were on the program's own server, busy meanwhile
	}
	in := func(s *parse.PathSegment) bool { return s.State == parse.StateBlocked && s.Reason == reason }
	if reason == parse.ReasonSyscall {
		in = func(s *parse.PathSegment) bool {
			return s.State == parse.StateSyscall || s.Reason == parse.ReasonSyscall
		}
	}
	on, ok := a.onPath(st, in)
	if !ok {
		return // the program was held back by something else meanwhile
	}
	// Buckets qualify as a whole: the stretches can be longer than the
	// waits in them (a round trip's system calls between its network
	// waits). Say both.
	waits := int64(st.byReason[reason] * float64(s.Width))
	pronoun := "it"
	if reason == parse.ReasonSyscall {
		pronoun = "them"
	}
	msg := fmt.Sprintf("For %s (%.0f%% of the trace) almost nothing ran while goroutines waited on %s (%s of waits): the program is bound by %s, not by its CPUs.", dur(st.total), 100*share, what, dur(waits), pronoun)
	var ev []string
	if on > 0 {
		ev = append(ev, pathEvidence(on, st.total, "waited on "+what))
	}
	var blamed *Location
	for j, sh := range a.sitesIn(st, []parse.Reason{reason}) {
		if j == 5 {
			break
		}
		f, _ := parse.SplitSiteKey(sh.Key)
		if j == 0 {
			blamed = a.site(f)
		}
		ev = append(ev, fmt.Sprintf("%s: %s of waits meanwhile", a.place(f), dur(sh.Ns)))
	}
	a.add(Finding{Severity: Info, Message: msg, Evidence: ev, CostNs: st.total, Subject: what, Site: blamed, From: st.first, To: st.last})
}

// serving is how long, summed over them, the program's own HTTP server
// connections (net/http.(*conn).serve) spent during the stretches on
// something other than the network: handling requests. A client waiting on
// the network for a server in the same process, which was busy (sleeping
// on a slow backend, computing, waiting for a lock), waits on the program,
// not on the network: the trace does not see the loopback round trip.
func (a *analysis) serving(st *stretches) int64 {
	ws := a.times(st)
	var busy int64
	for _, g := range a.t.Goroutines {
		if g.System || g.StartFunc != "net/http.(*conn).serve" {
			continue
		}
		for _, s := range g.Spans {
			if s.State == parse.StateBlocked && s.Reason == parse.ReasonNetwork {
				continue
			}
			i, _ := slices.BinarySearchFunc(ws, s.Start, func(w [2]int64, t int64) int { return cmp.Compare(w[1], t+1) })
			for ; i < len(ws) && ws[i][0] < s.End; i++ {
				busy += max(0, min(s.End, ws[i][1])-max(s.Start, ws[i][0]))
			}
		}
	}
	return busy
}

func (a *analysis) syscalls() { a.ioBound(parse.ReasonSyscall, "system calls") }
func (a *analysis) network()  { a.ioBound(parse.ReasonNetwork, "the network") }

// onPath asks of stretches what held the program back meanwhile: the
// critical paths of its work (the program, its longest tasks and regions;
// see parse.PathSet). on is the time the paths spent in segments in says
// yes to. ok is false when the paths spent more of the stretches otherwise
// (running, or waiting on something else) and the goroutines on the paths
// did most of the program's running: the waits the rule saw then held
// nothing back, like a client library's background reader waiting on the
// network while the program's own loop sleeps. Where the paths say nothing
// (no main goroutine, a program that runs for a set time, a wait for work
// or a signal), the rule's own reading stands, as it does when the paths
// are not where the work was done (workers of a load test whose main
// sleeps in a loop until the time is up).
func (a *analysis) onPath(st *stretches, in func(*parse.PathSegment) bool) (on int64, ok bool) {
	ps := a.workPaths()
	on, other := ps.Cover(a.times(st), in)
	return on, other <= on || !ps.StandsForWork()
}

// workPaths walks the critical paths of the program's work the first time
// a rule asks.
func (a *analysis) workPaths() *parse.PathSet {
	if a.paths == nil {
		a.paths = a.t.WorkPaths()
	}
	return a.paths
}

// pathEvidence says how much of the stretches the work's critical paths
// spent in what the rule blames.
func pathEvidence(on, total int64, what string) string {
	return fmt.Sprintf("the critical path of the program's work %s for %s of these %s", what, dur(on), dur(total))
}
