package html

import (
	"cmp"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// The lost-parallelism waterfall, in P-time: GOMAXPROCS × wall time is what
// the program could have used, and each bar is where a part of it went (a
// P running the program, running the runtime, or idle while goroutines
// waited for a P, were blocked, waited only on the critical path's work
// while it ran, or had nothing to do).

type waterfallRow struct {
	Name  string
	Code  int
	Value string
	Share string
}

// maxNamed bounds the named locks and channels listed under the waterfall
// and in their own table; the rest are summed in one row.
const maxNamed = 30

func (b *builder) buildWaterfall() {
	w := b.sum.Waterfall
	if w.CapacityNs <= 0 {
		return
	}
	type part struct {
		name string
		code int
		v    int64
	}
	// Each part's name says what it is in the few words the chart's axis
	// shows (jsFmtRow cuts past 38 characters): "idle: blocked on mutex",
	// not a shared "idle while goroutines were blocked on…".
	parts := []part{
		{"running the program", catRunning, w.UserNs},
		{"GC and runtime", catRuntime, w.RuntimeNs},
		{"idle: waiting for a P", catRunnable, w.RunnableNs},
	}
	for _, bl := range sortedBlocked(w.BlockedNs) {
		r, _ := parse.ParseReason(bl.Reason)
		parts = append(parts, part{"idle: blocked on " + bl.Reason, reasonCat(r), bl.TotalNs})
	}
	if w.PathOnlyNs > 0 {
		parts = append(parts, part{"idle: only the critical path ran", catPathOnly, w.PathOnlyNs})
	}
	parts = append(parts, part{"idle: nothing to do", catIdle, w.IdleNs})
	col := units.Duration
	row := func(name string, code int, v int64) waterfallRow {
		return waterfallRow{Name: name, Code: code, Value: col(v), Share: percent(float64(v) / float64(w.CapacityNs))}
	}
	wb := &b.d.Bars.Waterfall
	base := barLine{Name: "base", Code: -1}
	bar := barLine{Name: "P-time", Code: -1}
	wb.Labels = append(wb.Labels, "GOMAXPROCS × wall time")
	wb.Codes = append(wb.Codes, catCapacity)
	base.Values = append(base.Values, 0)
	bar.Values = append(bar.Values, float64(w.CapacityNs))
	at := int64(0)
	for _, p := range parts {
		b.v.Waterfall = append(b.v.Waterfall, row(p.name, p.code, p.v))
		wb.Labels = append(wb.Labels, p.name)
		wb.Codes = append(wb.Codes, p.code)
		base.Values = append(base.Values, float64(at))
		bar.Values = append(bar.Values, float64(p.v))
		at += p.v
	}
	wb.Series = []barLine{base, bar}
	b.v.Capacity = col(w.CapacityNs)

	// The part of the blocked P-time spent waiting on named resources.
	var named []summary.ReasonTime
	for name, v := range w.NamedNs {
		if v > 0 {
			named = append(named, summary.ReasonTime{Reason: name, TotalNs: v})
		}
	}
	slices.SortFunc(named, func(a, c summary.ReasonTime) int {
		return cmp.Or(cmp.Compare(c.TotalNs, a.TotalNs), strings.Compare(a.Reason, c.Reason))
	})
	var rest int64
	for i, n := range named {
		if i >= maxNamed {
			rest += n.TotalNs
			continue
		}
		b.v.NamedIdle = append(b.v.NamedIdle, row(shorten(n.Reason, maxName), -1, n.TotalNs))
	}
	if len(named) > maxNamed {
		b.v.NamedIdle = append(b.v.NamedIdle, row(plainCount(len(named)-maxNamed, "more named lock or channel", "more named locks and channels")+", summed", -1, rest))
	}
}

func sortedBlocked(m map[string]int64) []summary.ReasonTime {
	out := make([]summary.ReasonTime, 0, len(m))
	for r, v := range m {
		out = append(out, summary.ReasonTime{Reason: r, TotalNs: v})
	}
	slices.SortFunc(out, func(a, b summary.ReasonTime) int {
		return cmp.Or(cmp.Compare(b.TotalNs, a.TotalNs), strings.Compare(a.Reason, b.Reason))
	})
	return out
}
