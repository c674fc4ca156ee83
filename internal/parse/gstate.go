package parse

// The goroutine state machine: every goroutine state transition closes the
// goroutine's open span, books it, and opens the next. As in cmd/trace's
// gstate.go, the state is a type and the machine its methods; they take
// the builder as the context they book into (the model, the series, the
// stack table, the procs), and builder.go only routes events to them.

import (
	"cmp"

	"golang.org/x/exp/trace"
)

type gstate struct {
	g       *Goroutine
	cur     Span // the open span; State == StateNone when none
	p       ProcID
	onP     bool
	regions []openRegion
	assist  int64  // start of an open GC mark assist, -1 when none
	seen    bool   // a state transition has been seen
	sysSet  bool   // System has been decided from a stack or name
	flipAt  int64  // when System last changed after the goroutine was counted (0: never)
	pending []Span // blocking spans waiting for System to be decided before they count as sites
	sited   bool   // some of its spans were booked to call sites (as a user goroutine's)
	// pendingOn: what its waits waited on, kept until System is decided
	// (see waitingOn).
	pendingOn []pendingOn
	bookedOn  []pendingOn // its first bookings as a user goroutine (see waitingOn)

	// The last blocked and the last syscall span that ended (see
	// waitedOnVia).
	lastBlocked, lastSyscall Span

	woke bool // the open span is runnable after a wake-up (counts in builder.woken)

	served StackID // the stack of the last wait another goroutine woke it from

	sleptAt StackID // the stack of its last sleep that ended (see Goroutine.EndAsleep)
}

type openRegion struct {
	typ   string
	task  TaskID
	start int64
	stack StackID
}

const maxDenseGoID = 1 << 20

// current is the goroutine executing ev, or nil.
func (b *builder) current(ev *trace.Event) *gstate {
	id := ev.Goroutine()
	if id == trace.NoGoroutine {
		return nil
	}
	return b.g(GoID(id))
}

// g returns the state of goroutine id, creating it on first sight.
func (b *builder) g(id GoID) *gstate {
	if id >= 0 && id < maxDenseGoID {
		if int(id) < len(b.gs) {
			if gs := b.gs[id]; gs != nil {
				return gs
			}
		} else {
			n := max(int(id)+1, 2*len(b.gs), 64)
			b.gs = append(b.gs, make([]*gstate, n-len(b.gs))...)
		}
	} else if gs := b.gmap[id]; gs != nil {
		return gs
	}
	g := &Goroutine{ID: id, Ended: -1}
	gs := &gstate{g: g, assist: -1}
	b.t.Goroutines = append(b.t.Goroutines, g)
	b.t.byID[id] = g
	if id >= 0 && id < maxDenseGoID {
		b.gs[id] = gs
	} else {
		b.gmap[id] = gs
	}
	return gs
}

