package html

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
)

// The goroutine timeline: one row per goroutine or folded group (rows.go),
// drawn from tiles (lod.go), with what the detail panel shows of each row.

// buildTimeline fills d.Timeline.
func (b *builder) buildTimeline() {
	t := b.t
	must := map[parse.GoID]bool{}
	for _, f := range b.sum.Findings {
		for _, id := range f.Goroutines {
			must[parse.GoID(id)] = true
		}
	}
	for _, l := range b.sum.Leaks {
		for _, id := range l.Goroutines {
			must[parse.GoID(id)] = true
		}
	}
	onPaths := map[parse.GoID]bool{}
	for _, id := range pathGoroutines(b.sum) {
		onPaths[id] = true
	}
	b.windows = append(b.windows, pathWindows(b.sum, t.Duration)...)
	plan := planRows(t, b.opt.MaxRows, must, onPaths)
	rows := make([]rowSource, len(plan))
	var main, members []int
	individual, folded := 0, 0
	for i, p := range plan {
		r := rowData{Group: b.groupRef(p.group), Parent: p.parent, Hidden: p.hidden}
		if p.g != nil {
			r.Kind, r.G = "g", int64(p.g.ID)
			r.Label = fmt.Sprintf("G%d %s", p.g.ID, shorten(rowName(p.label, p.g), maxName))
			if full := fmt.Sprintf("G%d %s", p.g.ID, shorten(p.label, maxName*3)); full != r.Label {
				r.Full = full
			}
			r.Detail = b.goroutineDetail(p.g, p.parent < 0)
			rows[i] = rowSource{r, spanSource{spans: p.g.Spans, stacks: b.stacks, g: p.g, wakes: b.wakes}}
		} else {
			r.Kind, r.N = "fold", len(p.members)
			r.Label = fmt.Sprintf("%s ×%d", shorten(rowName(p.label, firstOf(p.members)), maxName), len(p.members))
			if full := fmt.Sprintf("%s ×%d", shorten(p.label, maxName*3), len(p.members)); full != r.Label {
				r.Full = full
			}
			r.Detail = foldDetail(p)
			rows[i] = rowSource{r, foldSource{p.members}}
		}
		if p.parent < 0 {
			main = append(main, i)
			if p.g != nil {
				individual++
			} else {
				folded += len(p.members)
			}
		} else {
			members = append(members, i)
		}
	}
	ts := tiles(rows, main, t.Duration, budgetTrace, b.windows, budgetWindows)
	if len(members) > 0 {
		res := fitResolution(rows, members, 0, t.Duration, budgetMembers)
		ts = append(ts, tile(rows, members, 0, t.Duration, res, "members"))
	}
	tl := &b.d.Timeline
	for _, r := range rows {
		tl.Rows = append(tl.Rows, r.row)
	}
	tl.Tiles = ts
	note := fmt.Sprintf("%d goroutines drawn one per row", individual)
	if folded > 0 {
		note += fmt.Sprintf("; %d more folded into one row per group (click ▸ to expand one), drawn as their most common state", folded)
	}
	if len(ts) > 0 && ts[0].Res > 0 {
		note += fmt.Sprintf("; over the whole trace, runs of spans shorter than %s are merged into one segment of their most common state", units.Duration(ts[0].Res))
		if n := len(ts) - 1 - boolInt(len(members) > 0); n > 0 {
			note += fmt.Sprintf(", and every span is kept around the %d moment%s the findings point at", n, plural(n))
		}
	}
	if t.Coarsened > 0 {
		note += fmt.Sprintf(". The trace was read at a resolution of %s: shorter spans were merged while reading it", units.Duration(t.Coarsened))
	}
	tl.Note = note + "."
	b.buildPaths(plan, rows)
}

// rowName is the name a row's label shows: a name the program gave (a
// tracer label) as it is, a function name without its package path
// (shortFunc), so that rows cut at the label's width still tell the
// functions apart. The tooltip shows the full name (rowData.Full).
func rowName(name string, g *parse.Goroutine) string {
	if g == nil || g.Label != "" || name != g.Name {
		return name
	}
	return shortFunc(name)
}

