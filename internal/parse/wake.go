package parse

import (
	"strings"

	"golang.org/x/exp/trace"
)

// Wake-ups. When a blocked goroutine is made runnable, the event is emitted
// by the goroutine that unblocked it, with that goroutine's stack: the send,
// Unlock, Done or Signal that let it go on. Timers, the network poller and
// the GC wake goroutines from the scheduler, with no goroutine. Each wake-up
// is kept (Goroutine.Wakes) and, as it happens, decides what the woken
// goroutine's wait counted as for the lost-parallelism blame (see
// WaitingOnDim).

// WakeSource says what ended a blocked span.
type WakeSource uint8

const (
	WakeNone      WakeSource = iota // not woken within the trace
	WakeGoroutine                   // another goroutine: Wake.By, at Wake.Stack
	WakeTimer                       // a timer (time.Sleep, time.After, a deadline)
	WakeNetwork                     // the network poller
	WakeGC                          // the garbage collector
	WakeRuntime                     // the scheduler or the runtime, for another reason
)

var wakeNames = []string{"", "goroutine", "timer", "network poller", "GC", "runtime"}

func (w WakeSource) String() string {
	if int(w) < len(wakeNames) {
		return wakeNames[w]
	}
	return "unknown"
}

// Wake is how one blocked span of a goroutine ended. Goroutine.Wakes holds
// them in time order, one for each blocked span that ended in a wake-up and
// still stands on its own (merged spans lose theirs, see Trace.Coarsened).
type Wake struct {
	At     int64      // when: the End of the blocked span
	By     GoID       // the goroutine that woke it (WakeGoroutine), else 0
	Stack  StackID    // By's stack as it woke it; 0 when none
	Source WakeSource // what woke it
}

