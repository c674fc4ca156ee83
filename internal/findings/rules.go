package findings

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
)

// contention: locks whose waits dominate, named ones by name, others by the
// call site that waited.
func (a *analysis) contention() {
	t := a.t
	if t.Duration <= 0 {
		return
	}
	minWait := int64(a.th.ContentionMinWait)
	for i := range t.Resources {
		r := &t.Resources[i]
		if r.Kind == parse.KindChan {
			continue
		}
		w := r.WaitTotal()
		share := float64(w) / float64(t.Duration)
		if w < minWait || share < a.th.ContentionMinShare {
			continue
		}
		sev := Warning
		if share >= 1 {
			sev = Critical
		}
		maxAt, max := int64(0), int64(0)
		for _, o := range r.Ops {
			if o.Max > max {
				max, maxAt = o.Max, o.MaxAt
			}
		}
		msg := fmt.Sprintf("Goroutines waited %s in all for the %s %q (%d waits by %d goroutines, up to %s each): on average %.1f goroutines were stuck waiting for it.",
			dur(w), r.Kind, r.Name, r.Waits(), r.Waiters, dur(max), share)
		if share >= 2 {
			msg += " That is a convoy: they take the lock one after the other."
		}
		ev := []string{
			fmt.Sprintf("waits: %d, total %s, longest %s, p99 %s", r.Waits(), dur(w), dur(max), dur(r.Hist.Quantile(0.99))),
		}
		var gs []int64
		for j, h := range r.Holders {
			if j == 5 {
				break
			}
			ev = append(ev, fmt.Sprintf("held by %s while others waited %s", a.gname(h.G), dur(h.Blame)))
			gs = append(gs, int64(h.G))
		}
		if len(r.Holders) > 0 {
			msg += fmt.Sprintf(" %s held it longest while others waited.", a.gname(r.Holders[0].G))
		}
		a.add(Finding{Kind: KindContention, Severity: sev, Title: "Lock contention", Message: msg, Evidence: ev,
			Subject: r.Kind.String() + " " + r.Name, From: maxAt, To: maxAt + max, Goroutines: gs})
	}
	for _, s := range t.Sites {
		if s.Reason != parse.ReasonMutex && s.Reason != parse.ReasonRWMutex {
			continue
		}
		share := float64(s.Total) / float64(t.Duration)
		if s.Total < minWait || share < a.th.ContentionMinShare || a.viaTracer(s.Stack) {
			continue
		}
		sev := Warning
		if share >= 1 {
			sev = Critical
		}
		where := a.place(s.Frame)
		msg := fmt.Sprintf("Goroutines waited %s in all on a %s at %s (%d waits, up to %s each): on average %.1f goroutines were stuck there.",
			dur(s.Total), s.Reason, where, s.Count, dur(s.Max), share)
		if share >= 2 {
			msg += " That is a convoy: they take the lock one after the other."
		}
		msg += " Name it with tracer.NewMutex to see who held it."
		ev := []string{fmt.Sprintf("waits: %d, total %s, longest %s", s.Count, dur(s.Total), dur(s.Max))}
		for _, f := range t.StackFrames(s.Stack) {
			if len(ev) >= 8 {
				break
			}
			ev = append(ev, "  "+f.Func)
		}
		a.add(Finding{Kind: KindContention, Severity: sev, Title: "Lock contention", Message: msg, Evidence: ev,
			Subject: s.Reason.String() + " @ " + t.Frames[s.Frame].Func, From: s.MaxAt, To: s.MaxAt + s.Max})
	}
}

// viaTracer reports whether a blocking stack went through the tracer's
// named locks (those are reported by name).
func (a *analysis) viaTracer(stack parse.StackID) bool {
	for _, f := range a.t.StackFrames(stack) {
		if strings.HasPrefix(f.Func, protocol.TracerPkg+".") {
			return true
		}
	}
	return false
}

// syncWaiting is the goroutines waiting on another in bucket i of s.
func syncWaiting(s *parse.Series, i int) float64 {
	var w float64
	for _, r := range syncWaits {
		w += s.Avg(parse.BlockedDim(r), i)
	}
	return w
}