func firstOf(gs []*parse.Goroutine) *parse.Goroutine {
	if len(gs) == 0 {
		return nil
	}
	return gs[0]
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// totalsFacts lists time by state, blocked time by reason.
func totalsFacts(tot *parse.Totals) [][2]string {
	facts := [][2]string{
		{"running", units.Duration(tot.Running)},
		{"runnable (waiting for a P)", units.Duration(tot.Runnable)},
		{"blocked", units.Duration(tot.BlockedTotal())},
	}
	for _, r := range parse.BlockReasons {
		if v := tot.Blocked[r]; v > 0 {
			facts = append(facts, [2]string{"  on " + r.String(), units.Duration(v)})
		}
	}
	if tot.Syscall > 0 {
		facts = append(facts, [2]string{"in system calls", units.Duration(tot.Syscall)})
	}
	if tot.GCAssist > 0 {
		facts = append(facts, [2]string{"assisting the GC", units.Duration(tot.GCAssist)})
	}
	return facts
}

// goroutineDetail is the detail panel of a goroutine; full adds where it
// blocked (with stacks), which member rows of folded groups go without.
func (b *builder) goroutineDetail(g *parse.Goroutine, full bool) *rowDetail {
	t := b.t
	n := maxFullName
	if !full {
		n = maxName * 3
	}
	det := &rowDetail{Title: fmt.Sprintf("G%d %s", g.ID, shorten(g.Name, n))}
	if g.Group >= 0 && g.Group < len(t.Groups) {
		gr := &t.Groups[g.Group]
		det.Facts = append(det.Facts, [2]string{"group", fmt.Sprintf("%s (%s)", shorten(gr.Name, n), plainCount(len(gr.Goroutines), "goroutine", "goroutines"))})
	}
	if g.StartFunc != "" && g.StartFunc != g.Name {
		det.Facts = append(det.Facts, [2]string{"started in", g.StartFunc})
	}
	if g.PreExisting {
		det.Facts = append(det.Facts, [2]string{"created", "before the trace started"})
	} else {
		created := units.Duration(g.Created)
		if g.Parent != 0 {
			created += fmt.Sprintf(" by G%d", g.Parent)
			if p := t.Goroutine(g.Parent); p != nil {
				created += " " + shorten(p.Name, maxName)
			}
		}
		det.Facts = append(det.Facts, [2]string{"created", created})
	}
	end := g.End.String()
	switch g.End {
	case parse.EndExited:
		end = "exited at " + units.Duration(g.Ended)
	case parse.EndBlocked:
		end = fmt.Sprintf("still blocked on %s at the end, since %s", t.ReasonText(g.EndReason, g.EndRaw), units.Duration(g.EndSince))
		if g.ProvenLeak {
			end += " (a proven leak: nothing can ever wake it)"
		} else if g.Leaked() {
			end += " (leak candidate)"
		}
	case parse.EndRunning:
		end = "still running at the end"
	case parse.EndSyscall:
		end = "still in a system call at the end"
	}
	det.Facts = append(det.Facts, [2]string{"end", end})
	det.Facts = append(det.Facts, [2]string{"time (goroutine-time)", ""})
	det.Facts = append(det.Facts, totalsFacts(&g.Totals)...)
	det.Create = b.stacks.ref(g.CreateStack)
	if !full {
		return det
	}
	// The blocking stacks, longest in all first.
	type agg struct {
		stack parse.StackID
		r     parse.Reason
		raw   uint16
		n     int
		total int64
	}
	var aggs []agg
	idx := map[[2]uint32]int{}
	for _, s := range g.Spans {
		if s.State != parse.StateBlocked && s.State != parse.StateSyscall || s.Merged() {
			continue
		}
		k := [2]uint32{uint32(s.Stack), uint32(s.Reason)}
		i, ok := idx[k]
		if !ok {
			i = len(aggs)
			idx[k] = i
			aggs = append(aggs, agg{stack: s.Stack, r: s.Reason, raw: s.Raw})
		}
		aggs[i].n++
		aggs[i].total += s.End - s.Start
	}
	slices.SortStableFunc(aggs, func(a, b agg) int { return cmp.Compare(b.total, a.total) })
	for i, a := range aggs {
		if i == 5 {
			break
		}
		det.Blocking = append(det.Blocking, blockAt{
			What:  fmt.Sprintf("%s: %d time%s, %s in all", t.ReasonText(a.r, a.raw), a.n, plural(a.n), units.Duration(a.total)),
			Stack: b.stacks.ref(a.stack),
		})
	}
	return det
}

func foldDetail(p plannedRow) *rowDetail {
	var tot parse.Totals
	for _, g := range p.members {
		tot.Add(&g.Totals)
	}
	det := &rowDetail{Title: fmt.Sprintf("%s: %d goroutines folded into one row", shorten(p.label, maxFullName), len(p.members))}
	det.Facts = append(det.Facts, [2]string{"goroutines", strconv.Itoa(len(p.members))})
	if shown := len(p.members) - p.hidden; shown > 0 {
		det.Facts = append(det.Facts, [2]string{"rows when expanded", fmt.Sprintf("%d (press E or click ▸)", shown)})
	}
	det.Facts = append(det.Facts, [2]string{"time (goroutine-time, summed)", ""})
	det.Facts = append(det.Facts, totalsFacts(&tot)...)
	return det
}
