package parse

// What ran on each P.

import (
	"golang.org/x/exp/trace"
)

type pstate struct {
	proc    *Proc
	cur     ProcSpan
	running bool
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