// transition moves gs to the state st says, at ev (its StateTransition
// event), in b's model.
func (gs *gstate) transition(b *builder, ev *trace.Event, st *trace.StateTransition) {
	from, to := st.Goroutine()
	g := gs.g
	t := b.now
	if gs.seen && (from == to || from == trace.GoUndetermined && gs.cur.State == stateOf(to)) {
		// A status report at a generation boundary (from a reader that
		// started at that generation, Undetermined): nothing changed.
		return
	}

	if !gs.seen {
		gs.seen = true
		if from == trace.GoNotExist {
			// Created during the trace.
			g.Created = t
			if p := ev.Goroutine(); p != trace.NoGoroutine {
				g.Parent = GoID(p)
			}
			g.CreateStack = b.stackID(ev.Stack())
			for f := range st.Stack.Frames() {
				g.StartFunc = funcName(f.Func)
				break
			}
			b.t.Created++
			gs.decideSystem(b, isSystemFunc(g.StartFunc), t)
		} else {
			// It existed before the trace started: it has been in this
			// state since then, as far as the trace can tell.
			g.PreExisting = true
			stk := b.stackID(st.Stack)
			gs.learnStart(b, stk, 0)
			if to != trace.GoNotExist {
				s := gs.newSpan(b, to, st.Reason, stk)
				s.Start = 0
				gs.addAlive(b, 1)
				gs.countSince(b, gs.g.System || b.own(s), s, 0, t, 1)
				gs.count(b, s, t, 1)
				if to == trace.GoRunning {
					b.procStart(gs, ev, t)
				}
				return
			}
		}
	}

	if to == trace.GoNotExist {
		gs.closeSpan(b, t)
		b.profileExited(gs)
		g.Ended = t
		g.End = EndExited
		gs.addAlive(b, -1)
		return
	}
	stk := b.stackID(st.Stack)
	if from == trace.GoNotExist {
		gs.addAlive(b, 1)
	}
	if g.StartFunc == "" {
		gs.learnStart(b, stk, t)
	}
	if !gs.sysSet && stk != 0 && st.Reason == "system goroutine wait" {
		gs.decideSystem(b, true, t)
	}
	if from == trace.GoRunning && to == trace.GoRunnable && gs.cur.State == StateRunning && runnableReason(st.Reason) == ReasonPreempted {
		b.preempted(gs, &gs.cur, t, stk)
	}
	if from == trace.GoWaiting && gs.cur.State == StateBlocked {
		b.wake(gs, ev, t)
	} else {
		gs.closeSpan(b, t)
	}
	s := gs.newSpan(b, to, st.Reason, stk)
	gs.woke = from == trace.GoWaiting && to == trace.GoRunnable
	gs.count(b, s, t, 1)
	if s.State == StateBlocked && !g.System {
		b.lockWaitBegins(s)
		if s.Stack != 0 && s.Stack == gs.served {
			// Woken here by another goroutine, it came back to wait here
			// again: a worker's loop waiting for its next job. (A
			// look-up first: most come back to a loop already known.)
			if !b.served[s.Stack] {
				b.served[s.Stack] = true
			}
		}
	}
	if to == trace.GoRunning {
		b.procStart(gs, ev, t)
	}
}

// learnStart names a goroutine that existed before the trace by the
// outermost frame of a stack it was seen with, and decides from it whether it
// belongs to the runtime.
func (gs *gstate) learnStart(b *builder, stk StackID, t int64) {
	if stk == 0 {
		return
	}
	fr := b.t.Stacks[stk].Frames
	bottom := b.t.Frames[fr[len(fr)-1]].Func
	if bottom == "runtime.goexit" && len(fr) > 1 {
		bottom = b.t.Frames[fr[len(fr)-2]].Func
	}
	if bottom == wrapperTraceStart {
		// vizrun run's wrapper starts the trace on the main goroutine,
		// and its own frames are left out of stacks (stackID): a first
		// stack taken inside the start ends there, not in main.
		bottom = "main.main"
	}
	gs.g.StartFunc = bottom
	gs.decideSystem(b, isSystemFunc(bottom), t)
}

// stateOf is the span state of a goroutine state (StateNone for NotExist).
func stateOf(s trace.GoState) State {
	switch s {
	case trace.GoRunning:
		return StateRunning
	case trace.GoRunnable:
		return StateRunnable
	case trace.GoSyscall:
		return StateSyscall
	case trace.GoWaiting:
		return StateBlocked
	}
	return StateNone
}

