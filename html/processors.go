package html

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/vizrun/vizrun/internal/parse"
)

// The processor timeline: a row per P showing which goroutine ran on it,
// coloured by goroutine group (the busiest groups on the Ps get colours of
// their own) and labelled with the goroutine where it is wide enough; then
// rows for the GC's mark phases and the stop-the-world pauses.
//
// A segment is one goroutine's stretch on the P; a merged segment (several
// goroutines, each too short for the zoom) takes the colour of the group
// that ran most of it, and its aux is the P's busy percent over it.

// procSource is one P's spans.
type procSource struct {
	spans []parse.ProcSpan
	code  func(parse.GoID) int // a goroutine's colour
	gref  func(parse.GoID) int // nil when counting
}

func procWindow(spans []parse.ProcSpan, from, to int64) []parse.ProcSpan {
	i, _ := slices.BinarySearchFunc(spans, from, func(s parse.ProcSpan, t int64) int { return cmp.Compare(s.End, t+1) })
	j, _ := slices.BinarySearchFunc(spans, to, func(s parse.ProcSpan, t int64) int { return cmp.Compare(s.Start, t) })
	if i > j {
		return nil
	}
	return spans[i:j]
}

func (p procSource) segments(from, to, res int64, out []segment) []segment {
	var run segment
	var busy int64
	byCode := map[int]int64{}
	n := 0
	flush := func() {
		if n == 0 {
			return
		}
		best, bestT := catProcMerged, int64(-1)
		for c, t := range byCode {
			if t > bestT || t == bestT && c < best {
				best, bestT = c, t
			}
		}
		clear(byCode)
		run.code, run.ref = best, -n
		run.aux = int(100 * busy / max(run.end-run.start, 1))
		out = append(out, run)
		n, busy = 0, 0
	}
	for _, s := range procWindow(p.spans, from, to) {
		start, end := max(s.Start, from), min(s.End, to)
		if end < start {
			continue
		}
		long := end-start >= res
		if n > 0 && (long || start-run.end >= res || end-run.start >= res) {
			flush()
		}
		b := end - start
		if s.G < 0 { // merged by the model: several goroutines, -G ns busy
			b = min(int64(-s.G), b)
		}
		if long {
			seg := segment{start: start, end: end, code: catProcMerged, ref: -1, aux: int(100 * b / max(end-start, 1))}
			if s.G >= 0 {
				seg = segment{start: start, end: end, code: p.code(s.G), aux: 100}
				if p.gref != nil {
					seg.ref = p.gref(s.G)
				}
			}
			out = append(out, seg)
			continue
		}
		if n == 0 {
			run = segment{start: start}
		}
		run.end = end
		busy += b
		c := catProcMerged
		if s.G >= 0 {
			c = p.code(s.G)
		}
		byCode[c] += b
		n++
	}
	flush()
	return out
}

func (p procSource) count(from, to, res int64, limit int) int {
	n, inRun := 0, false
	var runStart, runEnd int64
	for _, s := range procWindow(p.spans, from, to) {
		start, end := max(s.Start, from), min(s.End, to)
		if end < start {
			continue
		}
		long := end-start >= res
		if inRun && (long || start-runEnd >= res || end-runStart >= res) {
			n++
			inRun = false
		}
		if long {
			n++
		} else {
			if !inRun {
				runStart, inRun = start, true
			}
			runEnd = end
		}
		if n > limit {
			return n
		}
	}
	if inRun {
		n++
	}
	return n
}

// windowSource is GC or stop-the-world windows: aux of a merged segment is
// the percent of it the windows cover.
type windowSource struct {
	ws   []parse.Window
	code int
}

func (w windowSource) segments(from, to, res int64, out []segment) []segment {
	var run segment
	var covered int64
	n := 0
	flush := func() {
		if n > 0 {
			run.ref = -n
			run.aux = int(100 * covered / max(run.end-run.start, 1))
			out = append(out, run)
		}
		n, covered = 0, 0
	}
	for _, x := range w.ws {
		start, end := max(x.Start, from), min(x.End, to)
		if end <= start && !(x.Start == x.End && x.Start >= from && x.Start < to) {
			continue
		}
		long := end-start >= res
		if n > 0 && (long || start-run.end >= res || end-run.start >= res) {
			flush()
		}
		if long {
			out = append(out, segment{start: start, end: end, code: w.code, aux: 100})
			continue
		}
		if n == 0 {
			run = segment{start: start, code: w.code}
		}
		run.end = max(run.end, end)
		covered += end - start
		n++
	}
	flush()
	return out
}

