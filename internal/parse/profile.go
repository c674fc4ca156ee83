package parse

import (
	"cmp"
	"slices"
	"strings"
)

// Span profiles. The model's spans are merged on large traces (see
// Trace.Coarsened), so a profile by stack cannot be made from them. A
// Profile given in Options is filled while streaming instead: every span
// of every goroutine, as it closes, is booked by goroutine, state, reason,
// stack and context (the user region, task and named lock or channel the
// goroutine was in), so the profile is exact at any level of detail, as
// the totals and sites are. It costs a map entry per distinct key, and
// nothing when Options.Profile is nil.

// Profile asks Read for the time goroutines spent by state, reason, stack
// and context. Set the request fields; Read fills the rest.
type Profile struct {
	// From and To, when To > From, keep only what happened in [From, To),
	// ns since the start of the trace.
	From, To int64

	// Task, when not "", keeps only the time goroutines spent inside
	// regions of tasks of this type or of their subtasks (runtime/trace
	// regions carry the task of their context).
	Task string

	// Samples, filled by Read, sorted by goroutine, state, reason, stack
	// and context.
	Samples []ProfileSample

	// Contexts, filled by Read: ProfileSample.Ctx indexes it; Contexts[0]
	// is outside every region.
	Contexts []ProfileContext

	acc *profileAcc
}

// ProfileSample is the time one goroutine spent in one state, for one
// reason, at one stack, in one context.
type ProfileSample struct {
	G      GoID
	State  State
	Reason Reason
	Raw    uint16 // for ReasonOther, as Span.Raw
	// Stack is where the goroutine was: the blocking, syscall or preemption
	// stack; for running time, the stack at which the run ended; for a
	// goroutine runnable after a wake-up, the stack it blocked at (where
	// it goes on). 0 when the trace does not say.
	Stack StackID
	Ctx   uint32 // index into Profile.Contexts
	// Assist: running time inside a GC mark assist.
	Assist bool
	// Exit: running time of a run that ended with the goroutine's exit
	// (Stack is 0).
	Exit  bool
	Ns    int64 // time, within the window
	Count int64 // spans (waits, runs) that overlap the window; a span cut by region boundaries counts once
}

// ProfileContext is where in the program's annotations a goroutine was.
type ProfileContext struct {
	Region string // the innermost user region ("" outside regions)
	Task   string // the type of the task of the innermost region that has one
	// Named is set while the goroutine waited on a lock or channel named
	// with the vizrun tracer: Kind and Name say which.
	Named bool
	Kind  ResourceKind
	Name  string
	// InTask: inside a region of a task of type Profile.Task (always
	// false when Profile.Task is "").
	InTask bool
}

type profileKey struct {
	g      GoID
	stack  StackID
	ctx    uint32
	state  State
	reason Reason
	raw    uint16
	assist bool
	exit   bool
}

// profilePiece is running time waiting for the stack its run ended at.
type profilePiece struct {
	ctx    uint32
	assist bool
	ns     int64
	count  int64
}

// profileG follows one goroutine.
type profileG struct {
	ctx     uint32 // the context since the last change
	assist  bool
	from    int64 // the open span is booked up to here
	last    StackID
	pending []profilePiece
	counted countRef // the last piece of the open span with time in the window
}

// countRef is where the open span's count goes: a sample or a pending piece.
type countRef struct {
	sample  *ProfileSample
	pending int // index+1 into pending
}

type profileAcc struct {
	p        *Profile
	gs       map[GoID]*profileG
	samples  map[profileKey]*ProfileSample
	ctxIdx   map[ProfileContext]uint32
	taskType map[TaskID]openTask // tasks seen open, kept after they end
}

// init makes p ready for a read.
func (p *Profile) init() *profileAcc {
	if p == nil {
		return nil
	}
	p.Samples, p.Contexts = nil, []ProfileContext{{}}
	p.acc = &profileAcc{p: p, gs: map[GoID]*profileG{}, samples: map[profileKey]*ProfileSample{},
		ctxIdx: map[ProfileContext]uint32{{}: 0}, taskType: map[TaskID]openTask{}}
	return p.acc
}

func (a *profileAcc) g(id GoID) *profileG {
	pg := a.gs[id]
	if pg == nil {
		pg = &profileG{from: -1}
		a.gs[id] = pg
	}
	return pg
}

// in clips [from, to) to the window.
func (a *profileAcc) in(from, to int64) (int64, bool) {
	if a.p.To <= a.p.From {
		return to - from, true
	}
	lo, hi := max(from, a.p.From), min(to, a.p.To)
	if hi > lo {
		return hi - lo, true
	}
	// A span of no length counts where it is.
	return 0, from == to && from >= a.p.From && from < a.p.To
}