// newSpan opens the span of gs in state to, starting now, and returns it
// (&gs.cur). It is written in place, field by field: a Span built on the
// stack and copied whole into the goroutine's state stalled on store
// forwarding (a 16-byte load of what was just stored in smaller pieces), a
// tenth of the builder's time.
func (gs *gstate) newSpan(b *builder, to trace.GoState, raw string, stk StackID) *Span {
	var (
		state  State
		reason Reason
		rawID  uint16
	)
	switch to {
	case trace.GoRunning:
		state = StateRunning
		stk = 0
	case trace.GoRunnable:
		state = StateRunnable
		reason = runnableReason(raw)
		if reason == ReasonNone {
			stk = 0
		}
	case trace.GoSyscall:
		state = StateSyscall
		reason = ReasonSyscall
	default: // GoWaiting, and anything newer we do not know
		state = StateBlocked
		r, needStack := reasonFromRuntime(raw)
		reason = r
		if needStack && stk == 0 {
			rawID = b.raw(cmp.Or(raw, "unknown"))
		} else if needStack {
			info := b.info(stk)
			if raw == "" {
				reason, rawID = info.infer, info.inferR
			} else if info.sync != ReasonNone {
				reason = info.sync
			} else {
				rawID = b.raw(raw)
			}
		} else if r == ReasonOther {
			rawID = b.raw(raw)
		}
		if r == ReasonSelect && stk != 0 {
			// tracer.Send and tracer.Recv wait in a select (on the
			// channel and the context): it is a channel operation.
			if tr := b.info(stk).tracer; tr != ReasonNone {
				reason = tr
			}
		}
	}
	s := &gs.cur
	s.Start, s.End, s.Stack, s.State, s.Reason, s.Raw = b.now, 0, stk, state, reason, rawID
	return s
}

// closeSpan ends the open span of gs at t and books it.
func (gs *gstate) closeSpan(b *builder, t int64) {
	s := &gs.cur
	if s.State == StateNone {
		return
	}
	s.End = t
	own, waits := gs.kind(b, s)
	gs.countAs(b, s, t, -1, own, waits)
	if waits && (s.State == StateSyscall || !b.wakeBooked) {
		b.waitedOn(gs, s)
	}
	if s.State == StateRunning {
		b.procEnd(gs, t)
	}
	g := gs.g
	if own {
		g.Totals.Own += s.End - s.Start
	} else {
		g.Totals.add(s)
		b.profileSpan(gs, s)
	}
	if s.State == StateRunning && !g.System {
		b.series.addTop(TopRunners, uint64(g.ID), s.Start, s.End)
	} else if waits {
		f := FrameID(0)
		if s.Stack != 0 {
			f = b.info(s.Stack).site
		}
		b.series.addTop(TopWaits, SiteKey(f, s.Reason), s.Start, s.End)
	}
	if s.State == StateRunning && gs.assist >= 0 {
		g.Totals.GCAssist += s.End - max(s.Start, gs.assist)
	}
	if s.State == StateRunnable && !g.System {
		d := s.End - s.Start
		if d > b.t.Latency.Max {
			b.t.LatencyMaxAt, b.t.LatencyMaxG = s.Start, g.ID
		}
		b.t.Latency.Add(d)
	}
	if (s.State == StateBlocked || s.State == StateSyscall) && !own {
		if s.State == StateBlocked {
			gs.lastBlocked = *s
			if s.Reason == ReasonSleep {
				gs.sleptAt = s.Stack
			}
		} else {
			gs.lastSyscall = *s
		}
		switch {
		case !gs.sysSet:
			gs.pending = append(gs.pending, *s)
		case !g.System:
			b.site(s)
			gs.sited = true
		}
	}
	g.Spans = grow(g.Spans, *s)
	*s = Span{}
	if b.nspans++; b.nspans > b.limit {
		b.coarsen()
	}
}

// count adds delta to the series counts a goroutine in span s counts
// towards, at time t.
func (gs *gstate) count(b *builder, s *Span, t, delta int64) {
	own, waits := gs.kind(b, s)
	gs.countAs(b, s, t, delta, own, waits)
}

// countAs is count for a span whose kind is known.
func (gs *gstate) countAs(b *builder, s *Span, t, delta int64, own, waits bool) {
	if d, ok := spanDim(gs.g.System || own, s); ok {
		b.series.change(d, t, delta)
	}
	if waits {
		b.series.change(DimWaiting, t, delta)
	}
	if s.State == StateRunnable && gs.woke && !gs.g.System {
		b.woken += delta
	}
}