func (w windowSource) count(from, to, res int64, limit int) int {
	return len(w.segments(from, to, res, nil))
}

// procColours gives the busiest user groups on the Ps a colour each, and
// says which in a legend.
func procColours(t *parse.Trace) (func(parse.GoID) int, []legendItem) {
	busy := map[int]int64{}
	for _, p := range t.Procs {
		for _, s := range p.Spans {
			if g := t.Goroutine(s.G); g != nil && !g.System {
				busy[g.Group] += s.End - s.Start
			}
		}
	}
	groups := make([]int, 0, len(busy))
	for g := range busy {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b int) int { return cmp.Or(cmp.Compare(busy[b], busy[a]), cmp.Compare(a, b)) })
	colour := map[int]int{}
	var legend []legendItem
	for i, g := range groups {
		if i == procGroupColours {
			legend = append(legend, legendItem{catGroupOther, palette[catGroupOther].Name})
			break
		}
		colour[g] = catGroup0 + i
		legend = append(legend, legendItem{catGroup0 + i, shorten(t.Groups[g].Name, maxName)})
	}
	legend = append(legend, legendItem{catRuntime, palette[catRuntime].Name}, legendItem{catGCMark, palette[catGCMark].Name}, legendItem{catSTW, palette[catSTW].Name})
	return func(id parse.GoID) int {
		g := t.Goroutine(id)
		switch {
		case g == nil:
			return catGroupOther
		case g.System:
			return catRuntime
		}
		if c, ok := colour[g.Group]; ok {
			return c
		}
		return catGroupOther
	}, legend
}

// buildProcs fills d.Procs.
func (b *builder) buildProcs() {
	t := b.t
	code, legend := procColours(t)
	b.v.ProcLegend = legend
	var rows []rowSource
	for _, p := range t.Procs {
		rows = append(rows, rowSource{rowData{Label: fmt.Sprintf("P%d", p.ID), Kind: "p", Group: -1, Parent: -1},
			procSource{spans: p.Spans, code: code, gref: b.gref}})
	}
	var gc, stw []parse.Window
	for _, w := range t.GC {
		if w.Kind == parse.WindowGC {
			gc = append(gc, w)
		} else {
			stw = append(stw, w)
		}
	}
	rows = append(rows,
		rowSource{rowData{Label: "GC", Kind: "gc", Group: -1, Parent: -1}, windowSource{gc, catGCMark}},
		rowSource{rowData{Label: "STW", Kind: "gc", Group: -1, Parent: -1}, windowSource{stw, catSTW}})
	idx := make([]int, len(rows))
	for i := range idx {
		idx[i] = i
	}
	pd := &b.d.Procs
	for _, r := range rows {
		pd.Rows = append(pd.Rows, r.row)
	}
	pd.Tiles = tiles(rows, idx, t.Duration, budgetProcs, b.windows, budgetProcWin)
	pd.Note = "Each P's goroutines are coloured by group; where several ran too briefly to draw at this zoom, the bar's height is how busy the P was."
}

// gref registers a goroutine for the page: its reference (index + 1).
func (b *builder) gref(id parse.GoID) int {
	if i, ok := b.gIdx[id]; ok {
		return i
	}
	group := int64(-1)
	if g := b.t.Goroutine(id); g != nil {
		group = int64(b.groupRef(g.Group))
	}
	b.d.Gs = append(b.d.Gs, [2]int64{int64(id), group})
	b.gIdx[id] = len(b.d.Gs)
	return len(b.d.Gs)
}

// groupRef registers a goroutine group (an index into Trace.Groups) for the
// page: its index into pageData.GroupNames, -1 for none. Only the groups
// the page refers to are sent: a program may have a hundred thousand.
func (b *builder) groupRef(i int) int {
	if i < 0 || i >= len(b.t.Groups) {
		return -1
	}
	if j, ok := b.grpIdx[i]; ok {
		return j
	}
	b.d.GroupNames = append(b.d.GroupNames, shorten(b.t.Groups[i].Name, maxName))
	b.grpIdx[i] = len(b.d.GroupNames) - 1
	return len(b.d.GroupNames) - 1
}
