package findings

import (
	"fmt"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
)

// contention: locks whose waits dominate, named ones by name, others by the
// call site that waited.
func (a *analysis) contention() {
	t := a.t
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
		maxAt, longest := int64(0), int64(0)
		for _, o := range r.Ops {
			if o.Max > longest {
				longest, maxAt = o.Max, o.MaxAt
			}
		}
		readers := r.Kind == parse.KindRWMutex && r.Ops[parse.OpRLock].Total > r.Ops[parse.OpLock].Total
		msg := fmt.Sprintf("Goroutines waited %s in all for the %s %q (%d wait%s by %d goroutine%s, up to %s each): on average %.1f goroutines were stuck waiting for it.",
			dur(w), r.Kind, r.Name, r.Waits(), plural(int(r.Waits())), r.Waiters, plural(int(r.Waiters)), dur(longest), share)
		msg += a.pattern(r.Kind == parse.KindMutex, readers, share)
		ev := []string{
			fmt.Sprintf("waits: %d, total %s, longest %s, p99 %s", r.Waits(), dur(w), dur(longest), dur(r.Hist.Quantile(0.99))),
		}
		if r.Kind == parse.KindRWMutex {
			ev = append(ev, fmt.Sprintf("readers waited %s (%d waits), writers %s (%d waits)",
				dur(r.Ops[parse.OpRLock].Total), r.Ops[parse.OpRLock].Waits, dur(r.Ops[parse.OpLock].Total), r.Ops[parse.OpLock].Waits))
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
		a.add(Finding{Severity: severity(share), Message: msg, Evidence: ev, CostNs: w,
			Subject: r.Kind.String() + " " + r.Name, From: maxAt, To: maxAt + longest, Goroutines: gs})
	}
	// A goroutine stuck on a lock for good (a leak, a deadlock) is not
	// contention: nothing let it in. Its wait, still going on where the
	// trace ends, is the leak finding's. In a trace cut short (a program
	// killed while it hung) nobody can tell a wait still going on from
	// one that never ends: those are left out too, and the cut trace's
	// warning names the longest.
	type stuckWaits struct {
		ns, n  int64
		leaked bool
	}
	stuck := map[uint64]stuckWaits{}
	for _, g := range t.Goroutines {
		if (g.Leaked() || t.Cut && !g.System) && g.End == parse.EndBlocked && (g.EndReason == parse.ReasonMutex || g.EndReason == parse.ReasonRWMutex) {
			k := parse.SiteKey(t.SiteOf(g.EndStack), g.EndReason)
			st := stuck[k]
			st.ns += t.Duration - g.EndSince
			st.n++
			st.leaked = st.leaked || g.Leaked()
			stuck[k] = st
		}
	}
	for _, s := range t.Sites {
		if s.Reason != parse.ReasonMutex && s.Reason != parse.ReasonRWMutex {
			continue
		}
		if st, ok := stuck[parse.SiteKey(s.Frame, s.Reason)]; ok {
			s.Total -= st.ns
			s.Count -= st.n
			s.Max = min(s.Max, s.Total)
		}
		share := float64(s.Total) / float64(t.Duration)
		if s.Count <= 0 || s.Total < minWait || share < a.th.ContentionMinShare || a.viaTracer(s.Stack) {
			continue
		}
		where := a.place(s.Frame)
		readers := s.Reason == parse.ReasonRWMutex && a.inFunc(s.Stack, "sync.(*RWMutex).RLock")
		what := s.Reason.String()
		if readers {
			what = "rwmutex (readers)"
		}
		msg := fmt.Sprintf("Goroutines waited %s in all on a %s at %s (%d wait%s, up to %s each): on average %.1f goroutines were stuck there.",
			dur(s.Total), what, where, s.Count, plural(int(s.Count)), dur(s.Max), share)
		msg += a.pattern(s.Reason == parse.ReasonMutex, readers, share)
		ev := []string{fmt.Sprintf("waits: %d, total %s, longest %s", s.Count, dur(s.Total), dur(s.Max))}
		if st, ok := stuck[parse.SiteKey(s.Frame, s.Reason)]; ok {
			if st.leaked {
				ev = append(ev, fmt.Sprintf("not counted: %d goroutine%s still stuck here where the trace ends (see the leak finding)", st.n, plural(int(st.n))))
			} else {
				ev = append(ev, fmt.Sprintf("not counted: %d goroutine%s still waiting here where the trace, cut short, ends", st.n, plural(int(st.n))))
			}
		}
		var gs []int64
		if len(s.Holders) > 0 {
			msg += a.holders(s.Holders, s.HolderCount)
			for j, h := range s.Holders {
				if j == 5 {
					break
				}
				line := fmt.Sprintf("held by %s while others waited %s", a.gname(h.G), dur(h.Blame))
				if h.Release != 0 {
					line += ", released at " + a.place(a.t.SiteOf(h.Release))
				}
				ev = append(ev, line)
				gs = append(gs, int64(h.G))
			}
		} else {
			hint := "tracer.NewMutex"
			if s.Reason == parse.ReasonRWMutex {
				hint = "tracer.NewRWMutex"
			}
			msg += fmt.Sprintf(" Name it with %s to see who held it.", hint)
		}
		ev = append(ev, a.stackLines(s.Stack, 7)...)
		a.add(Finding{Severity: severity(share), Message: msg, Evidence: ev, CostNs: s.Total, Site: a.site(s.Frame),
			Subject: s.Reason.String() + " @ " + a.funcOf(s.Frame), From: s.MaxAt, To: s.MaxAt + s.Max, Goroutines: gs})
	}
}

// holders says who held an unnamed lock, from who woke its waiters.
func (a *analysis) holders(hs []parse.Holder, n int) string {
	top := hs[0]
	where := ""
	if top.Release != 0 {
		where = ", releasing it at " + a.place(a.t.SiteOf(top.Release))
	}
	if n == 1 {
		return fmt.Sprintf(" %s held it while they waited%s.", a.gname(top.G), where)
	}
	group := ""
	if g := a.t.Goroutine(top.G); g != nil {
		same := 0
		for _, h := range hs {
			if hg := a.t.Goroutine(h.G); hg != nil && hg.Name == g.Name {
				same++
			}
		}
		if same == len(hs) {
			group = " " + g.Name
		}
	}
	return fmt.Sprintf(" %d%s goroutines held it in turn while others waited; %s held it longest%s.", n, group, a.gname(top.G), where)
}

// severity of contention by the average goroutines waiting.
func severity(share float64) Severity {
	if share >= 1 {
		return Critical
	}
	return Warning
}

// pattern names the shape of the contention, if it has a known one.
func (a *analysis) pattern(mutex, readers bool, share float64) string {
	switch {
	case readers:
		return " Readers waited on writers: while a writer holds the lock, or waits for it, no new reader gets in."
	case mutex && share >= 2:
		return " That is a convoy: they take the lock one after the other."
	}
	return ""
}

// viaTracer reports whether a blocking stack went through the tracer's
// named locks (those are reported by name).
func (a *analysis) viaTracer(stack parse.StackID) bool {
	return a.inFunc(stack, protocol.TracerPkg+".")
}

// inFunc reports whether a stack has a frame of a function starting with prefix.
func (a *analysis) inFunc(stack parse.StackID, prefix string) bool {
	for _, f := range a.t.StackFrames(stack) {
		if strings.HasPrefix(f.Func, prefix) {
			return true
		}
	}
	return false
}
