package budget

import (
	"fmt"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// Baselines. A new set of traces (a CI run) is compared with an old one
// (the last good run) taken as a whole: a problem seen in any old trace
// is known, at its worst there. A new trace fails only on what is new or
// worse than that:
//
//   - an item of a budget violation (a leak group, a finding, a limit)
//     that no old trace had, or that is worse than in the worst old trace
//     (more leaked goroutines, a finding of higher severity, a duration
//     3 times as long and 1 ms longer, a count higher, parallelism or
//     utilization down by a third);
//   - a lock whose p99 wait (a named lock's, or that of all unnamed lock
//     waits) is 3 times as long as the old traces' worst, and 1 ms longer,
//     within budget or not.

// WorseFactor is how much longer a duration must get to be worse than
// the baseline; MinWorse is by how much at least.
const (
	WorseFactor = 3
	MinWorse    = 1e6 // ns
)

// Facts are what a trace says that a baseline compares beyond its
// violations: the p99 wait of each lock, by key.
type Facts struct {
	Violations []Violation
	LockP99    map[string]float64 // "lock mutex \"counter\"", "lock waits (unnamed)"
}

// FactsOf gathers what a baseline comparison needs of trace t with
// violations v.
func FactsOf(t *parse.Trace, v []Violation) Facts {
	f := Facts{Violations: v, LockP99: map[string]float64{}}
	for i := range t.Resources {
		r := &t.Resources[i]
		if r.Kind != parse.KindChan && r.Waits() > 0 {
			f.LockP99[fmt.Sprintf("lock %s %q", r.Kind, r.Name)] = float64(r.Hist.Quantile(0.99))
		}
	}
	if h := summary.LockWaits(t); h.N > 0 {
		f.LockP99["lock waits"] = float64(h.Quantile(0.99))
	}
	return f
}

// Baseline is the worst of every item and lock over the old traces.
type Baseline struct {
	items map[string]Item
	locks map[string]float64
	N     int // traces
}

// NewBaseline takes the old traces' facts as a whole.
func NewBaseline(old []Facts) *Baseline {
	b := &Baseline{items: map[string]Item{}, locks: map[string]float64{}, N: len(old)}
	for _, f := range old {
		for _, v := range f.Violations {
			for _, it := range v.Items {
				if o, ok := b.items[it.Key]; !ok || worse(o, it) {
					b.items[it.Key] = it
				}
			}
		}
		for k, p := range f.LockP99 {
			b.locks[k] = max(b.locks[k], p)
		}
	}
	return b
}

// worse reports whether item n is worse than o, of the same key.
func worse(o, n Item) bool {
	switch n.Unit {
	case "ns":
		return n.Value >= WorseFactor*o.Value && n.Value-o.Value >= MinWorse
	case "parallelism", "share":
		return n.Value <= o.Value*2/3
	}
	return n.Value > o.Value
}

// Compare marks the items of new's violations new, worse or known, and
// adds a violation for each lock whose p99 wait is 3 times the baseline's
// worst. It returns the violations with their items marked, and how many
// items are new or worse.
func (b *Baseline) Compare(n Facts) ([]Violation, int) {
	var out []Violation
	bad := 0
	for _, v := range n.Violations {
		v.Items = append([]Item(nil), v.Items...)
		for i := range v.Items {
			it := &v.Items[i]
			o, ok := b.items[it.Key]
			switch {
			case !ok:
				it.Status = "new"
				bad++
			case worse(o, *it):
				it.Status, it.Was = "worse", value(o)
				bad++
			default:
				it.Status = "known"
			}
		}
		out = append(out, v)
	}
	for _, k := range sortedKeys(n.LockP99) {
		p, o := n.LockP99[k], b.locks[k]
		if o == 0 || p < WorseFactor*o || p-o < MinWorse {
			continue
		}
		what := strings.TrimPrefix(k, "lock ")
		if k == "lock waits" {
			what = "lock waits (all mutexes and RWMutexes)"
		}
		msg := fmt.Sprintf("%s p99 wait up %.1f×: %s, baseline %s", what, p/o, units.Duration(int64(p)), units.Duration(int64(o)))
		out = append(out, Violation{Limit: "baseline lock p99", Message: msg,
			Items: []Item{{Key: k + " p99", Message: msg, Value: p, Unit: "ns", Status: "worse", Was: units.Duration(int64(o))}}})
		bad++
	}
	return out, bad
}

// value says an item's value in its unit.
func value(it Item) string {
	switch it.Unit {
	case "ns":
		return units.Duration(int64(it.Value))
	case "severity":
		switch it.Value {
		case 2:
			return "critical"
		case 1:
			return "warning"
		}
		return "info"
	case "goroutines":
		return fmt.Sprintf("%.0f goroutine%s", it.Value, plural(int(it.Value)))
	}
	return fmt.Sprintf("%g", it.Value)
}
