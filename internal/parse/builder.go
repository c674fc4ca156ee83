package parse

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unsafe"

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

	started, stopped bool // saw the tracer's LogStart, LogStop marks

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

	nspans   int // spans held (goroutines' and procs')
	maxSpans int // coarsen beyond this

	gcOpen      bool
	gcStart     int64
	stw         map[string]int64 // open STW ranges by name
	ann         *annotations
	sites       map[siteKey]*Site // sites whose stack blocked for more than one reason
	siteByStack []Site            // by StackID: the first reason each stack blocked for
	res         map[resKey]*resState
}

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
}

type openRegion struct {
	typ   string
	task  TaskID
	start int64
	stack StackID
}

type pstate struct {
	proc    *Proc
	cur     ProcSpan
	running bool
}

type frameKey struct {
	pc uint64
	fn string
}

// stackInfo caches what the classifiers decided about a stack.
type stackInfo struct {
	done   bool
	sync   Reason // syncKind of the stack
	infer  Reason // inferReason of the stack
	inferR uint16 // raw reason index for infer == ReasonOther
	site   FrameID
}

type siteKey struct {
	stack  StackID
	reason Reason
}

const maxDenseGoID = 1 << 20

func newBuilder(maxSpans int) *builder {
	if maxSpans <= 0 {
		maxSpans = DefaultMaxSpans
	}
	return &builder{
		maxSpans: maxSpans,
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
	}
}

func (b *builder) event(ev *trace.Event) {
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
			b.goTransition(ev, &st)
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
		b.taskEnd(TaskID(tk.ID), TaskID(tk.Parent), valid(tk.Type))
	case trace.EventRegionBegin:
		if gs := b.current(ev); gs != nil {
			rg := ev.Region()
			rg.Type = valid(rg.Type)
			if strings.HasPrefix(rg.Type, RegionWait) {
				b.waitBegin(rg.Type, b.now)
			}
			gs.regions = append(gs.regions, openRegion{typ: rg.Type, task: TaskID(rg.Task), start: b.now, stack: b.stackID(ev.Stack())})
		}
	case trace.EventRegionEnd:
		if gs := b.current(ev); gs != nil {
			b.regionEnd(gs, ev.Region())
		}
	case trace.EventLog:
		b.log(ev)
	}
}

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

func (b *builder) goTransition(ev *trace.Event, st *trace.StateTransition) {
	from, to := st.Goroutine()
	gs := b.g(GoID(st.Resource.Goroutine()))
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
			b.decideSystem(gs, isSystemFunc(g.StartFunc), t)
		} else {
			// It existed before the trace started: it has been in this
			// state since then, as far as the trace can tell.
			g.PreExisting = true
			stk := b.stackID(st.Stack)
			b.learnStart(gs, stk, 0)
			if to != trace.GoNotExist {
				s := b.newSpan(gs, to, st.Reason, stk, ev)
				s.Start = 0
				gs.cur = s
				b.addAlive(gs, 1)
				if d, ok := b.dim(gs, &s); ok {
					b.series.add(d, 0, t, 1)
					b.series.change(d, t, 1)
				}
				if to == trace.GoRunning {
					b.procStart(gs, ev, t)
				}
				return
			}
		}
	}

	if to == trace.GoNotExist {
		b.closeSpan(gs, t)
		g.Ended = t
		g.End = EndExited
		b.addAlive(gs, -1)
		return
	}
	stk := b.stackID(st.Stack)
	if from == trace.GoNotExist {
		b.addAlive(gs, 1)
	}
	if g.StartFunc == "" {
		b.learnStart(gs, stk, t)
	}
	if !gs.sysSet && stk != 0 && st.Reason == "system goroutine wait" {
		b.decideSystem(gs, true, t)
	}
	b.closeSpan(gs, t)
	s := b.newSpan(gs, to, st.Reason, stk, ev)
	gs.cur = s
	if d, ok := b.dim(gs, &s); ok {
		b.series.change(d, t, 1)
	}
	if to == trace.GoRunning {
		b.procStart(gs, ev, t)
	}
}

