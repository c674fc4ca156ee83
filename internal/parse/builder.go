package parse

import (
	"cmp"
	"slices"
	"strings"

	"golang.org/x/exp/trace"
)

// builder consumes events one at a time and keeps only the model plus the
// little state needed to close spans.
type builder struct {
	t      *Trace
	start  trace.Time
	begun  bool
	now    int64 // time of the current event, ns since start
	events int64

	started, stopped bool   // saw the tracer's LogStart, LogStop marks
	snapshotLive     bool   // saw a flight snapshot's live mark with no stop mark after it
	stuck            []GoID // the goroutines of the last LogStuck mark

	taskEnds []trace.Task // of the current batch's TaskEnd events still to build

	gs    []*gstate // by goroutine id, for small ids
	gmap  map[GoID]*gstate
	procs []*pstate // by P id

	// Stacks: trace.Stack handles are valid for one generation; contents
	// are interned for the whole trace.
	genStacks map[trace.Stack]StackID
	stackIdx  map[string]StackID
	frameIdx  map[frameKey]FrameID
	stackInfo []stackInfo // by StackID
	frameBuf  []FrameID
	keyBuf    []byte

	rawIdx map[string]uint16

	series *seriesAcc
	alive  int // user goroutines alive

	nspans int // spans held (goroutines' and procs', and wake-ups)

	win *window // Options.Window, while streaming

	wakeBooked bool  // the span closing now is booked by wake
	woken      int64 // user goroutines runnable after a wake-up (not new, preempted nor yielding)
	maxSpans   int   // coarsen beyond this
	limit      int   // coarsen when nspans exceeds this: maxSpans, or more when merging cannot get below it

	gcOpen      bool
	gcStart     int64
	stw         map[string]int64 // open STW ranges by name
	ann         *annotations
	sites       map[siteKey]*Site // sites whose stack blocked for more than one reason
	siteByStack []Site            // by StackID: the first reason each stack blocked for
	res         map[resKey]*resState
	locks       map[siteLockKey]*resState // unnamed locks, by the site waited at
	served      map[StackID]bool          // worker loops: stacks goroutines were woken from by another goroutine, and came back to
	prof        *profileAcc               // Options.Profile's, or nil
}

func newBuilder(maxSpans int) *builder {
	if maxSpans <= 0 {
		maxSpans = DefaultMaxSpans
	}
	return &builder{
		maxSpans: maxSpans,
		limit:    maxSpans,
		t: &Trace{
			Frames:     []Frame{{}},
			Stacks:     []Stack{{}},
			RawReasons: []string{""},
			byID:       map[GoID]*Goroutine{},
		},
		gmap:      map[GoID]*gstate{},
		genStacks: map[trace.Stack]StackID{},
		stackIdx:  map[string]StackID{},
		frameIdx:  map[frameKey]FrameID{},
		stackInfo: []stackInfo{{done: true}},
		rawIdx:    map[string]uint16{"": 0},
		series:    newSeriesAcc(),
		stw:       map[string]int64{},
		ann:       newAnnotations(),
		sites:     map[siteKey]*Site{},
		res:       map[resKey]*resState{},
		locks:     map[siteLockKey]*resState{},
		served:    map[StackID]bool{},
	}
}

func (b *builder) event(ev *trace.Event) {
	if b.win != nil {
		b.windowEvent(ev)
		return
	}
	b.events++
	if !b.begun {
		b.begun = true
		b.start = ev.Time()
		b.t.AbsStart = int64(b.start)
	}
	// Time never goes back, as in x/exp/trace's reader; generations decoded
	// apart (see parallel) may overlap by a tick at their boundary.
	if now := int64(ev.Time() - b.start); now > b.now || b.events == 1 {
		b.now = now
	} else {
		b.now++
	}
	switch ev.Kind() {
	case trace.EventSync:
		clear(b.genStacks)
	case trace.EventStateTransition:
		st := ev.StateTransition()
		if st.Resource.Kind == trace.ResourceGoroutine {
			b.g(GoID(st.Resource.Goroutine())).transition(b, ev, &st)
		}
	case trace.EventMetric:
		b.metric(ev.Metric())
	case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
		b.rangeEvent(ev)
	case trace.EventTaskBegin:
		tk := ev.Task()
		g := GoID(0)
		if ev.Goroutine() != trace.NoGoroutine {
			g = GoID(ev.Goroutine())
		}
		b.taskBegin(TaskID(tk.ID), TaskID(tk.Parent), valid(tk.Type), g)
	case trace.EventTaskEnd:
		var tk trace.Task
		if len(b.taskEnds) > 0 {
			tk, b.taskEnds = b.taskEnds[0], b.taskEnds[1:]
		} else {
			tk = ev.Task() // not decoded ahead
		}
		g := GoID(0)
		if ev.Goroutine() != trace.NoGoroutine {
			g = GoID(ev.Goroutine())
		}
		b.taskEnd(TaskID(tk.ID), TaskID(tk.Parent), valid(tk.Type), g)
	case trace.EventRegionBegin:
		if gs := b.current(ev); gs != nil {
			rg := ev.Region()
			rg.Type = valid(rg.Type)
			if strings.HasPrefix(rg.Type, RegionWait) {
				b.waitBegin(rg.Type, b.now)
			}
			gs.regions = append(gs.regions, openRegion{typ: rg.Type, task: TaskID(rg.Task), start: b.now, stack: b.stackID(ev.Stack())})
			b.profileChanged(gs)
		}
	case trace.EventRegionEnd:
		if gs := b.current(ev); gs != nil {
			b.regionEnd(gs, ev.Region())
		}
	case trace.EventLog:
		b.log(ev)
	}
}

