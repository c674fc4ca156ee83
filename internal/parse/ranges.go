package parse

// The runtime's ranges: GC mark phases, stops of the world and GC mark
// assists.

import (
	"strings"

	"golang.org/x/exp/trace"
)

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
			// Only running time inside the assist is assist work; while
			// parked in it (waiting for GC work) the goroutine is blocked
			// on the GC, and that is booked as such.
			if gs.cur.State == StateRunning {
				gs.g.Totals.GCAssist += t - max(gs.cur.Start, gs.assist)
			}
			gs.assist = -1
		case kind == trace.EventRangeBegin:
			gs.assist = t
		case kind == trace.EventRangeActive && gs.assist < 0:
			gs.assist = t
		}
		b.profileChanged(gs)
	}
}
