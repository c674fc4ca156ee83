package html

import (
	"cmp"
	"slices"

	"github.com/vizrun/vizrun/internal/parse"
)

// Level of detail. The report stays small whatever the trace, so the gantt
// charts are drawn from segments rather than from the model's spans, in
// tiles (see tileData):
//
//   - in a tile of resolution res, a span at least res long is a segment of
//     its own, and a run of shorter spans becomes one merged segment with
//     the code that took most of its time (and how many spans it holds);
//   - the whole trace is one tile, at the finest resolution its budget
//     allows; the moments findings point at get tiles of their own, finer
//     (every span of the model when it fits), and so will critical paths;
//   - the page merges further what is narrower than a pixel at its zoom,
//     so every coarser level is there without costing bytes.
//
// Totals anywhere in the report come from the model, never from segments,
// so they stay exact.

// segment is one drawn rectangle (see ganttData for the fields).
type segment struct {
	start, end int64
	code       int
	ref        int
	aux        int
}

// Budgets, in segments (a segment is about 20 bytes of the page).
const (
	budgetTrace   = 120000 // goroutine timeline, whole trace
	budgetWindows = 60000  // goroutine timeline, around findings
	budgetMembers = 20000  // goroutines folded into groups, for when they are expanded
	budgetProcs   = 45000  // processor timeline, whole trace
	budgetProcWin = 15000  // processor timeline, around findings
	maxWindows    = 16     // finding windows with tiles of their own
	// A window gets a tile only if the whole-trace tile is too coarse for
	// it at windowPixels across.
	windowPixels = 1600
	maxBuckets   = 4000 // buckets across a folded row's tile
)

// source produces the segments of one row.
type source interface {
	// segments appends the row's segments over [from, to) at resolution res.
	segments(from, to, res int64, out []segment) []segment
	// count is len(segments(...)), or something over limit once sure.
	count(from, to, res int64, limit int) int
}

// mixer finds the dominant code of a run of merged spans.
type mixer struct {
	start, end int64
	n          int  // spans in the run
	unknown    bool // a span of the run was merged by the model already
	time       [numCategories]int64
	touched    []int
}

func (m *mixer) add(start, end int64, c int, modelMerged bool) {
	if m.n == 0 {
		m.start = start
	}
	m.end = end
	m.n++
	m.unknown = m.unknown || modelMerged
	if m.time[c] == 0 {
		m.touched = append(m.touched, c)
	}
	m.time[c] += max(end-start, 1)
}

func (m *mixer) flush(out []segment) []segment {
	if m.n == 0 {
		return out
	}
	best, bestT, total := catOther, int64(-1), int64(0)
	for _, c := range m.touched {
		t := m.time[c]
		total += t
		if t > bestT || (t == bestT && c < best) {
			best, bestT = c, t
		}
		m.time[c] = 0
	}
	m.touched = m.touched[:0]
	share := 0
	if total > 0 {
		share = int(100 * bestT / total)
	}
	ref := -m.n
	if m.unknown {
		ref = -1
	}
	out = append(out, segment{start: m.start, end: m.end, code: best, ref: ref, aux: share})
	m.n, m.unknown = 0, false
	return out
}

// spanSource is a goroutine's spans.
type spanSource struct {
	spans  []parse.Span
	stacks *stackTable // nil: no stack references (counting only)
	// g and wakes, when set, give blocked spans drawn on their own the
	// reference of their wake-up.
	g     *parse.Goroutine
	wakes *wakeTable
}

// window returns the spans overlapping [from, to).
func window(spans []parse.Span, from, to int64) []parse.Span {
	i, _ := slices.BinarySearchFunc(spans, from, func(s parse.Span, t int64) int { return cmp.Compare(s.End, t+1) })
	j, _ := slices.BinarySearchFunc(spans, to, func(s parse.Span, t int64) int { return cmp.Compare(s.Start, t) })
	if i > j {
		return nil
	}
	return spans[i:j]
}

func (s spanSource) segments(from, to, res int64, out []segment) []segment {
	var m mixer
	for _, sp := range window(s.spans, from, to) {
		start, end := max(sp.Start, from), min(sp.End, to)
		if end < start {
			continue
		}
		c := stateCat(sp.State, sp.Reason)
		if end-start >= res {
			out = m.flush(out)
			seg := segment{start: start, end: end, code: c}
			if sp.Merged() {
				seg.ref = -1 // merged by the model: mostly c, mix unknown
			} else if s.stacks != nil {
				seg.ref = s.stacks.ref(sp.Stack)
			}
			if sp.State == parse.StateBlocked && !sp.Merged() && s.wakes != nil {
				seg.aux = s.wakes.ref(s.g, sp)
			}
			out = append(out, seg)
			continue
		}
		m.add(start, end, c, sp.Merged())
		if m.end-m.start >= res {
			out = m.flush(out)
		}
	}
	return m.flush(out)
}