func (b *builder) metric(m trace.Metric) {
	switch m.Name {
	case "/sched/gomaxprocs:threads":
		v := m.Value.Uint64()
		if n := len(b.t.GOMAXPROCSChanges); n == 0 || b.t.GOMAXPROCSChanges[n-1].Value != v {
			b.t.GOMAXPROCSChanges = append(b.t.GOMAXPROCSChanges, Sample{b.now, v})
		}
		b.t.GOMAXPROCS = max(b.t.GOMAXPROCS, int(v))
		b.series.wf.setProcs(b.now, &b.series.count, int64(v))
	case "/memory/classes/heap/objects:bytes":
		b.t.Heap = appendSample(b.t.Heap, b.now, m.Value.Uint64())
	case "/gc/heap/goal:bytes":
		b.t.HeapGoal = appendSample(b.t.HeapGoal, b.now, m.Value.Uint64())
	}
}

func appendSample(s []Sample, t int64, v uint64) []Sample {
	if n := len(s); n > 0 && s[n-1].Value == v {
		return s
	}
	return append(s, Sample{t, v})
}

// finish closes everything still open at the end of the trace.
func (b *builder) finish() *Trace {
	t := b.t
	end := b.now
	if windowDone(b) {
		// The trace goes on after the window: the window ends at its end,
		// not at its last event.
		end = max(end, t.Window[1]-t.Window[0])
		b.now = end
	}
	t.Duration = end
	t.Events = b.events
	each := func(fn func(gs *gstate)) {
		for _, gs := range b.gs {
			if gs != nil {
				fn(gs)
			}
		}
		for _, gs := range b.gmap {
			fn(gs)
		}
	}
	each(func(gs *gstate) {
		g := gs.g
		for _, o := range gs.regions {
			r := Region{Goroutine: g.ID, Task: o.task, Type: o.typ, Start: o.start, End: end, Stack: o.stack, Unfinished: true}
			b.addRegion(r, true)
			if strings.HasPrefix(o.typ, RegionWait) {
				b.pendingWait(o.typ)
			}
		}
		if s := gs.cur; s.State != StateNone {
			switch s.State {
			case StateBlocked:
				g.End, g.EndReason, g.EndRaw, g.EndStack = EndBlocked, s.Reason, s.Raw, s.Stack
				g.Harness = s.Stack != 0 && isHarness(b.t.Frames[b.info(s.Stack).site].Func)
				g.EndIdle = s.Stack != 0 && b.info(s.Stack).idle
				g.EndServed = s.Stack != 0 && b.served[s.Stack] && waitsForInput(s.Reason)
				g.EndAsleep = s.Reason == ReasonSleep && (s.Stack == 0 || s.Stack != gs.sleptAt)
			case StateSyscall:
				g.End, g.EndStack = EndSyscall, s.Stack
			default:
				g.End = EndRunning
			}
			g.EndSince = s.Start
			// A goroutine stuck for good (a leak), or blocked for the
			// whole trace (a daemon waiting for its signal), held nothing
			// back: its last wait is not booked as a wait that held the
			// program up.
			b.wakeBooked = s.State == StateBlocked && (t.leakState(g) != NotLeaked || g.PreExisting && s.Start == 0)
			gs.closeSpan(b, end)
			b.wakeBooked = false
		} else if g.Ended < 0 && !gs.seen {
			// Only named, never seen running or waiting.
			g.End = EndRunning
		}
		if !gs.sysSet {
			// Never seen with a stack: it counts as the program's.
			gs.decideSystem(b, g.System, end)
		}
	})
	for _, ps := range b.procs {
		if ps == nil {
			continue
		}
		if ps.running {
			b.closeProc(ps, end)
		}
		t.Procs = append(t.Procs, *ps.proc)
	}
	if b.gcOpen {
		t.GC = append(t.GC, Window{Start: b.gcStart, End: end, Kind: WindowGC})
	}
	for name, start := range b.stw {
		reason := strings.TrimSuffix(strings.TrimPrefix(name, "stop-the-world ("), ")")
		t.GC = append(t.GC, Window{Start: start, End: end, Kind: WindowSTW, Reason: reason})
	}
	b.finishAnnotations(end)
	var moved int64 // running time the waterfall booked to the program that was the runtime's
	each(func(gs *gstate) {
		if !gs.sysSet {
			gs.flushPendingOn(b) // never decided: a user goroutine's, as counted
		}
		// Spans booked before the goroutine turned out to be a runtime one
		// (or not) move to the right dimensions.
		if gs.flipAt == 0 {
			return
		}
		sys := gs.g.System
		for i := range gs.g.Spans {
			s := &gs.g.Spans[i]
			if s.Start >= gs.flipAt {
				break
			}
			end := min(s.End, gs.flipAt)
			gs.countSince(b, !sys, s, s.Start, end, -1)
			gs.countSince(b, sys, s, s.Start, end, 1)
			if s.State == StateRunning {
				if sys {
					moved += end - s.Start
				} else {
					moved -= end - s.Start
				}
			}
		}
	})
	b.series.wf.advance(end, &b.series.count)
	t.Parallel = b.series.finish(end)
	t.Waterfall = b.series.wf.finish(&t.Parallel)
	moved = max(min(moved, t.Waterfall.User), -t.Waterfall.Runtime)
	t.Waterfall.User -= moved
	t.Waterfall.Runtime += moved
	// GC assists are running time spent on the GC's work.
	var assist int64
	for _, g := range t.Goroutines {
		if !g.System {
			assist += g.Totals.GCAssist
		}
	}
	assist = min(assist, t.Waterfall.User)
	t.Waterfall.User -= assist
	t.Waterfall.Runtime += assist
	b.finishResources(end)

	t.Live = t.Live || b.snapshotLive
	for _, id := range b.stuck {
		if g := t.Goroutine(id); g != nil && g.End == EndBlocked && g.EndSince <= t.StuckAt {
			g.StuckSeen = true
		}
	}
	for _, g := range t.Goroutines {
		g.Leak = t.leakState(g)
	}
	slices.SortFunc(t.Goroutines, func(a, c *Goroutine) int { return cmp.Compare(a.ID, c.ID) })
	slices.SortStableFunc(t.GC, func(a, c Window) int { return cmp.Compare(a.Start, c.Start) })
	b.groups()
	t.unjudgedWarning()
	if t.Deadlock {
		t.Warnings = append(t.Warnings, t.DeadlockWarning())
	} else if w := t.stuckWarning(); w != "" {
		t.Warnings = append(t.Warnings, w)
	}
	b.finishSites()
	b.prof.finish()
	t.blameOnPaths()
	return t
}

// groups names goroutines and gathers them by name.
func (b *builder) groups() {
	t := b.t
	idx := map[string]int{}
	tests := newTestNamer(t)
	for _, g := range t.Goroutines {
		switch {
		case g.Label != "":
			g.Name = g.Label
		case g.StartFunc != "":
			g.Name = tests.name(g) // a test's goroutine by its test (testnames.go)
		default:
			g.Name = "(unknown)"
		}
		i, ok := idx[g.Name]
		if !ok {
			i = len(t.Groups)
			idx[g.Name] = i
			t.Groups = append(t.Groups, Group{Name: g.Name, System: true})
		}
		gr := &t.Groups[i]
		gr.Goroutines = append(gr.Goroutines, g.ID)
		gr.Totals.Add(&g.Totals)
		gr.System = gr.System && g.System
		if g.Leaked() {
			gr.Leaked++
		}
	}
	slices.SortFunc(t.Groups, func(a, c Group) int { return strings.Compare(a.Name, c.Name) })
	for i, gr := range t.Groups {
		for _, id := range gr.Goroutines {
			t.byID[id].Group = i
		}
	}
}