// learnStart names a goroutine that existed before the trace by the
// outermost frame of a stack it was seen with, and decides from it whether it
// belongs to the runtime.
func (b *builder) learnStart(gs *gstate, stk StackID, t int64) {
	if stk == 0 {
		return
	}
	fr := b.t.Stacks[stk].Frames
	bottom := b.t.Frames[fr[len(fr)-1]].Func
	if bottom == "runtime.goexit" && len(fr) > 1 {
		bottom = b.t.Frames[fr[len(fr)-2]].Func
	}
	gs.g.StartFunc = bottom
	b.decideSystem(gs, isSystemFunc(bottom), t)
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

// newSpan opens a span in state to, starting now.
func (b *builder) newSpan(gs *gstate, to trace.GoState, raw string, stk StackID, ev *trace.Event) Span {
	s := Span{Start: b.now, Stack: stk}
	switch to {
	case trace.GoRunning:
		s.State = StateRunning
		s.Stack = 0
	case trace.GoRunnable:
		s.State = StateRunnable
		s.Reason = runnableReason(raw)
		if s.Reason == ReasonNone {
			s.Stack = 0
		}
	case trace.GoSyscall:
		s.State = StateSyscall
		s.Reason = ReasonSyscall
	default: // GoWaiting, and anything newer we do not know
		s.State = StateBlocked
		r, needStack := reasonFromRuntime(raw)
		s.Reason = r
		if needStack && stk == 0 {
			s.Raw = b.raw(cmp.Or(raw, "unknown"))
		} else if needStack {
			info := b.info(stk)
			if raw == "" {
				s.Reason, s.Raw = info.infer, info.inferR
			} else if info.sync != ReasonNone {
				s.Reason = info.sync
			} else {
				s.Raw = b.raw(raw)
			}
		} else if r == ReasonOther {
			s.Raw = b.raw(raw)
		}
	}
	return s
}

// closeSpan ends the open span of gs at t and books it.
func (b *builder) closeSpan(gs *gstate, t int64) {
	s := &gs.cur
	if s.State == StateNone {
		return
	}
	s.End = t
	if d, ok := b.dim(gs, s); ok {
		b.series.change(d, t, -1)
	}
	if s.State == StateRunning {
		b.procEnd(gs, t)
	}
	g := gs.g
	g.Totals.add(s)
	if s.State == StateRunnable && !g.System {
		d := s.End - s.Start
		if d > b.t.Latency.Max {
			b.t.LatencyMaxAt, b.t.LatencyMaxG = s.Start, g.ID
		}
		b.t.Latency.Add(d)
	}
	if s.State == StateBlocked || s.State == StateSyscall {
		switch {
		case !gs.sysSet:
			gs.pending = append(gs.pending, *s)
		case !g.System:
			b.site(s)
		}
	}
	g.Spans = grow(g.Spans, *s)
	*s = Span{}
	if b.nspans++; b.nspans > b.maxSpans {
		b.coarsen()
	}
}

// site books a blocking span of a user goroutine to its call site.
func (b *builder) site(s *Span) {
	// Stacks are dense small ids and a stack nearly always blocks for one
	// reason: a slice indexed by stack, with a map for the odd other reason.
	var st *Site
	if i := int(s.Stack); i < len(b.siteByStack) && b.siteByStack[i].Count > 0 && b.siteByStack[i].Reason == s.Reason {
		st = &b.siteByStack[i]
	} else if i < len(b.siteByStack) && b.siteByStack[i].Count == 0 {
		st = &b.siteByStack[i]
		st.Reason, st.Stack = s.Reason, s.Stack
	} else if i >= len(b.siteByStack) {
		b.siteByStack = append(b.siteByStack, make([]Site, i+1-len(b.siteByStack)+len(b.siteByStack)/2)...)
		st = &b.siteByStack[i]
		st.Reason, st.Stack = s.Reason, s.Stack
	} else {
		k := siteKey{s.Stack, s.Reason}
		st = b.sites[k]
		if st == nil {
			st = &Site{Reason: s.Reason, Stack: s.Stack}
			b.sites[k] = st
		}
	}
	d := s.End - s.Start
	b.t.WaitHist[s.Reason].Add(d)
	st.Count++
	st.Total += d
	if d > st.Max {
		st.Max, st.MaxAt = d, s.Start
	}
}

// dim is the series dimension a goroutine in span s counts towards.
func (b *builder) dim(gs *gstate, s *Span) (Dim, bool) { return spanDim(gs.g.System, s) }

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
func (b *builder) decideSystem(gs *gstate, sys bool, t int64) {
	gs.sysSet = true
	for i := range gs.pending {
		if !sys {
			b.site(&gs.pending[i])
		}
	}
	gs.pending = nil
	if gs.g.System == sys {
		return
	}
	if t > 0 && (gs.cur.State != StateNone || len(gs.g.Spans) > 0) {
		gs.flipAt = t
	}
	old, hadOld := b.dim(gs, &gs.cur)
	alive := gs.cur.State != StateNone
	if alive {
		b.addAlive(gs, -1)
	}
	gs.g.System = sys
	if alive {
		b.addAlive(gs, 1)
	}
	nd, hasNew := b.dim(gs, &gs.cur)
	if hadOld {
		b.series.change(old, t, -1)
	}
	if hasNew {
		b.series.change(nd, t, 1)
	}
}

func (b *builder) addAlive(gs *gstate, delta int) {
	if gs.g.System {
		return
	}
	b.alive += delta
	b.t.MaxAlive = max(b.t.MaxAlive, b.alive)
}

func (b *builder) procStart(gs *gstate, ev *trace.Event, t int64) {
	p := ev.Proc()
	if p == trace.NoProc || p < 0 || p > 1<<16 {
		return
	}
	ps := b.proc(ProcID(p))
	if ps.running { // a goroutine we missed leaving; close its span
		b.closeProc(ps, t)
	}
	ps.cur = ProcSpan{Start: t, G: gs.g.ID}
	ps.running = true
	gs.p, gs.onP = ProcID(p), true
}

func (b *builder) procEnd(gs *gstate, t int64) {
	if !gs.onP {
		return
	}
	gs.onP = false
	ps := b.proc(gs.p)
	if ps.running && ps.cur.G == gs.g.ID {
		b.closeProc(ps, t)
	}
}

func (b *builder) closeProc(ps *pstate, t int64) {
	ps.cur.End = t
	ps.proc.Spans = grow(ps.proc.Spans, ps.cur)
	b.nspans++
	ps.proc.Busy += t - ps.cur.Start
	ps.running = false
}

func (b *builder) proc(id ProcID) *pstate {
	for int(id) >= len(b.procs) {
		b.procs = append(b.procs, nil)
	}
	if b.procs[id] == nil {
		b.procs[id] = &pstate{proc: &Proc{ID: id}}
	}
	return b.procs[id]
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

func (b *builder) rangeEvent(ev *trace.Event) {
	r := ev.Range()
	t := b.now
	kind := ev.Kind()
	switch {
	case r.Name == "GC concurrent mark phase":
		switch {
		case kind == trace.EventRangeEnd && b.gcOpen:
			b.gcOpen = false
			b.t.GC = append(b.t.GC, Window{Start: b.gcStart, End: t, Kind: WindowGC})
			b.series.change(DimGC, t, -1)
		case kind != trace.EventRangeEnd && !b.gcOpen:
			b.gcOpen = true
			b.gcStart = t
			if kind == trace.EventRangeActive {
				b.gcStart = 0 // it was running when the trace started
				b.series.add(DimGC, 0, t, 1)
			}
			b.series.change(DimGC, t, 1)
		}
	case strings.HasPrefix(r.Name, "stop-the-world ("):
		start, open := b.stw[r.Name]
		switch {
		case kind == trace.EventRangeEnd && open:
			delete(b.stw, r.Name)
			reason := strings.TrimSuffix(strings.TrimPrefix(r.Name, "stop-the-world ("), ")")
			b.t.GC = append(b.t.GC, Window{Start: start, End: t, Kind: WindowSTW, Reason: reason})
			b.series.change(DimSTW, t, -1)
		case kind != trace.EventRangeEnd && !open:
			start = t
			if kind == trace.EventRangeActive {
				start = 0
				b.series.add(DimSTW, 0, t, 1)
			}
			b.stw[r.Name] = start
			b.series.change(DimSTW, t, 1)
		}
	case r.Name == "GC mark assist":
		if r.Scope.Kind != trace.ResourceGoroutine {
			return
		}
		gs := b.g(GoID(r.Scope.Goroutine()))
		switch {
		case kind == trace.EventRangeEnd && gs.assist >= 0:
			gs.g.Totals.GCAssist += t - gs.assist
			gs.assist = -1
		case kind == trace.EventRangeBegin:
			gs.assist = t
		case kind == trace.EventRangeActive && gs.assist < 0:
			gs.assist = t
		}
	}
}

func (b *builder) regionEnd(gs *gstate, rg trace.Region) {
	rg.Type = valid(rg.Type)
	r := Region{Goroutine: gs.g.ID, Task: TaskID(rg.Task), Type: rg.Type, End: b.now}
	begun := false
	for i := len(gs.regions) - 1; i >= 0; i-- {
		if o := gs.regions[i]; o.typ == rg.Type {
			r.Start, r.Stack, r.Task = o.start, o.stack, o.task
			gs.regions = slices.Delete(gs.regions, i, i+1)
			begun = true
			break
		}
	}
	// Without a beginning, it began before the trace started (Start 0).
	b.addRegion(r, begun)
}

// addRegion books a finished region: the tracer's own become statistics of
// named resources, the program's are listed.
func (b *builder) addRegion(r Region, begun bool) {
	switch {
	case strings.HasPrefix(r.Type, RegionWait):
		b.waitEnd(r.Type, r.Goroutine, r.Start, r.End, begun)
	case strings.HasPrefix(r.Type, Prefix):
	default:
		b.addUserRegion(r)
	}
}

func (b *builder) log(ev *trace.Event) {
	l := ev.Log()
	l.Category, l.Message = valid(l.Category), valid(l.Message)
	switch l.Category {
	case LogName:
		if gs := b.current(ev); gs != nil {
			b.name(gs, l.Message)
		}
		return
	case LogNameOf:
		if id, name, ok := parseNameOf(l.Message); ok {
			b.name(b.g(id), name)
		}
		return
	}
	g := GoID(0)
	if id := ev.Goroutine(); id != trace.NoGoroutine {
		g = GoID(id)
	}
	if strings.HasPrefix(l.Category, Prefix) {
		switch l.Category {
		case LogRelease:
			b.lockLog(l.Category, l.Message, g, b.now)
		case LogStart:
			b.started = true
		case LogStop:
			b.stopped = true
		case LogLeaked:
			b.t.LeakChecked = true
			for _, f := range strings.Fields(l.Message) {
				if id, err := strconv.ParseInt(f, 10, 64); err == nil && id > 0 {
					b.g(GoID(id)).g.ProvenLeak = true
				}
			}
		}
		return
	}
	b.addLog(Log{Time: b.now, Goroutine: g, Task: TaskID(l.Task), Category: l.Category, Message: l.Message})
}

func (b *builder) name(gs *gstate, name string) {
	gs.g.Label = name
	if strings.HasPrefix(name, SystemName) {
		b.decideSystem(gs, true, b.now)
	}
}

// raw interns a raw reason string.
func (b *builder) raw(s string) uint16 {
	if i, ok := b.rawIdx[s]; ok {
		return i
	}
	if len(b.t.RawReasons) >= 1<<16-1 {
		return 0
	}
	i := uint16(len(b.t.RawReasons))
	b.t.RawReasons = append(b.t.RawReasons, s)
	b.rawIdx[s] = i
	return i
}

// stackID interns a stack.
func (b *builder) stackID(s trace.Stack) StackID {
	if s == trace.NoStack {
		return 0
	}
	if id, ok := b.genStacks[s]; ok {
		return id
	}
	b.frameBuf = b.frameBuf[:0]
	for f := range s.Frames() {
		if strings.HasSuffix(f.File, wrapperFile) {
			continue // vizrun run's wrapper around main
		}
		k := frameKey{f.PC, f.Func}
		fid, ok := b.frameIdx[k]
		if !ok {
			fid = FrameID(len(b.t.Frames))
			b.t.Frames = append(b.t.Frames, Frame{Func: funcName(f.Func), File: valid(f.File), Line: int(f.Line)})
			b.frameIdx[k] = fid
		}
		b.frameBuf = append(b.frameBuf, fid)
	}
	if len(b.frameBuf) == 0 {
		b.genStacks[s] = 0
		return 0
	}
	key := unsafe.String((*byte)(unsafe.Pointer(&b.frameBuf[0])), len(b.frameBuf)*int(unsafe.Sizeof(FrameID(0))))
	id, ok := b.stackIdx[key]
	if !ok {
		id = StackID(len(b.t.Stacks))
		b.t.Stacks = append(b.t.Stacks, Stack{Frames: slices.Clone(b.frameBuf)})
		b.stackInfo = append(b.stackInfo, stackInfo{})
		b.stackIdx[strings.Clone(key)] = id
	}
	b.genStacks[s] = id
	return id
}

// info classifies a stack once.
func (b *builder) info(id StackID) *stackInfo {
	in := &b.stackInfo[id]
	if in.done {
		return in
	}
	in.done = true
	ids := b.t.Stacks[id].Frames
	frames := make([]Frame, len(ids))
	for i, f := range ids {
		frames[i] = b.t.Frames[f]
	}
	in.sync = syncKind(frames)
	var raw string
	in.infer, raw = inferReason(frames)
	if in.infer == ReasonOther {
		in.inferR = b.raw(raw)
	}
	in.site = siteFrame(ids, b.t.Frames)
	return in
}

// finish closes everything still open at the end of the trace.
func (b *builder) finish() *Trace {
	t := b.t
	end := b.now
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
		if gs.assist >= 0 {
			g.Totals.GCAssist += end - gs.assist
		}
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
			case StateSyscall:
				g.End, g.EndStack = EndSyscall, s.Stack
			default:
				g.End = EndRunning
			}
			g.EndSince = s.Start
			b.closeSpan(gs, end)
		} else if g.Ended < 0 && !gs.seen {
			// Only named, never seen running or waiting.
			g.End = EndRunning
		}
		if !gs.sysSet {
			// Never seen with a stack: it counts as the program's.
			b.decideSystem(gs, g.System, end)
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
	each(func(gs *gstate) {
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
			if d, ok := spanDim(!sys, s); ok {
				b.series.add(d, s.Start, end, -1)
			}
			if d, ok := spanDim(sys, s); ok {
				b.series.add(d, s.Start, end, 1)
			}
		}
	})
	b.series.wf.advance(end, &b.series.count)
	t.Parallel = b.series.finish(end)
	t.Waterfall = b.series.wf.finish()
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

	slices.SortFunc(t.Goroutines, func(a, c *Goroutine) int { return cmp.Compare(a.ID, c.ID) })
	slices.SortStableFunc(t.GC, func(a, c Window) int { return cmp.Compare(a.Start, c.Start) })
	b.groups()
	b.finishSites()
	return t
}

