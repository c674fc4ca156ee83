package parse

import (
	"cmp"
	"slices"
)

// Critical paths. What decided when a goroutine, a task or a region ended?
// Walk back from its end: while the goroutine ran, waited for a P or sat in
// a system call, that is on the path; where it was blocked and another
// goroutine woke it up, the path jumps to that goroutine at the moment of
// the wake-up (what it did before is what the wait waited for); where a
// timer, the network poller or the GC woke it, the wait itself is on the
// path; before a goroutine was created, the path goes on in its creator.
// The walk stops at the start of what is explained.
//
// A waker may have been waiting on the network itself since before the
// goroutine it woke began to wait: a connection reader idle between
// requests, a client library's reader waiting for the next message. Only
// the part of that wait since the woken goroutine began waiting held it
// back; before that, the woken goroutine's own work decided when it began
// waiting and sent the request the reader waits to answer (the trace does
// not see the round trip outside the process), so the walk goes back to it
// there. A timer is not cut so: a sleep that began first ends when it
// ends, whatever the goroutine waiting for the sleeper did meanwhile.
//
// Nor is a waker that was running since well before the woken goroutine
// began to wait, and woke it almost at once (the wait lasted less than a
// tenth of the waker's run before it): it was not computing what the wait
// waited for. A background loop that checks a flag main sets when it is
// done, and then closes a channel main waits on, depends on main's work
// through the flag, which the trace does not show; the walk goes back to
// the woken goroutine where its wait began.

// PathSegment is one stretch of a critical path, on one goroutine.
type PathSegment struct {
	G          GoID
	Start, End int64
	State      State
	Reason     Reason     // for blocked spans
	Stack      StackID    // for blocked and syscall spans: where it waited
	Wake       WakeSource // for blocked spans: what woke it (the path did not follow a goroutine)
}

// Path is the critical path of [From, To): its segments in time order,
// covering it without gaps, and the hand-offs between goroutines.
type Path struct {
	From, To int64
	Segments []PathSegment
	Hops     int // jumps to a waker or a creator
}

// maxPathSteps bounds a walk (a path through millions of spans is cut at
// its start: the earliest part is then missing).
const maxPathSteps = 1 << 20

// CriticalPath walks back from goroutine g at time to, down to from.
func (t *Trace) CriticalPath(g GoID, from, to int64) Path {
	return t.CriticalPathLimit(g, from, to, maxPathSteps)
}

// CriticalPathLimit is CriticalPath walking at most limit spans back from
// to: a longer path is cut at its start (Path.From says where it begins).
// The report bounds with it the paths it draws for every goroutine.
func (t *Trace) CriticalPathLimit(g GoID, from, to int64, limit int) Path {
	limit = min(limit, maxPathSteps)
	p := Path{From: from, To: to}
	cur := t.Goroutine(g)
	at := to
	var rev []PathSegment
	// Where the walk jumped to a waker: the woken goroutine, and when it
	// began to wait (see above). Innermost last.
	type ret struct {
		g            *Goroutine
		since, until int64 // the woken goroutine's wait
	}
	var rets []ret
	add := func(s PathSegment) {
		if s.End <= s.Start {
			return
		}
		if n := len(rev); n > 0 {
			last := &rev[n-1]
			if last.G == s.G && last.State == s.State && last.Reason == s.Reason && last.Start == s.End && last.Wake == s.Wake {
				last.Start = s.Start
				return
			}
		}
		rev = append(rev, s)
	}
	for steps := 0; cur != nil && at > from && steps < limit; steps++ {
		i := spanBefore(cur.Spans, at)
		if i < 0 {
			// Before the goroutine's first span: before it was created,
			// its creator was running.
			if cur.Created > from && cur.Parent != 0 && cur.Parent != cur.ID {
				if parent := t.Goroutine(cur.Parent); parent != nil {
					at = min(at, cur.Created)
					cur = parent
					p.Hops++
					continue
				}
			}
			break
		}
		if cur.Spans[i].End < at {
			at = cur.Spans[i].End // after it ended: nothing of it is on the path
			continue
		}
		s := cur.Spans[i]
		begin := max(s.Start, from)
		for len(rets) > 0 && rets[len(rets)-1].since >= at {
			rets = rets[:len(rets)-1] // walked back past the woken goroutine's wait: it stays on this goroutine
		}
		var back *Goroutine // where the walk goes back to after this span
		switch s.State {
		case StateBlocked:
			w, ok := cur.WakeOf(s)
			if ok && s.End == at && w.Source == WakeGoroutine {
				if waker := t.Goroutine(w.By); waker != nil && waker != cur && !waker.System {
					rets = append(rets, ret{cur, begin, at})
					cur = waker
					p.Hops++
					continue
				}
			}
			if n := len(rets); n > 0 && rets[n-1].since > begin && s.End == at && (s.Reason == ReasonNetwork || (w.Source == WakeGC || s.Reason == ReasonGC) && t.independent(cur, i, rets[n-1].since, rets[n-1].until)) {
				// The waker waited since before the woken goroutine did:
				// back to the woken goroutine where its wait began.
				begin, back = rets[n-1].since, rets[n-1].g
				rets = rets[:n-1]
			}
			seg := PathSegment{G: cur.ID, Start: begin, End: at, State: s.State, Reason: s.Reason, Stack: s.Stack, Wake: w.Source}
			switch {
			case ok && w.Source == WakeGoroutine:
				seg.Wake = WakeRuntime // a runtime goroutine's doing
			case !ok && s.End < t.Duration:
				seg.Wake = WakeRuntime // it ended, by whom is not kept
			}
			add(seg)
		case StateSyscall:
			add(PathSegment{G: cur.ID, Start: begin, End: at, State: s.State, Reason: ReasonSyscall, Stack: s.Stack})
		default:
			if n := len(rets); n > 0 && rets[n-1].since > begin && t.independent(cur, i, rets[n-1].since, rets[n-1].until) {
				begin, back = rets[n-1].since, rets[n-1].g
				rets = rets[:n-1]
			}
			add(PathSegment{G: cur.ID, Start: begin, End: at, State: s.State})
		}
		at = begin
		if back != nil {
			cur = back
			p.Hops++
		}
	}
	if at > from {
		// Nothing explains the beginning (the trace started, or the walk
		// was cut): it stays uncovered, as a gap before the first segment.
		p.From = at
	}
	slices.Reverse(rev)
	p.Segments = rev
	return p
}

