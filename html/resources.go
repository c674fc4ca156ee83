package html

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
)

// Named locks and channels (the tracer's NewMutex, NewRWMutex, Send and
// Recv), most waited on first. A program may name one per goroutine, a
// hundred thousand of them: the table shows the maxNamed most waited on and
// sums the rest in one row, so its totals stay exact.

type resourceRow struct {
	Name, Kind, Total, Max, Avg string
	Waits                       int64
	Waiters                     string
	Ops                         string
	Holders                     []string
	Rest                        bool // the row summing the long tail
}

type leakRow struct {
	Name, Reason, Since, Func, Loc string
	N                              int
	IDs                            string
	Proven                         bool
	Frames                         []string
}

func (b *builder) buildResources() {
	rs := b.sum.Resources
	ct, cm, ca := units.Duration, units.Duration, units.Duration
	var rest resourceRow
	var restN, restWaiters, restPending int
	var restTotal, restMax int64
	for i, r := range rs {
		if i >= maxNamed {
			restN++
			rest.Waits += r.Waits
			restTotal += r.TotalNs
			restMax = max(restMax, r.MaxNs)
			restWaiters += r.Waiters
			restPending += r.Pending
			continue
		}
		row := resourceRow{Name: shorten(r.Name, maxName), Kind: r.Kind, Waits: r.Waits,
			Total: ct(r.TotalNs), Max: cm(r.MaxNs), Avg: ca(r.TotalNs / max(r.Waits, 1)),
			Waiters: waiters(r.Waiters, r.Pending)}
		var ops []string
		for _, o := range r.Ops {
			ops = append(ops, fmt.Sprintf("%s %d × %s", o.Op, o.Waits, units.Duration(o.TotalNs)))
		}
		row.Ops = strings.Join(ops, ", ")
		for _, h := range r.Holders {
			row.Holders = append(row.Holders, fmt.Sprintf("G%d %s: others waited %s", h.Goroutine, shorten(h.Name, maxName), units.Duration(h.BlameNs)))
		}
		b.v.Resources = append(b.v.Resources, row)
	}
	if restN > 0 {
		rest.Rest = true
		rest.Name = plainCount(restN, "more", "more") + ", summed"
		rest.Kind = "—"
		rest.Total, rest.Max, rest.Avg = ct(restTotal), cm(restMax), ca(restTotal/max(rest.Waits, 1))
		rest.Waiters = waiters(restWaiters, restPending) + " (summed)"
		b.v.Resources = append(b.v.Resources, rest)
	}
	b.v.ResourcesTotal = len(rs)
}

func waiters(n, pending int) string {
	s := strconv.Itoa(n)
	if pending > 0 {
		s += fmt.Sprintf(" (%d still waiting)", pending)
	}
	return s
}

func (b *builder) buildLeaks() {
	t := b.t
	var since []int64
	for _, l := range b.sum.Leaks {
		since = append(since, l.SinceNs)
	}
	u := traceUnit(t.Duration)
	for _, l := range b.sum.Leaks {
		var ids []string
		proven := false
		for _, id := range l.Goroutines {
			ids = append(ids, "G"+strconv.FormatInt(id, 10))
			if g := t.Goroutine(parse.GoID(id)); g != nil && g.ProvenLeak {
				proven = true
			}
		}
		s := strings.Join(ids, ", ")
		if l.Count > len(l.Goroutines) {
			s += fmt.Sprintf(" and %d more", l.Count-len(l.Goroutines))
		}
		fn, loc := siteName(l.Where)
		b.v.Leaks = append(b.v.Leaks, leakRow{Name: shorten(l.Name, maxName), N: l.Count, Reason: l.Reason,
			Since: atTime(l.SinceNs, u, t.Duration/10000), Func: fn, Loc: loc, IDs: s, Proven: proven,
			Frames: stackText(t, l.Stack)})
	}
}