// syncWaits are the reasons that mean waiting for another goroutine.
var syncWaits = []parse.Reason{parse.ReasonMutex, parse.ReasonRWMutex, parse.ReasonChanRecv, parse.ReasonChanSend, parse.ReasonSelect, parse.ReasonCond}

// window is a stretch of series buckets.
type window struct{ from, to int }

// scan finds stretches of buckets where ok holds.
func scan(s *parse.Series, ok func(i int) bool) []window {
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
			out = append(out, window{start, i})
			start = -1
		}
	}
	return out
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

// serial: long stretches where about one goroutine ran, Ps sat idle, and
// others waited on locks or channels: the work was serialised.
func (a *analysis) serial() {
	t := a.t
	s := &t.Parallel
	if s.N == 0 || t.Duration <= 0 {
		return
	}
	ws := scan(s, func(i int) bool {
		p := a.procsAt(int64(i) * s.Width)
		run := s.Avg(parse.DimRunning, i)
		busy := run + s.Avg(parse.DimRunningSystem, i)
		return p >= 2 && run >= 0.5 && run <= 1.5 && busy <= p-0.5 && syncWaiting(s, i) >= a.th.SerialMinWaiting
	})
	for _, w := range ws {
		from, to := int64(w.from)*s.Width, min(int64(w.to)*s.Width, t.Duration)
		d := to - from
		if d < int64(a.th.SerialMinDuration) || float64(d) < a.th.SerialMinShare*float64(t.Duration) {
			continue
		}
		var run, wait float64
		var reasonT [parse.NumReasons]float64
		for i := w.from; i < w.to; i++ {
			run += s.Avg(parse.DimRunning, i)
			wait += syncWaiting(s, i)
			for _, r := range syncWaits {
				reasonT[r] += s.Avg(parse.BlockedDim(r), i)
			}
		}
		n := float64(w.to - w.from)
		top := syncWaits[0]
		for _, r := range syncWaits {
			if reasonT[r] > reasonT[top] {
				top = r
			}
		}
		runner := a.busiest(from, to)
		msg := fmt.Sprintf("For %s (from %s to %s) the program ran on about one core: %.1f goroutines running on average while %.1f waited, mostly on %s, and %.1f of %.0f Ps sat idle.",
			dur(d), dur(from), dur(to), run/n, wait/n, top, a.procsAt(from)-run/n, a.procsAt(from))
		var gs []int64
		ev := []string{fmt.Sprintf("%.1f goroutines waiting on locks and channels on average", wait/n)}
		if runner != nil {
			msg += fmt.Sprintf(" The work was done by %s.", a.gname(runner.ID))
			ev = append(ev, fmt.Sprintf("%s ran most of that time", a.gname(runner.ID)))
			gs = append(gs, int64(runner.ID))
		}
		a.add(Finding{Kind: KindSerial, Severity: Warning, Title: "Serial bottleneck", Message: msg, Evidence: ev,
			Subject: fmt.Sprintf("waiting on %s", top), From: from, To: to, Goroutines: gs})
	}
}