// independentSpans bounds how far back independent looks.
const independentSpans = 256

// independent reports whether goroutine g, at its span i, which covers
// since, had been going on by itself (no wait of its ended by a goroutine
// of the program) for over ten times as long before since as the wait
// [since, until) it ended lasted: it was not computing what that wait
// waited for (see the walk's comment).
func (t *Trace) independent(g *Goroutine, i int, since, until int64) bool {
	start := g.Spans[i].Start
	for j := i; j >= 0 && i-j < independentSpans; j-- {
		s := &g.Spans[j]
		if s.State == StateBlocked {
			if w, ok := g.WakeOf(*s); ok && w.Source == WakeGoroutine {
				if by := t.Goroutine(w.By); by == nil || !by.System {
					break
				}
			}
		}
		start = s.Start
		if 10*(until-since) < since-start {
			return true
		}
	}
	return 10*(until-since) < since-start
}

// spanBefore is the index of the last span starting before t, or -1.
func spanBefore(spans []Span, t int64) int {
	i, _ := slices.BinarySearchFunc(spans, t, func(s Span, t int64) int { return cmp.Compare(s.Start, t) })
	return i - 1
}

// Length is the time the path covers.
func (p *Path) Length() int64 {
	var n int64
	for _, s := range p.Segments {
		n += s.End - s.Start
	}
	return n
}

// PathPart is the time of a path spent one way.
type PathPart struct {
	Category string // "running main.worker", "waiting for a P", "sleep at main.fetch (fetch.go:12)", ...
	Ns       int64
}

// Breakdown sums a path's time by what it was spent on: running (by
// goroutine group), waiting for a P, and each wait the path could not
// follow to another goroutine (a timer, the network, a system call, the GC,
// or a wait still going on), by reason and call site. Largest first.
func (t *Trace) Breakdown(p *Path) []PathPart {
	sum := map[string]int64{}
	for _, s := range p.Segments {
		sum[t.category(&s)] += s.End - s.Start
	}
	out := make([]PathPart, 0, len(sum))
	for c, ns := range sum {
		out = append(out, PathPart{c, ns})
	}
	slices.SortFunc(out, func(a, b PathPart) int { return cmp.Or(cmp.Compare(b.Ns, a.Ns), cmp.Compare(a.Category, b.Category)) })
	return out
}

// category names what a path segment was spent on.
func (t *Trace) category(s *PathSegment) string {
	switch s.State {
	case StateRunning:
		name := "?"
		if g := t.Goroutine(s.G); g != nil {
			name = g.Name
		}
		return "running " + name
	case StateRunnable:
		return "waiting for a P"
	case StateSyscall:
		return "system call at " + t.placeOf(s.Stack)
	}
	what := s.Reason.String()
	switch s.Wake {
	case WakeTimer:
		if s.Reason != ReasonSleep {
			what += " (timer)"
		}
	case WakeNone:
		what += " (still waiting)"
	}
	return what + " at " + t.placeOf(s.Stack)
}

// placeOf is the call site of a stack in words.
func (t *Trace) placeOf(stk StackID) string {
	f := t.SiteOf(stk)
	if f == 0 {
		return "(no stack)"
	}
	return t.Frames[f].Func
}

// MainGoroutine is the program's main goroutine (runtime.main), or nil.
func (t *Trace) MainGoroutine() *Goroutine {
	for _, g := range t.Goroutines {
		if !g.System && (g.StartFunc == "runtime.main" || g.StartFunc == "main.main") {
			return g
		}
	}
	return nil
}