// groups names goroutines and gathers them by name.
func (b *builder) groups() {
	t := b.t
	idx := map[string]int{}
	for _, g := range t.Goroutines {
		switch {
		case g.Label != "":
			g.Name = g.Label
		case g.StartFunc != "":
			g.Name = g.StartFunc
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

// finishSites merges blocking stacks by call site and reason, longest total
// first. The representative stack of a site is its stack with the most
// blocked time.
func (b *builder) finishSites() {
	for i := range b.siteByStack {
		if st := &b.siteByStack[i]; st.Count > 0 {
			b.sites[siteKey{st.Stack, st.Reason}] = st
		}
	}
	keys := make([]siteKey, 0, len(b.sites))
	for k := range b.sites {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, c siteKey) int { return cmp.Or(cmp.Compare(a.stack, c.stack), cmp.Compare(a.reason, c.reason)) })
	type key struct {
		f FrameID
		r Reason
	}
	merged := map[key]int{}
	var out []Site
	var rep []int64
	for _, k := range keys {
		s := b.sites[k]
		f := FrameID(0)
		if k.stack != 0 {
			f = b.info(k.stack).site
		}
		i, ok := merged[key{f, k.reason}]
		if !ok {
			i = len(out)
			merged[key{f, k.reason}] = i
			out = append(out, Site{Frame: f, Reason: k.reason, Stack: s.Stack})
			rep = append(rep, s.Total)
		} else if s.Total > rep[i] {
			out[i].Stack, rep[i] = s.Stack, s.Total
		}
		m := &out[i]
		m.Count += s.Count
		m.Total += s.Total
		if s.Max > m.Max {
			m.Max, m.MaxAt = s.Max, s.MaxAt
		}
	}
	slices.SortStableFunc(out, func(a, c Site) int {
		return cmp.Or(cmp.Compare(c.Total, a.Total), cmp.Compare(a.Frame, c.Frame), cmp.Compare(a.Reason, c.Reason))
	})
	b.t.Sites = out
}