// stall: stretches where tasks were in progress but the program barely ran,
// its goroutines waiting on channels and locks: work held back.
func (a *analysis) stall() {
	t := a.t
	s := &t.Parallel
	if s.N == 0 || t.Duration <= 0 || len(t.Tasks) == 0 {
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
	ws := scan(s, func(i int) bool {
		run := s.Avg(parse.DimRunning, i) + s.Avg(parse.DimRunningSystem, i)
		return open[i] > 0 && run < 0.1 && syncWaiting(s, i) >= a.th.StallMinWaiting
	})
	// A burst of work shorter than stallGap (a request let through) does
	// not end a stall.
	const stallGap = 50e6
	var merged []window
	for _, w := range ws {
		if n := len(merged); n > 0 && int64(w.from-merged[n-1].to)*s.Width < stallGap {
			merged[n-1].to = w.to
			continue
		}
		merged = append(merged, w)
	}
	for _, w := range merged {
		from, to := int64(w.from)*s.Width, min(int64(w.to)*s.Width, t.Duration)
		d := to - from
		if d < int64(a.th.StallMinDuration) || float64(d) < a.th.StallMinShare*float64(t.Duration) {
			continue
		}
		var run, wait float64
		for i := w.from; i < w.to; i++ {
			run += s.Avg(parse.DimRunning, i)
			wait += syncWaiting(s, i)
		}
		n := float64(w.to - w.from)
		// Where they waited, and the tasks in progress.
		type site struct {
			frame parse.FrameID
			r     parse.Reason
		}
		waits := map[site]int64{}
		gs := map[site][]int64{}
		for _, g := range t.Goroutines {
			if g.System {
				continue
			}
			counted := map[site]bool{}
			for _, sp := range g.Spans {
				if sp.State != parse.StateBlocked || !slices.Contains(syncWaits, sp.Reason) || sp.End <= from || sp.Start >= to {
					continue
				}
				k := site{t.SiteOf(sp.Stack), sp.Reason}
				waits[k] += min(sp.End, to) - max(sp.Start, from)
				if !counted[k] {
					counted[k] = true
					gs[k] = append(gs[k], int64(g.ID))
				}
			}
		}
		sites := slices.Collect(maps.Keys(waits))
		slices.SortFunc(sites, func(x, y site) int { return cmp.Compare(waits[y], waits[x]) })
		type inProgress struct {
			n          int
			total, max int64 // of the tasks' time within the stall
		}
		tasks := map[string]*inProgress{}
		for _, tk := range t.Tasks {
			if tk.Start < to && tk.End > from {
				ty := cmp.Or(tk.Type, "(unnamed)")
				p := tasks[ty]
				if p == nil {
					p = &inProgress{}
					tasks[ty] = p
				}
				in := min(tk.End, to) - max(tk.Start, from)
				p.n, p.total, p.max = p.n+1, p.total+in, max(p.max, in)
			}
		}
		types := slices.Collect(maps.Keys(tasks))
		slices.SortFunc(types, func(x, y string) int { return cmp.Or(cmp.Compare(tasks[y].max, tasks[x].max), cmp.Compare(x, y)) })
		sev := Info
		if float64(d) >= 0.25*float64(t.Duration) {
			sev = Warning
		}
		ran := fmt.Sprintf("%.2f", run/n)
		if run/n < 0.01 {
			ran = "under 0.01"
		}
		msg := fmt.Sprintf("For %s (from %s to %s, %.0f%% of the trace) the program waited instead of working: %s goroutines ran on average while %.1f waited on channels and locks, with tasks in progress.",
			dur(d), dur(from), dur(to), 100*float64(d)/float64(t.Duration), ran, wait/n)
		subject := "waiting"
		var ev []string
		var ids []int64
		if len(sites) > 0 {
			top := sites[0]
			msg += fmt.Sprintf(" Most waited at %s (%s): something held the work back there (a rate limit, a back-off, a goroutine handing work out slowly).", a.place(top.frame), top.r)
			subject = "waiting at " + a.place(top.frame)
			ids = gs[top][:min(len(gs[top]), 20)]
		}
		for j, k := range sites {
			if j == 4 {
				break
			}
			ev = append(ev, fmt.Sprintf("%d goroutines waited at %s (%s), %s in all", len(gs[k]), a.place(k.frame), k.r, dur(waits[k])))
		}
		var tl []string
		for j, ty := range types {
			if j == 5 {
				tl = append(tl, fmt.Sprintf("and %d more types", len(types)-5))
				break
			}
			p := tasks[ty]
			tl = append(tl, fmt.Sprintf("%s (%d, up to %s each)", ty, p.n, dur(p.max)))
		}
		ev = append(ev, "tasks in progress, longest first: "+strings.Join(tl, ", "))
		if runner := a.busiest(from, to); runner != nil {
			ev = append(ev, fmt.Sprintf("%s ran most meanwhile", a.gname(runner.ID)))
		}
		a.add(Finding{Kind: KindStall, Severity: sev, Title: "Stalled: waiting, not working", Message: msg, Evidence: ev,
			Subject: subject, From: from, To: to, Goroutines: ids})
	}
}

// busiest is the user goroutine that ran most during [from, to).
func (a *analysis) busiest(from, to int64) *parse.Goroutine {
	var best *parse.Goroutine
	var bestT int64
	for _, g := range a.t.Goroutines {
		if g.System {
			continue
		}
		var run int64
		for _, sp := range g.Spans {
			if sp.State == parse.StateRunning && sp.End > from && sp.Start < to {
				run += min(sp.End, to) - max(sp.Start, from)
			}
		}
		if run > bestT {
			best, bestT = g, run
		}
	}
	return best
}

// latency: runnable goroutines waited too long for a P.
func (a *analysis) latency() {
	t := a.t
	h := &t.Latency
	if h.N == 0 {
		return
	}
	p50, p99 := h.Quantile(0.5), h.Quantile(0.99)
	if p99 < int64(a.th.LatencyP99) && h.Max < int64(a.th.LatencyMax) {
		return
	}
	var total int64
	for _, g := range t.Goroutines {
		if !g.System {
			total += g.Totals.Runnable
		}
	}
	if total < int64(a.th.LatencyMinTotal) || float64(total) < a.th.LatencyMinShare*float64(t.Duration) {
		return
	}
	sev := Warning
	if p99 >= 4*int64(a.th.LatencyP99) {
		sev = Critical
	}
	msg := fmt.Sprintf("Goroutines that were ready to run waited for a processor up to %s (99%% of waits under %s): %s of scheduler latency in all.",
		dur(h.Max), dur(p99), dur(total))
	if t.Waterfall.Runnable > int64(0.05*float64(t.Waterfall.Capacity)) {
		msg += fmt.Sprintf(" Ps sat idle for %s meanwhile.", dur(t.Waterfall.Runnable))
	} else {
		msg += fmt.Sprintf(" All %d Ps were busy: more goroutines wanted to run than there were Ps.", t.GOMAXPROCS)
	}
	ev := []string{
		fmt.Sprintf("runnable waits: %d, median %s, p99 %s, longest %s", h.N, dur(p50), dur(p99), dur(h.Max)),
		fmt.Sprintf("longest wait: %s, from %s", a.gname(t.LatencyMaxG), dur(t.LatencyMaxAt)),
	}
	a.add(Finding{Kind: KindLatency, Severity: sev, Title: "Scheduler latency", Message: msg, Evidence: ev,
		Subject: "runnable goroutines", From: t.LatencyMaxAt, To: t.LatencyMaxAt + h.Max, Goroutines: []int64{int64(t.LatencyMaxG)}})
}

// hogs: goroutines that ran long stretches while others were runnable.
func (a *analysis) hogs() {
	t := a.t
	s := &t.Parallel
	if s.N == 0 {
		return
	}
	runnableDuring := func(from, to int64) float64 {
		i0, i1 := int(from/s.Width), int(min((to+s.Width-1)/s.Width, int64(s.N)))
		var sum float64
		for i := i0; i < i1; i++ {
			sum += s.Avg(parse.DimRunnable, i)
		}
		if i1 <= i0 {
			return 0
		}
		return sum / float64(i1-i0)
	}
	type hog struct {
		g       *parse.Goroutine
		total   int64
		longest parse.Span
		waiting float64
	}
	var hogs []hog
	for _, g := range t.Goroutines {
		if g.System {
			continue
		}
		h := hog{g: g}
		for _, sp := range g.Spans {
			if sp.State != parse.StateRunning || sp.End-sp.Start < int64(a.th.HogMinRun) {
				continue
			}
			if w := runnableDuring(sp.Start, sp.End); w >= 0.5 {
				h.total += sp.End - sp.Start
				if sp.End-sp.Start > h.longest.End-h.longest.Start {
					h.longest, h.waiting = sp, w
				}
			}
		}
		if h.total >= int64(a.th.HogMinTotal) {
			hogs = append(hogs, h)
		}
	}
	slices.SortFunc(hogs, func(x, y hog) int { return cmp.Compare(y.total, x.total) })
	for i, h := range hogs {
		if i == 5 {
			break
		}
		msg := fmt.Sprintf("%s kept a processor for %s in stretches of up to %s while other goroutines were ready to run (%.1f waiting on average): they had to wait for the runtime to preempt it.",
			a.gname(h.g.ID), dur(h.total), dur(h.longest.End-h.longest.Start), h.waiting)
		ev := []string{fmt.Sprintf("longest run: %s from %s", dur(h.longest.End-h.longest.Start), dur(h.longest.Start))}
		a.add(Finding{Kind: KindHog, Severity: Warning, Title: "CPU hog", Message: msg, Evidence: ev,
			Subject: h.g.Name, From: h.longest.Start, To: h.longest.End, Goroutines: []int64{int64(h.g.ID)}})
	}
}

// io: stretches where nothing ran while goroutines sat in system calls or
// waited on the network.
func (a *analysis) io() {
	t := a.t
	s := &t.Parallel
	if s.N == 0 || t.Duration <= 0 {
		return
	}
	var sys, net int64
	var sysFrom, netFrom int64 = -1, -1
	for i := 0; i < s.N; i++ {
		if s.Avg(parse.DimRunning, i)+s.Avg(parse.DimRunningSystem, i) >= 0.5 {
			continue
		}
		w := min(s.Width, t.Duration-int64(i)*s.Width)
		if s.Avg(parse.DimSyscall, i) >= 0.5 {
			sys += w
			if sysFrom < 0 {
				sysFrom = int64(i) * s.Width
			}
		} else if s.Avg(parse.BlockedDim(parse.ReasonNetwork), i) >= 0.5 {
			net += w
			if netFrom < 0 {
				netFrom = int64(i) * s.Width
			}
		}
	}
	report := func(kind, title, what string, total, from int64, reason parse.Reason) {
		share := float64(total) / float64(t.Duration)
		if share < a.th.IOMinShare {
			return
		}
		msg := fmt.Sprintf("For %s (%.0f%% of the trace) nothing ran while goroutines waited on %s: the program is bound by it, not by its CPUs.", dur(total), 100*share, what)
		var ev []string
		for _, st := range t.Sites {
			if st.Reason == reason && len(ev) < 5 {
				ev = append(ev, fmt.Sprintf("%s: %d waits, %s", a.place(st.Frame), st.Count, dur(st.Total)))
			}
		}
		a.add(Finding{Kind: kind, Severity: Info, Title: title, Message: msg, Evidence: ev, Subject: what, From: from, To: t.Duration})
	}
	report(KindSyscall, "Bound by system calls", "system calls", sys, sysFrom, parse.ReasonSyscall)
	report(KindNetwork, "Bound by the network", "the network", net, netFrom, parse.ReasonNetwork)
}

// gc: long or frequent stop-the-world pauses, heavy GC assists.
func (a *analysis) gc() {
	t := a.t
	if t.Duration <= 0 {
		return
	}
	var stw, maxSTW, maxAt int64
	var pauses, cycles int
	for _, w := range t.GC {
		if w.Kind == parse.WindowSTW {
			d := w.End - w.Start
			stw += d
			pauses++
			if d > maxSTW {
				maxSTW, maxAt = d, w.Start
			}
		} else {
			cycles++
		}
	}
	var assist, running int64
	for _, g := range t.Goroutines {
		if !g.System {
			assist += g.Totals.GCAssist
			running += g.Totals.Running
		}
	}
	var reasons []string
	if maxSTW >= int64(a.th.GCMaxPause) {
		reasons = append(reasons, fmt.Sprintf("a stop-the-world pause of %s", dur(maxSTW)))
	}
	if share := float64(stw) / float64(t.Duration); share >= a.th.GCMaxPauseShare && stw >= int64(a.th.GCMaxPause) {
		reasons = append(reasons, fmt.Sprintf("the world stopped %.1f%% of the time", 100*share))
	}
	if running > 0 {
		if share := float64(assist) / float64(running); share >= a.th.GCMaxAssistShare {
			reasons = append(reasons, fmt.Sprintf("goroutines spent %.0f%% of their running time assisting the GC", 100*share))
		}
	}
	if len(reasons) == 0 {
		return
	}
	msg := "The garbage collector slowed the program: " + strings.Join(reasons, "; ") + ". Allocate less, or raise GOGC or GOMEMLIMIT."
	ev := []string{
		fmt.Sprintf("%d GC cycles, %d stop-the-world pauses, %s in all, longest %s", cycles, pauses, dur(stw), dur(maxSTW)),
		fmt.Sprintf("GC assists: %s of %s running", dur(assist), dur(running)),
	}
	a.add(Finding{Kind: KindGC, Severity: Warning, Title: "GC pressure", Message: msg, Evidence: ev, Subject: "GC", From: maxAt, To: maxAt + maxSTW})
}