// WakeOf returns the wake-up that ended the blocked span s of g, if known.
func (g *Goroutine) WakeOf(s Span) (Wake, bool) {
	if s.State != StateBlocked || s.Merged() {
		return Wake{}, false
	}
	lo, hi := 0, len(g.Wakes)
	for lo < hi {
		m := (lo + hi) / 2
		if g.Wakes[m].At < s.End {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(g.Wakes) && g.Wakes[lo].At == s.End {
		return g.Wakes[lo], true
	}
	return Wake{}, false
}

// wakeSourceOf is what woke a goroutine blocked for r when no goroutine did.
func wakeSourceOf(r Reason) WakeSource {
	switch r {
	case ReasonSleep, ReasonSelect, ReasonChanRecv, ReasonChanSend:
		// Channels with no goroutine behind the wake-up are timers'
		// (time.After, tickers, context deadlines).
		return WakeTimer
	case ReasonNetwork:
		return WakeNetwork
	case ReasonGC:
		return WakeGC
	}
	return WakeRuntime
}

// wakerSource classifies a waking goroutine's stack: a goroutine that ran
// timers or polled the network on the way woke the goroutine for them.
func wakerSource(frames []Frame) WakeSource {
	for _, f := range frames {
		switch {
		case strings.HasPrefix(f.Func, "runtime.(*timer)"), strings.HasPrefix(f.Func, "runtime.(*timers)"):
			return WakeTimer
		case strings.HasPrefix(f.Func, "runtime.netpoll"):
			return WakeNetwork
		}
	}
	return WakeGoroutine
}

// wake closes the blocked span of gs, woken up at t by ev, and books the
// wake-up.
func (b *builder) wake(gs *gstate, ev *trace.Event, t int64) {
	s := gs.cur // closeSpan may coarsen the spans: keep this one
	s.End = t
	w := Wake{At: t, Source: wakeSourceOf(s.Reason)}
	if id := ev.Goroutine(); id != trace.NoGoroutine && GoID(id) != gs.g.ID {
		stk := b.stackID(ev.Stack())
		src := WakeGoroutine
		if stk != 0 {
			src = b.info(stk).waker
		}
		if src == WakeGoroutine {
			w.By, w.Stack, w.Source = GoID(id), stk, WakeGoroutine
		} else {
			w.Source = src
		}
	}
	b.wakeBooked = true
	gs.closeSpan(b, t)
	b.wakeBooked = false
	if gs.g.System || b.own(&s) {
		return
	}
	if b.waits(false, &s) {
		b.waitedOnVia(gs, &s, &w)
	}
	b.lockWaitEnds(gs.g.ID, &s, &w)
	if w.Source == WakeGoroutine && s.Stack != 0 {
		gs.served = s.Stack // a worker loop, if it comes back to wait here
	}
	gs.g.Wakes = grow(gs.g.Wakes, w)
	if b.nspans++; b.nspans > b.limit {
		b.coarsen()
	}
}

// waitedOn books span s (a wait that ended, one that can hold the program
// back: see builder.waits) to what it waited on: its reason.
func (b *builder) waitedOn(gs *gstate, s *Span) {
	r := s.Reason
	if s.State == StateSyscall {
		r = ReasonSyscall
	}
	b.waitingOn(gs, r, s.Start, s.End)
}

// waitedOnVia books the wait s of gs, which w ended, to what it waited on:
// the waker's reason while the waker was itself in its last wait (blocked, or
// in a system call, whichever covers more of s), its own reason otherwise.
// Only the waker's last waits are looked at (kept apart from its spans, so
// that the result does not depend on the model's level of detail): the one
// that typically let it go on and wake this goroutine, as a connection
// reader waits on the network before it hands a response over.
func (b *builder) waitedOnVia(gs *gstate, s *Span, w *Wake) {
	own := s.Reason
	if w.Source == WakeTimer {
		own = ReasonSleep // a channel or select a timer ended waited for time
	}
	if w.Source != WakeGoroutine {
		b.waitingOn(gs, own, s.Start, s.End)
		return
	}
	ws := b.g(w.By)
	lw := ws.lastBlocked
	from, to := max(lw.Start, s.Start), min(lw.End, s.End)
	if sf, st := max(ws.lastSyscall.Start, s.Start), min(ws.lastSyscall.End, s.End); st-sf > to-from {
		lw, from, to = ws.lastSyscall, sf, st
	}
	if ws.g.System || lw.State == StateNone || to <= from {
		b.waitingOn(gs, own, s.Start, s.End)
		return
	}
	r := lw.Reason
	if lw.State == StateSyscall {
		r = ReasonSyscall
	}
	b.waitingOn(gs, own, s.Start, from)
	b.waitingOn(gs, r, from, to)
	b.waitingOn(gs, own, to, s.End)
}

// waitingOn books [from, to) of a wait of gs to what it waited on, r; while
// it is not known whether gs is the runtime's (a goroutine from before the
// trace, first seen being woken up), it keeps the booking until it is (see
// decideSystem): a GC worker's waits are not the program's.
func (b *builder) waitingOn(gs *gstate, r Reason, from, to int64) {
	if to <= from {
		return
	}
	if !gs.sysSet {
		gs.pendingOn = append(gs.pendingOn, pendingOn{r, from, to})
		return
	}
	b.series.add(WaitingOnDim(r), from, to, 1)
	// A young user goroutine may still name itself vizrun's (see
	// decideSystem): remember its first bookings to take them back.
	if !gs.g.System && len(gs.g.Spans) < youngSpans {
		gs.bookedOn = append(gs.bookedOn, pendingOn{r, from, to})
	} else {
		gs.bookedOn = nil
	}
}

// youngSpans bounds the spans of a goroutine whose bookings to what its
// waits waited on are kept in case it turns out to be vizrun's.
const youngSpans = 16

// pendingOn is a booking waitingOn keeps.
type pendingOn struct {
	r        Reason
	from, to int64
}

// flushPendingOn books what waitingOn kept, if gs is a user goroutine.
func (gs *gstate) flushPendingOn(b *builder) {
	if !gs.g.System {
		for _, p := range gs.pendingOn {
			b.series.add(WaitingOnDim(p.r), p.from, p.to, 1)
		}
	}
	gs.pendingOn = nil
}

// keepWakes drops, in place, the wake-ups of spans that merging folded into
// others: a wake-up stays only with a blocked span of its own.
func keepWakes(spans []Span, wakes []Wake) []Wake {
	out := wakes[:0]
	i := 0
	for _, w := range wakes {
		for i < len(spans) && spans[i].End < w.At {
			i++
		}
		if i < len(spans) && spans[i].End == w.At && spans[i].State == StateBlocked && !spans[i].Merged() {
			out = append(out, w)
		}
	}
	return out
}