// book books the open span s of gs from where it was booked up to to.
// last says the span ends at to.
func (b *builder) profileBook(gs *gstate, s *Span, to int64, last bool) {
	a := b.prof
	pg := a.g(gs.g.ID)
	from := s.Start
	if pg.from > from {
		from = pg.from
	}
	pg.from = to
	if last {
		pg.from = -1
	}
	ns, in := a.in(from, to)
	ctx := a.p.Contexts[pg.ctx]
	if a.p.Task != "" && !ctx.InTask {
		in = false
	}
	if s.State != StateRunning {
		a.resolve(gs.g.ID, pg, s.Stack, false)
	}
	if in && (ns > 0 || last && pg.counted == (countRef{})) {
		if s.State == StateRunning {
			n := len(pg.pending)
			if n > 0 && pg.pending[n-1].ctx == pg.ctx && pg.pending[n-1].assist == pg.assist {
				pg.pending[n-1].ns += ns
			} else {
				pg.pending = append(pg.pending, profilePiece{ctx: pg.ctx, assist: pg.assist, ns: ns})
				n++
			}
			pg.counted = countRef{pending: n}
		} else {
			stk := s.Stack
			if s.State == StateRunnable && s.Reason == ReasonNone {
				stk = pg.last // woken up: it goes on where it blocked
			}
			sm := a.sample(profileKey{g: gs.g.ID, stack: stk, ctx: pg.ctx, state: s.State, reason: s.Reason, raw: s.Raw})
			sm.Ns += ns
			pg.counted = countRef{sample: sm}
		}
	}
	if !last {
		return
	}
	switch c := pg.counted; {
	case c.sample != nil:
		c.sample.Count++
	case c.pending > 0:
		pg.pending[c.pending-1].count++
	}
	pg.counted = countRef{}
	if s.State != StateRunning && s.Stack != 0 {
		pg.last = s.Stack
	}
}

func (a *profileAcc) sample(k profileKey) *ProfileSample {
	sm := a.samples[k]
	if sm == nil {
		sm = &ProfileSample{G: k.g, State: k.state, Reason: k.reason, Raw: k.raw, Stack: k.stack, Ctx: k.ctx, Assist: k.assist, Exit: k.exit}
		a.samples[k] = sm
	}
	return sm
}

// resolve books the pending running time of g at the stack its run ended at.
func (a *profileAcc) resolve(g GoID, pg *profileG, stk StackID, exit bool) {
	for _, p := range pg.pending {
		sm := a.sample(profileKey{g: g, stack: stk, ctx: p.ctx, state: StateRunning, assist: p.assist, exit: exit})
		sm.Ns += p.ns
		sm.Count += p.count
	}
	pg.pending = pg.pending[:0]
	if pg.counted.pending > 0 {
		pg.counted = countRef{}
	}
}

// profileSpan books a span that closed (closeSpan).
func (b *builder) profileSpan(gs *gstate, s *Span) {
	if b.prof != nil {
		b.profileBook(gs, s, s.End, true)
	}
}

// profileChanged notes that the regions or the GC assist of gs changed
// now: what came before is booked in the context it had.
func (b *builder) profileChanged(gs *gstate) {
	a := b.prof
	if a == nil {
		return
	}
	if gs.cur.State != StateNone && !b.own(&gs.cur) {
		b.profileBook(gs, &gs.cur, b.now, false)
	}
	pg := a.g(gs.g.ID)
	pg.assist = gs.assist >= 0
	pg.ctx = a.context(b, gs)
}

// profileExited books the last run of a goroutine that exited.
func (b *builder) profileExited(gs *gstate) {
	a := b.prof
	if a == nil {
		return
	}
	if pg := a.gs[gs.g.ID]; pg != nil {
		a.resolve(gs.g.ID, pg, 0, true)
		delete(a.gs, gs.g.ID)
	}
}

// context is the context gs is in now.
func (a *profileAcc) context(b *builder, gs *gstate) uint32 {
	var c ProfileContext
	var taskSet bool
	for i := len(gs.regions) - 1; i >= 0; i-- {
		r := &gs.regions[i]
		switch {
		case strings.HasPrefix(r.typ, RegionWait):
			if !c.Named {
				if _, kind, name, ok := parseOpName(strings.TrimPrefix(r.typ, RegionWait)); ok {
					c.Named, c.Kind, c.Name = true, kind, name
				}
			}
		case strings.HasPrefix(r.typ, Prefix):
		case c.Region == "":
			c.Region = r.typ
		}
		if r.task != 0 {
			if !taskSet {
				c.Task, taskSet = a.task(b, r.task).typ, true
			}
			if a.p.Task != "" && !c.InTask {
				c.InTask = a.inTask(b, r.task)
			}
		}
	}
	i, ok := a.ctxIdx[c]
	if !ok {
		i = uint32(len(a.p.Contexts))
		a.ctxIdx[c] = i
		a.p.Contexts = append(a.p.Contexts, c)
	}
	return i
}

// task is what is known of task id: open now, or seen open before.
func (a *profileAcc) task(b *builder, id TaskID) openTask {
	if t, ok := b.ann.open[id]; ok {
		a.taskType[id] = t
		return t
	}
	return a.taskType[id]
}

// inTask reports whether task id, or a task it is a subtask of, has the
// type the profile asks for.
func (a *profileAcc) inTask(b *builder, id TaskID) bool {
	for n := 0; id != 0 && n < 64; n++ {
		t := a.task(b, id)
		if t.typ == a.p.Task {
			return true
		}
		id = t.parent
	}
	return false
}

// finish books the runs still going on at the end and sorts the samples.
func (a *profileAcc) finish() {
	if a == nil {
		return
	}
	ids := make([]GoID, 0, len(a.gs))
	for id := range a.gs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a.resolve(id, a.gs[id], 0, false)
	}
	out := make([]ProfileSample, 0, len(a.samples))
	for _, s := range a.samples {
		if s.Ns > 0 || s.Count > 0 {
			out = append(out, *s)
		}
	}
	slices.SortFunc(out, func(x, y ProfileSample) int {
		return cmp.Or(cmp.Compare(x.G, y.G), cmp.Compare(x.State, y.State), cmp.Compare(x.Reason, y.Reason),
			cmp.Compare(x.Raw, y.Raw), cmp.Compare(x.Stack, y.Stack), cmp.Compare(x.Ctx, y.Ctx),
			cmpBool(x.Assist, y.Assist), cmpBool(x.Exit, y.Exit))
	})
	a.p.Samples = out
	a.p.acc = nil
}

func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}
