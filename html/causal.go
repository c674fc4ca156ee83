package html

import (
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// Causality (issue 16): who woke a blocked goroutine (segments' wake
// references, pageData.Wakes), and critical paths (pageData.Paths, the
// Critical path section): the program's and the p50/p99 instances of task
// and region types, as the analysis (summary.Summary.Paths) computed them,
// and each goroutine drawn on a row of its own, from its creation to its
// end.
//
// Size: a wake is stored once for each distinct (waker, stack, source) and
// referenced by segments; only spans that are segments of their own carry
// one (a run of short spans merged into one segment carries none, never
// another span's). Paths are cut to maxPathSteps steps each (the end of
// the path is kept: what decided the end) and budgetPathSteps in all.

const (
	maxPathSteps      = 400              // steps of one path, the last kept
	budgetPathSteps   = 40000            // steps of every path in the page
	maxGoroutinePaths = 300              // goroutine rows given a path of their own
	maxWalk           = 4 * maxPathSteps // spans a goroutine's path walks back, at most
	maxPathParts      = 8                // parts of a path in the chart, the rest summed
	maxTableParts     = 6                // parts of a path in the table, the rest summed
)

// wakeTable collects the page's wakes.
type wakeTable struct {
	b   *builder
	idx map[parse.Wake]int // by (By, Stack, Source); At is zero
}

// ref is the wake reference (index into pageData.Wakes + 1) of the
// wake-up that ended blocked span s of g, 0 when none is known.
func (w *wakeTable) ref(g *parse.Goroutine, s parse.Span) int {
	wk, ok := g.WakeOf(s)
	if !ok || wk.Source == parse.WakeNone {
		return 0
	}
	wk.At = 0
	if i, ok := w.idx[wk]; ok {
		return i
	}
	b := w.b
	d := wakeData{}
	if wk.Source == parse.WakeGoroutine && wk.By != 0 {
		d.G = b.gref(wk.By)
		d.Stack = b.stacks.ref(wk.Stack)
		d.At = wakerPlace(b.t, wk.Stack)
	} else {
		d.Source = wakeSourceText(wk.Source)
	}
	b.d.Wakes = append(b.d.Wakes, d)
	w.idx[wk] = len(b.d.Wakes)
	return len(b.d.Wakes)
}

// wakeSourceText names what woke a goroutine when no goroutine did.
func wakeSourceText(s parse.WakeSource) string {
	switch s {
	case parse.WakeTimer:
		return "a timer"
	case parse.WakeNetwork:
		return "the network poller"
	case parse.WakeGC:
		return "the GC"
	}
	return "the runtime"
}

// wakeOps names the operations a waker's stack woke a goroutine with, by
// the prefix of the frame's function.
var wakeOps = []struct{ prefix, op string }{
	{"runtime.chansend", "chan send"},
	{"runtime.closechan", "close"},
	{"runtime.chanrecv", "chan receive"},
	{"runtime.selectgo", "select"},
	{"sync.(*Mutex).Unlock", "Mutex.Unlock"},
	{"internal/sync.(*Mutex).Unlock", "Mutex.Unlock"},
	{"sync.(*RWMutex).Unlock", "RWMutex.Unlock"},
	{"sync.(*RWMutex).RUnlock", "RWMutex.RUnlock"},
	{"sync.(*WaitGroup).Add", "WaitGroup.Add"},
	{"sync.(*WaitGroup).Done", "WaitGroup.Done"},
	{"sync.(*Cond).Signal", "Cond.Signal"},
	{"sync.(*Cond).Broadcast", "Cond.Broadcast"},
	{"sync.(*Once).doSlow", "Once.Do"},
	{"runtime.Gosched", "Gosched"},
}

// wakerPlace says where a waker woke a goroutine, in words: "chan send
// (pool.go:88)", the operation (the outermost one of the runtime or sync
// the program called) and the program's call site.
func wakerPlace(t *parse.Trace, stk parse.StackID) string {
	if stk == 0 || int(stk) >= len(t.Stacks) {
		return ""
	}
	op := ""
	for _, f := range t.Stacks[stk].Frames {
		fr := t.Frames[f]
		if hiddenFrame(fr) {
			continue
		}
		if !strings.HasPrefix(fr.Func, "runtime.") && !strings.HasPrefix(fr.Func, "sync.") && !strings.HasPrefix(fr.Func, "internal/") {
			break
		}
		for _, o := range wakeOps {
			if strings.HasPrefix(fr.Func, o.prefix) {
				op = o.op
				break
			}
		}
	}
	site := t.SiteOf(stk)
	if site == 0 || int(site) >= len(t.Frames) {
		return op
	}
	f := t.Frames[site]
	loc := f.Func
	if f.File != "" {
		loc = fmt.Sprintf("%s:%d", path.Base(f.File), f.Line)
	}
	if op == "" {
		return fmt.Sprintf("%s (%s)", shortFunc(f.Func), loc)
	}
	return fmt.Sprintf("%s (%s)", op, loc)
}

// pathView is one critical path in the Critical path section.
type pathView struct {
	Of, Instance, Goroutine, Duration, Window string
	Hops                                      int
	Parts                                     []pathPartView
	Through                                   []string // the goroutines it went through, most time first
	Path                                      int      // index into pageData.Paths
	Cut                                       string
}

// maxThrough is the goroutines a path's row names.
const maxThrough = 5

// throughGoroutines names the goroutines a path spent its time on, most
// first: "G28 worker 25.0 ms".
func throughGoroutines(t *parse.Trace, p *parse.Path) []string {
	type gt struct {
		g  parse.GoID
		ns int64
	}
	var order []gt
	idx := map[parse.GoID]int{}
	for _, s := range p.Segments {
		i, ok := idx[s.G]
		if !ok {
			i = len(order)
			idx[s.G] = i
			order = append(order, gt{g: s.G})
		}
		order[i].ns += s.End - s.Start
	}
	slices.SortStableFunc(order, func(a, b gt) int { return cmp.Or(cmp.Compare(b.ns, a.ns), cmp.Compare(a.g, b.g)) })
	var out []string
	var rest int64
	for i, x := range order {
		if i >= maxThrough {
			rest += x.ns
			continue
		}
		name := ""
		if g := t.Goroutine(x.g); g != nil {
			name = " " + shorten(g.Name, maxName)
		}
		out = append(out, fmt.Sprintf("G%d%s %s", x.g, name, units.Duration(x.ns)))
	}
	if n := len(order) - maxThrough; n > 0 {
		out = append(out, fmt.Sprintf("%s, %s", plainCount(n, "more goroutine", "more goroutines"), units.Duration(rest)))
	}
	return out
}

type pathPartView struct {
	Category, Time, Share string
	Code                  int
}

// pathChartData is the Critical path chart: one bar per path of the
// section, its parts largest first (series "part 1", "part 2", ...), each
// coloured by its category's code.
type pathChartData struct {
	Labels []string     `json:"labels"`
	Parts  [][]pathPart `json:"parts"` // per bar
}

type pathPart struct {
	Name string `json:"name"`
	Ns   int64  `json:"ns"`
	Code int    `json:"code"`
}

// partCode is the palette code a path's category is drawn with.
func partCode(cat string) int {
	switch {
	case strings.HasPrefix(cat, "running "):
		return catRunning
	case cat == "waiting for a P":
		return catRunnable
	case strings.HasPrefix(cat, "system call"):
		return catSyscall
	}
	what, _, ok := strings.Cut(cat, " at ")
	if !ok {
		return catOther
	}
	what = strings.TrimSuffix(strings.TrimSuffix(what, " (timer)"), " (still waiting)")
	if r, ok := parse.ParseReason(what); ok {
		return reasonCat(r)
	}
	return catOther
}

// pathGoroutines are the goroutines on the analysis' critical paths: they
// get rows of their own, as those findings name do.
func pathGoroutines(s *summary.Summary) []parse.GoID {
	seen := map[parse.GoID]bool{}
	var out []parse.GoID
	for _, cp := range s.Paths {
		segs := cp.Path.Segments
		if len(segs) > maxPathSteps {
			segs = segs[len(segs)-maxPathSteps:]
		}
		for _, sg := range segs {
			if !seen[sg.G] {
				seen[sg.G] = true
				out = append(out, sg.G)
			}
		}
	}
	return out
}

// pathWindows are the moments of the task and region instances whose
// paths the section shows: the timeline keeps their spans, as it does for
// findings.
func pathWindows(s *summary.Summary, duration int64) []interval {
	var ws []interval
	for _, cp := range s.Paths {
		if cp.Instance == "" || cp.ToNs <= cp.FromNs {
			continue
		}
		from := cp.Path.From
		pad := max((cp.ToNs-from)/8, 1000)
		ws = append(ws, interval{from: max(from-pad, 0), to: min(cp.ToNs+pad, duration), why: "path"})
	}
	return ws
}

// rowsOfG maps goroutines to the timeline row drawing them: their own
// row, else the folded row they are in.
func rowsOfG(rows []rowSource, plan []plannedRow) map[parse.GoID]int {
	out := map[parse.GoID]int{}
	for i, p := range plan {
		if p.g != nil {
			out[p.g.ID] = i
		}
	}
	for i, p := range plan {
		if p.g == nil {
			for _, g := range p.members {
				if _, ok := out[g.ID]; !ok {
					out[g.ID] = i
				}
			}
		}
	}
	return out
}

// pathSteps turns a path into steps on the timeline's rows, consecutive
// segments on one row joined; the first of them cut to maxPathSteps. It
// reports how many steps were left out.
func pathSteps(p *parse.Path, rowOf map[parse.GoID]int) (steps [][3]int64, cut int) {
	for _, sg := range p.Segments {
		r, ok := rowOf[sg.G]
		if !ok {
			continue
		}
		if n := len(steps); n > 0 && steps[n-1][0] == int64(r) && steps[n-1][2] == sg.Start {
			steps[n-1][2] = sg.End
			continue
		}
		steps = append(steps, [3]int64{int64(r), sg.Start, sg.End})
	}
	if len(steps) > maxPathSteps {
		cut = len(steps) - maxPathSteps
		steps = steps[cut:]
	}
	if steps == nil {
		steps = [][3]int64{}
	}
	return steps, cut
}

// addPath adds a path to the page, within budgetPathSteps: its reference
// (index + 1), 0 when the budget is spent.
func (b *builder) addPath(name string, p *parse.Path, rowOf map[parse.GoID]int) (ref int, cut int) {
	steps, cut := pathSteps(p, rowOf)
	if len(steps) == 0 || b.pathSteps+len(steps) > budgetPathSteps {
		return 0, 0
	}
	b.pathSteps += len(steps)
	b.d.Paths = append(b.d.Paths, pathData{Name: name, Steps: steps, Cut: cut})
	return len(b.d.Paths), cut
}

// buildPaths fills the Critical path section, its chart and the paths the
// timeline highlights. It runs after buildTimeline (steps are on its rows).
func (b *builder) buildPaths(plan []plannedRow, rows []rowSource) {
	rowOf := rowsOfG(rows, plan)
	t := b.t
	u := traceUnit(t.Duration)
	type walk struct {
		g        parse.GoID
		from, to int64
	}
	walked := map[walk]int{} // path references, by what was walked
	for _, cp := range b.sum.Paths {
		name := cp.Of
		if cp.Instance != "" {
			name += " " + cp.Instance
		}
		pv := pathView{Of: shorten(cp.Of, maxName), Instance: cp.Instance, Duration: units.Duration(cp.DurationNs), Hops: cp.Hops,
			Window: atTime(cp.FromNs, u, t.Duration/10000) + " → " + atTime(cp.ToNs, u, t.Duration/10000)}
		pv.Through = throughGoroutines(t, &cp.Path)
		pv.Goroutine = fmt.Sprintf("G%d", cp.Goroutine)
		if g := t.Goroutine(parse.GoID(cp.Goroutine)); g != nil {
			pv.Goroutine += " " + shorten(g.Name, maxName)
		}
		ref, cut := b.addPath(shorten(name, maxName), &cp.Path, rowOf)
		pv.Path = ref - 1
		if ref > 0 {
			walked[walk{parse.GoID(cp.Goroutine), cp.FromNs, cp.ToNs}] = ref
		}
		if cut > 0 {
			pv.Cut = fmt.Sprintf("the timeline shows its last %d hand-offs of %d", maxPathSteps, maxPathSteps+cut)
		}
		bar := []pathPart{}
		var rest, restTable int64
		for i, p := range cp.Parts {
			code := partCode(p.Category)
			if i < maxTableParts {
				pv.Parts = append(pv.Parts, pathPartView{Category: shorten(p.Category, maxName), Time: units.Duration(p.Ns),
					Share: percent(float64(p.Ns) / float64(max(cp.DurationNs, 1))), Code: code})
			} else {
				restTable += p.Ns
			}
			if i < maxPathParts-1 || len(cp.Parts) == maxPathParts {
				bar = append(bar, pathPart{Name: shorten(p.Category, maxName), Ns: p.Ns, Code: code})
			} else {
				rest += p.Ns
			}
		}
		if n := len(cp.Parts) - maxTableParts; n > 0 {
			pv.Parts = append(pv.Parts, pathPartView{Category: plainCount(n, "more part", "more parts"), Time: units.Duration(restTable),
				Share: percent(float64(restTable) / float64(max(cp.DurationNs, 1))), Code: catOther})
		}
		if rest > 0 {
			bar = append(bar, pathPart{Name: fmt.Sprintf("%d more", len(cp.Parts)-(maxPathParts-1)), Ns: rest, Code: catOther})
		}
		b.d.PathChart.Labels = append(b.d.PathChart.Labels, shorten(name, maxName))
		b.d.PathChart.Parts = append(b.d.PathChart.Parts, bar)
		for len(b.chart("paths").Series) < len(bar) {
			b.chart("paths").Series = append(b.chart("paths").Series, fmt.Sprintf("part %d", len(b.chart("paths").Series)+1))
		}
		b.v.Paths = append(b.v.Paths, pv)
	}
	// Each goroutine shown on a row of its own (at first): its path from
	// its creation (or the trace's start) to its end.
	n := 0
	for i, p := range plan {
		if p.g == nil || p.parent >= 0 || p.g.System || n == maxGoroutinePaths {
			continue
		}
		g := p.g
		from, to := max(g.Created, 0), t.Duration
		if g.End == parse.EndExited && g.Ended >= 0 {
			to = g.Ended
		}
		if to <= from || len(g.Spans) == 0 {
			continue
		}
		n++
		if ref, ok := walked[walk{g.ID, from, to}]; ok {
			b.d.Timeline.Rows[i].Detail.Path = ref
			continue
		}
		cp := t.CriticalPathLimit(g.ID, from, to, maxWalk)
		ref, _ := b.addPath(fmt.Sprintf("G%d %s", g.ID, shorten(g.Name, maxName)), &cp, rowOf)
		if ref == 0 {
			break
		}
		if det := b.d.Timeline.Rows[i].Detail; det != nil {
			det.Path = ref
		}
	}
}
