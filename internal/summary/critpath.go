package summary

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/vizrun/vizrun/internal/parse"
)

// CriticalPath says what decided the end of one thing: the program, or the
// median and slowest instance of a task or region type (of those the model
// kept).
type CriticalPath struct {
	Of         string     `json:"of"`       // "program", "task request", "region parse"
	Instance   string     `json:"instance"` // "p50", "p99" (for tasks and regions), "" for the program
	Goroutine  int64      `json:"goroutine"`
	FromNs     int64      `json:"from_ns"`
	ToNs       int64      `json:"to_ns"`
	DurationNs int64      `json:"duration_ns"`
	Hops       int        `json:"hops"` // hand-offs between goroutines on the path
	Parts      []PathPart `json:"parts"`

	// Path is the walk itself, its segments on their goroutines, for the
	// report to draw (not in the JSON).
	Path parse.Path `json:"-"`
}

// PathPart is the time of a critical path spent one way.
type PathPart struct {
	Category string `json:"category"`
	Ns       int64  `json:"ns"`
}

// MaxPathTypes bounds the task and region types given critical paths.
const MaxPathTypes = 10

func criticalPaths(t *parse.Trace) []CriticalPath {
	out := []CriticalPath{}
	add := func(of, inst string, g parse.GoID, from, to int64) {
		if to <= from || t.Goroutine(g) == nil {
			return
		}
		p := t.CriticalPath(g, from, to)
		cp := CriticalPath{Of: of, Instance: inst, Goroutine: int64(g), FromNs: from, ToNs: to, DurationNs: to - from, Hops: p.Hops, Parts: []PathPart{}, Path: p}
		for _, part := range t.Breakdown(&p) {
			cp.Parts = append(cp.Parts, PathPart{part.Category, part.Ns})
		}
		if gap := p.From - from; gap > 0 {
			cp.Parts = append(cp.Parts, PathPart{"before the trace, or not followed", gap})
		}
		out = append(out, cp)
	}
	if g, from, to, ok := t.ProgramRange(); ok {
		add("program", "", g, from, to)
	}
	// Tasks and regions: the median and slowest finished instance of the
	// busiest types.
	type inst struct {
		g          parse.GoID
		start, end int64
	}
	pick := func(of string, typ string, xs []inst) {
		if len(xs) == 0 {
			return
		}
		slices.SortFunc(xs, func(a, b inst) int { return cmp.Compare(a.end-a.start, b.end-b.start) })
		p50 := xs[len(xs)/2]
		p99 := xs[min(len(xs)-1, len(xs)*99/100)]
		add(of+" "+typ, "p50", p50.g, p50.start, p50.end)
		if len(xs) > 1 {
			add(of+" "+typ, "p99", p99.g, p99.start, p99.end)
		}
	}
	for i, ts := range t.TaskTypes {
		if i == MaxPathTypes {
			break
		}
		var xs []inst
		for _, tk := range t.Tasks {
			if tk.Type == ts.Type && !tk.Unfinished && tk.Ender != 0 {
				xs = append(xs, inst{tk.Ender, tk.Start, tk.End})
			}
		}
		pick("task", ts.Type, xs)
	}
	for i, rs := range t.RegionTypes {
		if i == MaxPathTypes {
			break
		}
		var xs []inst
		for _, r := range t.Regions {
			if r.Type == rs.Type && !r.Unfinished {
				xs = append(xs, inst{r.Goroutine, r.Start, r.End})
			}
		}
		pick("region", rs.Type, xs)
	}
	return out
}

// pathLine is a critical path in one line: "70% sleep at main.fetch, 20%
// running main.worker, ...".
func pathLine(cp *CriticalPath) string {
	s := ""
	for i, p := range cp.Parts {
		if i == 4 {
			s += ", ..."
			break
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%.0f%% %s", 100*float64(p.Ns)/float64(max(cp.DurationNs, 1)), p.Category)
	}
	return s
}
