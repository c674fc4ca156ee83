package html

import (
	"cmp"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// Tasks and regions: a gantt chart with one row per type (the busiest
// first) and one segment per instance the model kept, the types' tables,
// and the program's logs.

const (
	maxLogs     = 500
	maxLogText  = 300 // runes of a log message shown
	maxTaskRows = 40
	maxTaskSegs = 8000
)

type typeRow struct {
	Type, Total, Max, Avg string
	Count, Unfinished     int
}

type logRow struct {
	Time, Goroutine, Category, Message string
}

// instSource is the instances of one task or region type: ref is an
// instance reference (index into Spans' instance table + 1).
type instSource struct {
	segs []segment
}

func (s instSource) segments(from, to, res int64, out []segment) []segment {
	for _, x := range s.segs {
		if x.end > from && x.start < to || x.start == x.end && x.start >= from && x.start < to {
			y := x
			y.start, y.end = max(x.start, from), min(x.end, to)
			out = append(out, y)
		}
	}
	return out
}

func (s instSource) count(from, to, res int64, limit int) int { return len(s.segs) }

func isTracerRegion(typ string) bool { return strings.HasPrefix(typ, parse.Prefix) }

// buildSpans fills d.Spans. A tasks-and-regions timeline segment's ref is
// an index + 1 into d.Spans' rows' instance info: [kind, id or goroutine].
func (b *builder) buildSpans() {
	t := b.t
	type inst struct {
		start, end int64
		g          parse.GoID
	}
	rows := map[string][]inst{}
	var order []string
	addRow := func(label string, in inst) {
		if _, ok := rows[label]; !ok {
			order = append(order, label)
		}
		rows[label] = append(rows[label], in)
	}
	for _, k := range t.Tasks {
		addRow("task "+cmp.Or(k.Type, "(unnamed)"), inst{k.Start, k.End, k.Goroutine})
	}
	for _, r := range t.Regions {
		if !isTracerRegion(r.Type) {
			addRow("region "+r.Type, inst{r.Start, r.End, r.Goroutine})
		}
	}
	total := func(l string) int64 {
		var s int64
		for _, in := range rows[l] {
			s += in.end - in.start
		}
		return s
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Or(cmp.Compare(total(b), total(a)), strings.Compare(a, b)) })
	if len(order) > maxTaskRows {
		order = order[:maxTaskRows]
	}
	// Keep the longest instances when there are too many to draw.
	var ds []int64
	for _, l := range order {
		for _, in := range rows[l] {
			ds = append(ds, in.end-in.start)
		}
	}
	minDur := int64(0)
	if len(ds) > maxTaskSegs {
		slices.Sort(ds)
		minDur = ds[len(ds)-maxTaskSegs]
	}
	var srcs []rowSource
	var idx []int
	for i, l := range order {
		c := catRegion
		if strings.HasPrefix(l, "task ") {
			c = catTask
		}
		var segs []segment
		for _, in := range rows[l] {
			if in.end-in.start < minDur {
				continue
			}
			segs = append(segs, segment{start: in.start, end: in.end, code: c, ref: b.gref(in.g)})
		}
		kind := "region"
		if c == catTask {
			kind = "task"
		}
		srcs = append(srcs, rowSource{rowData{Label: shorten(l, maxName), Kind: kind, Group: -1, Parent: -1}, instSource{segs}})
		idx = append(idx, i)
	}
	sd := &b.d.Spans
	for _, r := range srcs {
		sd.Rows = append(sd.Rows, r.row)
	}
	if len(idx) > 0 {
		sd.Tiles = []tileData{tile(srcs, idx, 0, t.Duration, 0, "trace")}
	}
	sd.Note = "A segment is one task or region; its goroutine is the one that created the task or ran the region."
	if t.TasksDropped+t.RegionsDropped > 0 || minDur > 0 {
		sd.Note += " Only the longest instances are drawn; the tables count them all."
	}
	b.v.Tasks, b.v.Regions = typeRows(b.sum.Tasks), typeRows(b.sum.Regions)
}

func typeRows(ts []summary.TypeStats) []typeRow {
	d := units.Duration
	var out []typeRow
	for _, x := range ts {
		out = append(out, typeRow{Type: shorten(x.Type, maxName), Count: x.Count, Unfinished: x.Unfinished,
			Total: d(x.TotalNs), Max: d(x.MaxNs), Avg: d(x.TotalNs / int64(max(x.Count, 1)))})
	}
	return out
}

func (b *builder) buildLogs() {
	t := b.t
	u := traceUnit(t.Duration)
	prec := max(t.Duration/1_000_000, 1)
	for _, l := range t.Logs {
		if len(b.v.Logs) == maxLogs {
			break
		}
		g := ""
		if l.Goroutine != 0 {
			g = "G" + itoa(int64(l.Goroutine))
			if gr := t.Goroutine(l.Goroutine); gr != nil {
				g += " " + shorten(gr.Name, maxName)
			}
		}
		b.v.Logs = append(b.v.Logs, logRow{Time: atTime(l.Time, u, prec), Goroutine: g,
			Category: shorten(l.Category, maxName), Message: shorten(l.Message, maxLogText)})
	}
	b.v.LogsMore = len(t.Logs) - len(b.v.Logs) + int(t.LogsDropped)
}
