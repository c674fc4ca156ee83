package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
)

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
	busy := a.timeSliced()
	if p99 >= 4*int64(a.th.LatencyP99) && busy <= t.GOMAXPROCS {
		// Time-slicing CPU-bound goroutines is the scheduler doing its
		// job: a batch of them takes as long on GOMAXPROCS Ps whatever
		// the waits; it is worth a warning, not an alarm.
		sev = Critical
	}
	msg := fmt.Sprintf("Goroutines that were ready to run waited for a processor up to %s (99%% of waits under %s): %s of scheduler latency in all.",
		dur(h.Max), dur(p99), dur(total))
	if busy > t.GOMAXPROCS {
		msg += fmt.Sprintf(" %d goroutines ran until the runtime preempted them, on %d Ps: it time-sliced them, and fewer CPU-bound goroutines (a worker pool of GOMAXPROCS), or more CPUs, would shorten the waits.", busy, t.GOMAXPROCS)
	} else if t.Waterfall.Runnable > int64(0.05*float64(t.Waterfall.Capacity)) {
		msg += fmt.Sprintf(" Ps sat idle for %s meanwhile: the scheduler was slow to hand them out.", dur(t.Waterfall.Runnable))
	} else {
		msg += fmt.Sprintf(" All %d Ps were busy: more goroutines wanted to run than there were Ps.", t.GOMAXPROCS)
	}
	ev := []string{
		fmt.Sprintf("runnable waits: %d, median %s, p99 %s, longest %s", h.N, dur(p50), dur(p99), dur(h.Max)),
		fmt.Sprintf("longest wait: %s, from %s", a.gname(t.LatencyMaxG), dur(t.LatencyMaxAt)),
	}
	a.add(Finding{Severity: sev, Message: msg, Evidence: ev, CostNs: total,
		Subject: "runnable goroutines", From: t.LatencyMaxAt, To: t.LatencyMaxAt + h.Max, Goroutines: []int64{int64(t.LatencyMaxG)}})
}

// hogRun is one goroutine's preempted runs at the hog threshold.
type hogRun struct {
	g     *parse.Goroutine
	n     int64
	total int64
	wait  int64
}

// cpuBound lists the goroutines the runtime preempted, while woken
// goroutines waited, for at least the hog thresholds, most first.
func (a *analysis) cpuBound() []hogRun {
	i := max(parse.HogCutoff(int64(a.th.HogMinRun)), 0)
	var out []hogRun
	for _, g := range a.t.Goroutines {
		if h := g.Hog; h != nil && !g.System && h.Total[i] >= int64(a.th.HogMinTotal) && h.N[i] > 0 {
			out = append(out, hogRun{g, h.N[i], h.Total[i], h.Waiting[i]})
		}
	}
	slices.SortFunc(out, func(x, y hogRun) int { return cmp.Or(cmp.Compare(y.total, x.total), cmp.Compare(x.g.ID, y.g.ID)) })
	return out
}

// timeSliced counts the goroutines the runtime preempted after a run of at
// least hog_min_run, whoever waited: CPU-bound goroutines.
func (a *analysis) timeSliced() int {
	i := max(parse.HogCutoff(int64(a.th.HogMinRun)), 0)
	n := 0
	for _, g := range a.t.Goroutines {
		if h := g.Hog; h != nil && !g.System && h.Preempted[i] > 0 {
			n++
		}
	}
	return n
}

// hogs: goroutines that ran until the runtime preempted them while woken
// goroutines waited for a P. When more goroutines were preempted so than
// there are Ps, they were time-sliced among themselves: scheduler latency
// (which says so), not a hog.
func (a *analysis) hogs() {
	hs := a.cpuBound()
	if len(hs) == 0 || a.timeSliced() > a.t.GOMAXPROCS {
		return
	}
	// One finding per group of goroutines sharing a name.
	type group struct {
		name    string
		members []hogRun
		total   int64
	}
	var groups []*group
	byName := map[string]*group{}
	for _, h := range hs {
		gr := byName[h.g.Name]
		if gr == nil {
			gr = &group{name: h.g.Name}
			byName[h.g.Name] = gr
			groups = append(groups, gr)
		}
		gr.members = append(gr.members, h)
		gr.total += h.total
	}
	for _, gr := range groups {
		first := gr.members[0] // the one with the most
		hr := first.g.Hog
		longest := hr.LongestEnd - hr.LongestStart
		var runs, waiting int64
		var ids []int64
		var names []string
		for _, m := range gr.members {
			runs += m.n
			waiting += m.wait
			ids = append(ids, int64(m.g.ID))
			names = append(names, a.gname(m.g.ID))
		}
		who := a.gname(first.g.ID)
		if len(gr.members) > 1 {
			who = fmt.Sprintf("%d goroutines (%s)", len(gr.members), gr.name)
		}
		msg := fmt.Sprintf("%s kept a processor for %s in runs of up to %s until the runtime preempted it, while goroutines that had just been woken up waited for a P (%.1f on average): a loop that does not block or yield delays them by up to its run.",
			who, dur(gr.total), dur(longest), float64(waiting)/float64(max(runs, 1)))
		ev := []string{
			fmt.Sprintf("%d preempted runs of at least %s while others waited, %s in all", runs, dur(int64(a.th.HogMinRun)), dur(gr.total)),
			fmt.Sprintf("longest run: %s from %s, %d woken goroutines waiting when it was preempted", dur(longest), dur(hr.LongestStart), hr.LongestWaiting),
		}
		if len(names) > 1 {
			ev = append(ev, "goroutines: "+strings.Join(names[:min(len(names), 5)], ", "))
		}
		ev = append(ev, a.stackLines(hr.LongestStack, 5)...)
		a.add(Finding{Severity: Warning, Message: msg, Evidence: ev, CostNs: gr.total, Site: a.site(a.t.SiteOf(hr.LongestStack)),
			Subject: gr.name, From: hr.LongestStart, To: hr.LongestEnd, Goroutines: ids})
	}
}

