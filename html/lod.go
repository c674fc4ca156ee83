package html

import (
	"cmp"
	"slices"

	"github.com/vizrun/vizrun/internal/parse"
)

// Level of detail. The report must stay small whatever the trace, so the
// timelines are drawn from segments, not from the model's spans:
//
//   - a span at least `res` long is one segment;
//   - a run of shorter spans becomes one merged segment coloured by the state
//     that took most of its time (its tooltip says how many spans it holds);
//   - past maxRows goroutines, the least interesting ones are folded into one
//     row per group, drawn as the dominant state of the group over time.
//
// res starts at zero (every span drawn) and doubles until the segments fit
// the budget. Totals shown anywhere come from the model, never from segments,
// so they stay exact.

// code packs what a segment shows: state in the high bits, reason in the low.
func code(s parse.State, r parse.Reason) int { return int(s)<<4 | int(r) }

// segment is one drawn rectangle.
type segment struct {
	start, end int64
	code       int
	ref        int // real span: stack index + 1 (0: none); merged: -(number of spans)
	share      int // merged/folded: percent of the time in the dominant code
}

// mixer finds the dominant code of a run of spans.
type mixer struct {
	start, end int64
	n          int
	time       map[int]int64
}

func (m *mixer) add(start, end int64, c int, n int) {
	if m.n == 0 {
		m.start = start
		if m.time == nil {
			m.time = map[int]int64{}
		}
		clear(m.time)
	}
	m.end = end
	m.n += n
	m.time[c] += end - start
}

func (m *mixer) flush(out []segment) []segment {
	if m.n == 0 {
		return out
	}
	best, bestT, total := 0, int64(-1), int64(0)
	for c, t := range m.time {
		total += t
		if t > bestT || (t == bestT && c < best) {
			best, bestT = c, t
		}
	}
	share := 100
	if total > 0 {
		share = int(100 * bestT / total)
	}
	out = append(out, segment{start: m.start, end: m.end, code: best, ref: -m.n, share: share})
	m.n = 0
	return out
}

// spanSegments turns one goroutine's spans into segments at resolution res.
// stackRef maps a stack to its index in the report (+1), 0 for none.
func spanSegments(spans []parse.Span, res int64, stackRef func(parse.StackID) int, out []segment) []segment {
	var m mixer
	for _, s := range spans {
		c := code(s.State, s.Reason)
		if s.End-s.Start >= res {
			if m.n > 0 {
				out = m.flush(out)
			}
			ref := 0
			if stackRef != nil {
				ref = stackRef(s.Stack)
			}
			out = append(out, segment{start: s.Start, end: s.End, code: c, ref: ref, share: 100})
			continue
		}
		m.add(s.Start, s.End, c, 1)
		if m.end-m.start >= res {
			out = m.flush(out)
		}
	}
	return m.flush(out)
}

// countSegments is len(spanSegments(...)) without building them.
func countSegments(spans []parse.Span, res int64) int {
	n := 0
	var runStart, runEnd int64
	inRun := false
	for _, s := range spans {
		if s.End-s.Start >= res {
			if inRun {
				n++
				inRun = false
			}
			n++
			continue
		}
		if !inRun {
			runStart, inRun = s.Start, true
		}
		runEnd = s.End
		if runEnd-runStart >= res {
			n++
			inRun = false
		}
	}
	if inRun {
		n++
	}
	return n
}

// foldSegments draws a group of goroutines as one row: over buckets of width
// res, the code that took most goroutine-time, merged where neighbours agree.
// Goroutines that do not exist in a bucket do not count.
func foldSegments(members []*parse.Goroutine, duration, res int64) []segment {
	if duration <= 0 {
		return nil
	}
	res = max(res, duration/4000, 1)
	nb := int((duration + res - 1) / res)
	buckets := make([]map[int]int64, nb)
	for _, g := range members {
		for _, s := range g.Spans {
			c := code(s.State, s.Reason)
			for from := s.Start; from < s.End; {
				i := int(from / res)
				if i >= nb {
					break
				}
				end := min(int64(i+1)*res, s.End)
				if buckets[i] == nil {
					buckets[i] = map[int]int64{}
				}
				buckets[i][c] += end - from
				from = end
			}
		}
	}
	var out []segment
	for i, b := range buckets {
		if len(b) == 0 {
			continue
		}
		best, bestT, total := 0, int64(-1), int64(0)
		for c, t := range b {
			total += t
			if t > bestT || (t == bestT && c < best) {
				best, bestT = c, t
			}
		}
		start, end := int64(i)*res, min(int64(i+1)*res, duration)
		share := int(100 * bestT / total)
		if n := len(out); n > 0 && out[n-1].end == start && out[n-1].code == best {
			out[n-1].end = end
			out[n-1].share = min(out[n-1].share, share)
			continue
		}
		out = append(out, segment{start: start, end: end, code: best, ref: -1, share: share})
	}
	return out
}