func (s spanSource) count(from, to, res int64, limit int) int {
	n := 0
	var runStart, runEnd int64
	inRun := false
	for _, sp := range window(s.spans, from, to) {
		start, end := max(sp.Start, from), min(sp.End, to)
		if end < start {
			continue
		}
		if end-start >= res {
			if inRun {
				n++
				inRun = false
			}
			n++
		} else {
			if !inRun {
				runStart, inRun = start, true
			}
			runEnd = end
			if runEnd-runStart >= res {
				n++
				inRun = false
			}
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

// foldSource is a group of goroutines drawn as one row: over buckets of
// width res (at least (to-from)/maxBuckets), the code that took most of
// their time, merged where neighbours agree. aux is that code's share.
type foldSource struct {
	members []*parse.Goroutine
}

func (f foldSource) bucket(from, to, res int64) int64 {
	return max(res, (to-from+maxBuckets-1)/maxBuckets, 1)
}

func (f foldSource) segments(from, to, res int64, out []segment) []segment {
	if to <= from {
		return out
	}
	w := f.bucket(from, to, res)
	nb := int((to - from + w - 1) / w)
	buckets := make([][numCategories]int64, nb)
	used := make([]bool, nb)
	for _, g := range f.members {
		for _, sp := range window(g.Spans, from, to) {
			c := stateCat(sp.State, sp.Reason)
			for t := max(sp.Start, from); t < min(sp.End, to); {
				i := int((t - from) / w)
				end := min(from+int64(i+1)*w, sp.End, to)
				buckets[i][c] += end - t
				used[i] = true
				t = end
			}
		}
	}
	first := len(out)
	for i := range buckets {
		if !used[i] {
			continue
		}
		best, bestT, total := catOther, int64(-1), int64(0)
		for c, t := range buckets[i] {
			total += t
			if t > bestT {
				best, bestT = c, t
			}
		}
		start, end := from+int64(i)*w, min(from+int64(i+1)*w, to)
		share := int(100 * bestT / max(total, 1))
		if n := len(out); n > first && out[n-1].end == start && out[n-1].code == best {
			out[n-1].end = end
			out[n-1].aux = min(out[n-1].aux, share)
			continue
		}
		out = append(out, segment{start: start, end: end, code: best, ref: -len(f.members), aux: share})
	}
	return out
}

func (f foldSource) count(from, to, res int64, limit int) int {
	w := f.bucket(from, to, res)
	return int(min((to-from+w-1)/w, int64(limit)+1))
}

// rowSource is a row and where its segments come from.
type rowSource struct {
	row rowData
	src source
}

// countRows is the segments of rows over [from, to) at res, or something
// over limit once sure.
func countRows(rows []rowSource, idx []int, from, to, res int64, limit int) int {
	n := 0
	for _, i := range idx {
		n += rows[i].src.count(from, to, res, limit-n)
		if n > limit {
			return n
		}
	}
	return n
}

// fitResolution is the smallest resolution (0, or a power of two ns) at
// which the rows' segments over [from, to) fit budget.
func fitResolution(rows []rowSource, idx []int, from, to int64, budget int) int64 {
	if countRows(rows, idx, from, to, 0, budget) <= budget {
		return 0
	}
	// The count only falls as res grows: binary search the exponent.
	lo, hi := 0, 62
	for lo < hi {
		mid := (lo + hi) / 2
		if res := int64(1) << mid; res >= to-from || countRows(rows, idx, from, to, res, budget) <= budget {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return int64(1) << lo
}

// tile builds the tile of rows idx over [from, to) at res.
func tile(rows []rowSource, idx []int, from, to, res int64, why string) tileData {
	td := tileData{From: from, To: to, Res: res, Why: why, Rows: idx, Segs: make([][]int64, len(idx))}
	var buf []segment
	for k, i := range idx {
		buf = rows[i].src.segments(from, to, res, buf[:0])
		td.Segs[k] = flat(buf, from)
	}
	return td
}

// flat encodes segments as the page reads them (see ganttData).
func flat(segs []segment, from int64) []int64 {
	out := make([]int64, 0, 5*len(segs))
	prev := from
	for _, s := range segs {
		out = append(out, s.start-prev, s.end-s.start, int64(s.code), int64(s.ref), int64(s.aux))
		prev = s.end
	}
	return out
}

// interval is a stretch of time; why says what it is for tiles of its own
// ("finding" when empty, "path").
type interval struct {
	from, to int64
	why      string
}

// findingWindows is the moments findings point at, with some margin,
// overlapping ones merged, in the order of the findings.
func findingWindows(refs []findingRef, duration int64) []interval {
	var ws []interval
	for _, f := range refs {
		if f.To <= f.From || f.From >= duration {
			continue
		}
		pad := max((f.To-f.From)/4, 1000)
		w := interval{from: max(f.From-pad, 0), to: min(f.To+pad, duration)}
		merged := false
		for i := range ws {
			if w.from < ws[i].to && ws[i].from < w.to {
				ws[i] = interval{from: min(ws[i].from, w.from), to: max(ws[i].to, w.to)}
				merged = true
				break
			}
		}
		if !merged {
			ws = append(ws, w)
		}
	}
	return ws
}

// tiles builds the tiles of a gantt's rows idx: the whole trace within
// budget, and the windows (finer, within windowBudget shared among them)
// where the whole-trace tile is too coarse.
func tiles(rows []rowSource, idx []int, duration int64, budget int, windows []interval, windowBudget int) []tileData {
	if len(idx) == 0 {
		return nil
	}
	res := fitResolution(rows, idx, 0, duration, budget)
	out := []tileData{tile(rows, idx, 0, duration, res, "trace")}
	if res == 0 {
		return out
	}
	var need []interval
	for _, w := range windows {
		if w.why == "" {
			w.why = "finding"
		}
		if (w.to-w.from)/windowPixels < res && len(need) < maxWindows {
			need = append(need, w)
		}
	}
	for _, w := range need {
		wr := fitResolution(rows, idx, w.from, w.to, windowBudget/len(need))
		if wr < res {
			out = append(out, tile(rows, idx, w.from, w.to, wr, w.why))
		}
	}
	return out
}