// own reports whether [from, to) overlaps the tracer's own work.
func (a *analysis) own(from, to int64) bool {
	for _, w := range a.t.Own {
		if w.Start < to && w.End > from {
			return true
		}
	}
	return false
}

// gc: long or frequent stop-the-world pauses, heavy GC assists.
//
// Only what held the program's work back counts, when the critical paths
// of that work stand for it (parse.PathSet.StandsForWork): pauses while
// the paths ran or waited for a P (or where no path says), and the assists
// of the goroutines on the paths (as a share of all running). A cache
// refresher's assists while main's own loop paces the program slowed
// nothing the program waited for.
func (a *analysis) gc() {
	t := a.t
	ps := a.workPaths()
	onPaths := ps.N > 0 && ps.StandsForWork()
	var stw, maxSTW, maxAt int64
	var pauses, cycles, other, own, idle int
	for _, w := range t.GC {
		if w.Kind == parse.WindowSTW && !strings.HasPrefix(w.Reason, "GC") {
			other++
			continue // the world stopped for something else (a goroutine profile, GOMAXPROCS)
		}
		if a.own(w.Start, w.End) {
			own++
			continue // vizrun's own work (a report written, the leak check): not the program's
		}
		if w.Kind == parse.WindowSTW {
			if onPaths && !ps.Held(w.Start, w.End) {
				idle++
				continue // the program's work was waiting on something else
			}
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
	var assist, running, offAssist int64
	for _, g := range t.Goroutines {
		if g.System {
			continue
		}
		running += g.Totals.Running
		if onPaths && !ps.On(g.ID) {
			offAssist += g.Totals.GCAssist
		} else {
			assist += g.Totals.GCAssist
		}
	}
	var reasons []string
	if maxSTW >= int64(a.th.GCMaxPause) {
		reasons = append(reasons, fmt.Sprintf("a stop-the-world pause of %s", dur(maxSTW)))
	}
	if share := float64(stw) / float64(t.Duration); share >= a.th.GCMaxPauseShare && stw >= int64(a.th.GCMaxPause) {
		reasons = append(reasons, fmt.Sprintf("the world stopped %.1f%% of the time", 100*share))
	}
	// Assists are a share of running time; they slow the program only if
	// they also take a share of its wall time (31 ms of running, 11 ms of
	// it assisting, in a 570 ms trace slowed nothing).
	if running > 0 && float64(assist) >= a.th.GCMaxPauseShare*float64(t.Duration) {
		if share := float64(assist) / float64(running); share >= a.th.GCMaxAssistShare {
			what := fmt.Sprintf("goroutines spent %.0f%% of their running time assisting the GC", 100*share)
			if offAssist > 0 {
				what = fmt.Sprintf("the goroutines on the critical path of its work assisted the GC for %.0f%% of the program's running time", 100*share)
			}
			reasons = append(reasons, what)
		}
	}
	if len(reasons) == 0 {
		return
	}
	msg := "The garbage collector slowed the program: " + strings.Join(reasons, "; ") + ". Allocate less, or raise GOGC or GOMEMLIMIT."
	counted := fmt.Sprintf("%d GC cycles, %d stop-the-world pauses for the GC, %s in all, longest %s", cycles, pauses, dur(stw), dur(maxSTW))
	var left []string
	if own > 0 {
		left = append(left, fmt.Sprintf("%d GC windows during vizrun's own work (its leak check, a report written)", own))
	}
	if other > 0 {
		left = append(left, fmt.Sprintf("%d stop%s of the world for something else (a goroutine profile, GOMAXPROCS)", other, plural(other)))
	}
	if idle > 0 {
		left = append(left, fmt.Sprintf("%d pause%s while the critical path of the program's work waited on something else", idle, plural(idle)))
	}
	if len(left) > 0 {
		counted += "; not counted: " + strings.Join(left, ", ")
	}
	assists := fmt.Sprintf("GC assists: %s of %s running", dur(assist), dur(running))
	if onPaths {
		assists = fmt.Sprintf("GC assists by the goroutines on the critical path of the program's work: %s of %s running; %s by the others, not counted", dur(assist), dur(running), dur(offAssist))
	}
	ev := []string{counted, assists}
	a.add(Finding{Severity: Warning, Message: msg, Evidence: ev, CostNs: stw*int64(max(t.GOMAXPROCS, 1)) + assist,
		Subject: "GC", From: maxAt, To: maxAt + maxSTW})
}
