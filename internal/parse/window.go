package parse

import (
	"errors"
	"maps"

	"golang.org/x/exp/trace"
)

// Windows. Options.Window asks for the model of a stretch of the trace at
// full detail: the events before it only keep the goroutines' states (a
// builder of their own, thrown away), at its start a fresh builder takes
// over every goroutine, P and open range in the state it is in, and reading
// stops at its end, so the generations after it are not read.

// errWindowDone ends reading once the window has been built.
var errWindowDone = errors.New("window done")

// window follows Options.Window while streaming.
type window struct {
	from, to int64 // ns since the trace's start
	begun    bool  // the window's builder took over
	done     bool  // the window is over: stop reading
	prefix   *builder
}

// windowEvent routes ev: to the builder of what comes before the window,
// then to that of the window itself; past the window it stops reading.
func (b *builder) windowEvent(ev *trace.Event) {
	w := b.win
	p := w.prefix
	if !p.begun {
		p.begun = true
		p.start = ev.Time()
		p.t.AbsStart = int64(p.start)
	}
	at := int64(ev.Time() - p.start)
	if at >= w.to {
		if !w.begun {
			// Nothing happened in the window (a quiet millisecond between
			// two events): its model is every goroutine's state at its
			// start, and no event.
			w.begun = true
			p.restart(b, w.from)
		}
		w.done = true
		return
	}
	if !w.begun && at >= w.from {
		w.begun = true
		p.restart(b, w.from)
	}
	if !w.begun {
		p.taskEnds = b.taskEnds
		p.event(ev)
		b.taskEnds = p.taskEnds
		return
	}
	b.win = nil // b is the window's builder now
	b.event(ev)
	b.win = w
}

// restart makes nb (an empty builder) the builder of the window from t on:
// it takes over p's stack tables and the state of every goroutine, P and
// open range at t, as a reader that starts at a generation reports them.
func (p *builder) restart(nb *builder, t int64) {
	nb.begun, nb.start, nb.now = true, p.start+trace.Time(t), 0
	nb.t.AbsStart = int64(nb.start)
	nb.events = p.events
	nb.started, nb.stopped = p.started, p.stopped
	// The stack tables carry over as they are: stacks keep their ids.
	nb.t.Frames, nb.t.Stacks, nb.t.RawReasons = p.t.Frames, p.t.Stacks, p.t.RawReasons
	nb.genStacks, nb.stackIdx, nb.frameIdx, nb.stackInfo, nb.rawIdx = p.genStacks, p.stackIdx, p.frameIdx, p.stackInfo, p.rawIdx
	if n := len(p.t.GOMAXPROCSChanges); n > 0 {
		v := p.t.GOMAXPROCSChanges[n-1].Value
		nb.t.GOMAXPROCS = int(v)
		nb.t.GOMAXPROCSChanges = []Sample{{0, v}}
		nb.series.wf.setProcs(0, &nb.series.count, int64(v))
	}
	if n := len(p.t.Heap); n > 0 {
		nb.t.Heap = []Sample{{0, p.t.Heap[n-1].Value}}
	}
	if n := len(p.t.HeapGoal); n > 0 {
		nb.t.HeapGoal = []Sample{{0, p.t.HeapGoal[n-1].Value}}
	}
	if p.gcOpen {
		nb.gcOpen, nb.gcStart = true, 0
		nb.series.change(DimGC, 0, 1)
	}
	for name := range p.stw {
		nb.stw[name] = 0
		nb.series.change(DimSTW, 0, 1)
	}
	for id, o := range p.ann.open {
		o.start = max(o.start-t, 0)
		nb.ann.open[id] = o
	}
	maps.Copy(nb.served, p.served)
	for _, gs := range p.all() {
		g := gs.g
		alive := gs.cur.State != StateNone
		if !alive && !(g.Ended < 0 && !gs.seen) {
			continue // gone before the window, or not yet there
		}
		ngs := nb.g(g.ID)
		ng := ngs.g
		ng.Label, ng.StartFunc, ng.Parent, ng.CreateStack = g.Label, g.StartFunc, g.Parent, g.CreateStack
		ng.System, ng.PreExisting = g.System, true
		ngs.seen, ngs.sysSet, ngs.woke, ngs.served = gs.seen, gs.sysSet, gs.woke, gs.served
		if gs.assist >= 0 {
			ngs.assist = 0
		}
		if alive {
			s := gs.cur
			s.Start = 0
			ngs.cur = s
			ngs.addAlive(nb, 1)
			ngs.count(nb, &s, 0, 1)
			if s.State == StateBlocked && !ng.System {
				nb.lockWaitBegins(&s)
			}
			if s.State == StateRunning && gs.onP {
				ps := nb.proc(gs.p)
				ps.cur, ps.running = ProcSpan{Start: 0, G: g.ID}, true
				ngs.p, ngs.onP = gs.p, true
			}
		}
		for _, o := range gs.regions {
			o.start = max(o.start-t, 0)
			ngs.regions = append(ngs.regions, o)
			if len(o.typ) > len(RegionWait) && o.typ[:len(RegionWait)] == RegionWait {
				nb.waitBegin(o.typ, 0)
			}
		}
	}
}