// kind says whether span s of gs is a wait of vizrun's own work (b.own)
// and whether it is a wait that can hold the program back (b.waits), with
// one look at its stack's classification: count and closeSpan ask both of
// every span.
func (gs *gstate) kind(b *builder, s *Span) (own, waits bool) {
	if s.State != StateBlocked && s.State != StateSyscall {
		return false, false
	}
	if s.Stack == 0 {
		return false, !gs.g.System
	}
	in := b.info(s.Stack)
	own = s.State == StateBlocked && in.own
	return own, !gs.g.System && !own && !in.idle
}

// countSince adds weight w to the series dimensions of span s over [from,
// to), in the past; before GOMAXPROCS is known (a goroutine found running
// or waiting as the trace starts), the waterfall's too.
func (gs *gstate) countSince(b *builder, sys bool, s *Span, from, to, w int64) {
	d, ok := spanDim(sys, s)
	if ok {
		b.series.add(d, from, to, w)
	}
	waits := b.waits(sys, s)
	if waits {
		b.series.add(DimWaiting, from, to, w)
	}
	if wf := b.series.wf; wf.procs == 0 && ok {
		wf.addPre(d, waits, float64(w*(to-from)))
	}
}

// waits reports whether span s of a goroutine is a wait that can hold the
// program back: a user goroutine blocked or in a system call, not idle
// plumbing (see idleWait).
func (b *builder) waits(sys bool, s *Span) bool {
	if sys || s.State != StateBlocked && s.State != StateSyscall {
		return false
	}
	return s.Stack == 0 || !b.info(s.Stack).idle
}

func spanDim(sys bool, s *Span) (Dim, bool) {
	switch s.State {
	case StateRunning:
		if sys {
			return DimRunningSystem, true
		}
		return DimRunning, true
	case StateRunnable:
		return DimRunnable, !sys
	case StateSyscall:
		return DimSyscall, !sys
	case StateBlocked:
		return BlockedDim(s.Reason), !sys
	}
	return 0, false
}

// decideSystem settles whether a goroutine belongs to the runtime, moving
// its current contribution to the series and the alive count if it changes.
func (gs *gstate) decideSystem(b *builder, sys bool, t int64) {
	gs.sysSet = true
	defer gs.flushPendingOn(b) // once System is set
	for i := range gs.pending {
		if !sys {
			b.site(&gs.pending[i])
		}
	}
	gs.pending = nil
	if gs.g.System == sys {
		return
	}
	if sys && gs.sited {
		// A user goroutine until now (named vizrun.* after it had
		// waited, say): its waits are not the program's call sites.
		for i := range gs.g.Spans {
			if s := &gs.g.Spans[i]; (s.State == StateBlocked || s.State == StateSyscall) && !s.Merged() && !b.own(s) {
				b.unsite(s)
			}
		}
		gs.sited = false
	}
	if sys {
		for _, p := range gs.bookedOn {
			b.series.add(WaitingOnDim(p.r), p.from, p.to, -1)
		}
	}
	gs.bookedOn = nil
	if t > 0 && (gs.cur.State != StateNone || len(gs.g.Spans) > 0) {
		gs.flipAt = t
	}
	alive := gs.cur.State != StateNone
	if alive {
		gs.addAlive(b, -1)
		gs.count(b, &gs.cur, t, -1)
	}
	gs.g.System = sys
	if alive {
		gs.addAlive(b, 1)
		gs.count(b, &gs.cur, t, 1)
	}
}

func (gs *gstate) addAlive(b *builder, delta int) {
	if gs.g.System {
		return
	}
	b.alive += delta
	b.t.MaxAlive = max(b.t.MaxAlive, b.alive)
}