// row is one line of the goroutine timeline.
type row struct {
	label   string
	group   int              // index into Trace.Groups
	g       *parse.Goroutine // nil for a folded row
	members []*parse.Goroutine
}

// chooseRows picks the timeline rows: every user goroutine while they are at
// most maxRows, else the most interesting ones (leaked, then most time
// blocked or running) and one folded row per group for the rest. Runtime
// goroutines are always one folded row at the bottom.
func chooseRows(t *parse.Trace, maxRows int) []row {
	var user, sys []*parse.Goroutine
	for _, g := range t.Goroutines {
		if g.System {
			sys = append(sys, g)
		} else {
			user = append(user, g)
		}
	}
	keep := map[parse.GoID]bool{}
	if len(user) <= maxRows {
		for _, g := range user {
			keep[g.ID] = true
		}
	} else {
		ranked := slices.Clone(user)
		score := func(g *parse.Goroutine) int64 {
			return g.Totals.Running + g.Totals.BlockedTotal() + g.Totals.Runnable + g.Totals.Syscall
		}
		slices.SortStableFunc(ranked, func(a, b *parse.Goroutine) int {
			if a.Leaked() != b.Leaked() {
				if a.Leaked() {
					return -1
				}
				return 1
			}
			return cmp.Or(cmp.Compare(score(b), score(a)), cmp.Compare(a.ID, b.ID))
		})
		// Leave room for the folded rows of the groups that lose members.
		n := maxRows * 3 / 4
		for _, g := range ranked[:n] {
			keep[g.ID] = true
		}
	}
	// Rows follow groups in order of their first goroutine, members by id.
	type grp struct {
		first   parse.GoID
		members []*parse.Goroutine
	}
	groups := map[int]*grp{}
	var order []int
	for _, g := range user {
		gr := groups[g.Group]
		if gr == nil {
			gr = &grp{first: g.ID}
			groups[g.Group] = gr
			order = append(order, g.Group)
		}
		gr.members = append(gr.members, g)
	}
	var rows []row
	var folded []row
	for _, gi := range order {
		gr := groups[gi]
		var rest []*parse.Goroutine
		for _, g := range gr.members {
			if keep[g.ID] {
				rows = append(rows, row{label: g.Name, group: gi, g: g})
			} else {
				rest = append(rest, g)
			}
		}
		if len(rest) > 0 {
			folded = append(folded, row{label: t.Groups[gi].Name, group: gi, members: rest})
		}
	}
	// Too many folded groups: the smallest share one row.
	room := max(maxRows-len(rows), 1)
	if len(folded) > room {
		slices.SortStableFunc(folded, func(a, b row) int { return cmp.Compare(len(b.members), len(a.members)) })
		other := row{label: "other goroutines", group: -1}
		for _, f := range folded[room-1:] {
			other.members = append(other.members, f.members...)
		}
		folded = append(folded[:room-1], other)
	}
	rows = append(rows, folded...)
	if len(sys) > 0 {
		rows = append(rows, row{label: "runtime", group: -1, members: sys})
	}
	return rows
}

// countRows is the number of segments the rows make at resolution res, or
// some number over limit once it is sure to exceed it.
func countRows(rows []row, duration, res int64, limit int) int {
	n := 0
	for _, r := range rows {
		if r.g != nil {
			n += countSegments(r.g.Spans, res)
		} else {
			n += min(int(duration/max(res, duration/4000, 1))+1, 4001)
		}
		if n > limit {
			return n
		}
	}
	return n
}

// resolution finds the smallest power-of-two resolution (in ns) at which the
// rows' segments fit the budget.
func resolution(rows []row, duration int64, budget int) int64 {
	count := func(res int64) int { return countRows(rows, duration, res, budget) }
	if count(0) <= budget {
		return 0
	}
	// count only falls as res grows: binary search the smallest power of
	// two that fits (or that covers the whole trace).
	fits := func(k int) bool { return int64(1)<<k >= duration || count(int64(1)<<k) <= budget }
	lo, hi := 0, 62
	for lo < hi {
		mid := (lo + hi) / 2
		if fits(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return int64(1) << lo
}
