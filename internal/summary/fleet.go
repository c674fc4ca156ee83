package summary

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
)

// Many traces at once: flight-recorder snapshots of a fleet, the traces
// of vizrun test. Each trace is condensed into a Row while its model is in
// memory; the Fleet ranks the rows and counts findings across them, and
// needs no model at all.

// FleetSchema names the JSON layout of a Fleet (see FLEET.md).
const FleetSchema = "vizrun.fleet/v1"

// Row is one trace of a fleet.
type Row struct {
	Source string `json:"source"`
	Error  string `json:"error,omitempty"` // the trace could not be read; nothing else is set

	DurationNs     int64   `json:"duration_ns"`
	GOMAXPROCS     int     `json:"gomaxprocs"`
	AvgParallelism float64 `json:"avg_parallelism"`
	Utilization    float64 `json:"utilization"`
	Goroutines     int     `json:"goroutines"` // the program's, runtime ones aside
	Leaked         int     `json:"leaked"`
	ProvenLeaks    int     `json:"proven_leaks"`
	// LockWaitP99Ns is the 99th percentile of every wait for a mutex or
	// RWMutex (within 19%); 0 without lock waits.
	LockWaitP99Ns int64      `json:"lock_wait_p99_ns"`
	WorstLock     *LockBrief `json:"worst_lock,omitempty"`
	LatencyP99Ns  int64      `json:"scheduler_latency_p99_ns"`
	MaxPauseNs    int64      `json:"gc_max_pause_ns"`
	Findings      []Brief    `json:"findings"` // most severe first
	Warnings      []string   `json:"warnings"`
}

// Brief is a finding in a few words.
type Brief struct {
	Kind     string             `json:"kind"`
	Severity string             `json:"severity"`
	Title    string             `json:"title"`
	Subject  string             `json:"subject"`
	Message  string             `json:"message"`
	Site     *findings.Location `json:"site,omitempty"`
	CostNs   int64              `json:"cost_ns"`
}

// LockBrief is the lock goroutines waited on longest in a trace: a lock
// named with the vizrun tracer, else the call site of unnamed ones.
type LockBrief struct {
	Name    string `json:"name"`            // the tracer's name ("" for an unnamed lock)
	Kind    string `json:"kind"`            // mutex or rwmutex
	Where   *Frame `json:"where,omitempty"` // unnamed: the call site waited at
	TotalNs int64  `json:"total_ns"`
	Waits   int64  `json:"waits"`
	MaxNs   int64  `json:"max_ns"`
	P99Ns   int64  `json:"p99_ns,omitempty"` // named locks (within 19%)
}

// String names the lock: `mutex "counter"`, or `mutex at pkg.f (file.go:42)`
// (the function without its package path, the file without its directory).
func (l *LockBrief) String() string {
	if l.Name != "" {
		return fmt.Sprintf("%s %q", l.Kind, l.Name)
	}
	if w := l.Where; w != nil {
		fn := w.Function
		if i := strings.LastIndex(fn, "/"); i >= 0 {
			fn = fn[i+1:]
		}
		return fmt.Sprintf("%s at %s (%s:%d)", l.Kind, fn, path.Base(w.File), w.Line)
	}
	return l.Kind
}

// RowOf condenses the summary s of trace t.
func RowOf(s *Summary, t *parse.Trace) Row {
	r := Row{
		Source: s.Source, DurationNs: s.DurationNs, GOMAXPROCS: s.GOMAXPROCS, AvgParallelism: s.AvgParallelism,
		Utilization: s.Utilization, Goroutines: s.Goroutines.User, Leaked: s.Goroutines.Leaked,
		LockWaitP99Ns: LockWaits(t).Quantile(0.99), LatencyP99Ns: t.Latency.Quantile(0.99), MaxPauseNs: s.GC.MaxPauseNs,
		Findings: []Brief{}, Warnings: append([]string{}, s.Warnings...),
	}
	for _, l := range s.Leaks {
		r.ProvenLeaks += l.Proven
	}
	for _, f := range s.Findings {
		r.Findings = append(r.Findings, Brief{Kind: f.Kind, Severity: f.Level, Title: f.Title, Subject: f.Subject, Message: f.Message, Site: f.Site, CostNs: f.CostNs})
	}
	for i := range t.Resources {
		res := &t.Resources[i]
		if res.Kind == parse.KindChan || res.Waits() == 0 {
			continue
		}
		if r.WorstLock == nil || res.WaitTotal() > r.WorstLock.TotalNs {
			r.WorstLock = &LockBrief{Name: res.Name, Kind: res.Kind.String(), TotalNs: res.WaitTotal(), Waits: res.Waits(), MaxNs: res.MaxWait(), P99Ns: res.Hist.Quantile(0.99)}
		}
	}
	if r.WorstLock == nil {
		for _, st := range t.Sites {
			if st.Reason != parse.ReasonMutex && st.Reason != parse.ReasonRWMutex {
				continue
			}
			if r.WorstLock == nil || st.Total > r.WorstLock.TotalNs {
				f := frameOf(t.Frames[st.Frame])
				r.WorstLock = &LockBrief{Kind: st.Reason.String(), Where: &f, TotalNs: st.Total, Waits: st.Count, MaxNs: st.Max}
			}
		}
	}
	return r
}

// LockWaits is the histogram of every wait of the program's goroutines
// for a sync.Mutex or RWMutex, named or not.
func LockWaits(t *parse.Trace) *parse.Histogram {
	var h parse.Histogram
	h.Merge(&t.WaitHist[parse.ReasonMutex])
	h.Merge(&t.WaitHist[parse.ReasonRWMutex])
	return &h
}

// Fleet is what many traces say together.
type Fleet struct {
	Schema     string    `json:"schema"`
	Traces     []Row     `json:"traces"` // in the order given
	Unreadable int       `json:"unreadable"`
	Outliers   []Outlier `json:"outliers"` // every measure, the most outstanding first
	Across     []Across  `json:"findings_across"`
}

// Outlier ranks the traces by one measure.
type Outlier struct {
	Measure string   `json:"measure"`
	Unit    string   `json:"unit"`  // ns, goroutines, findings or share
	Worst   []Ranked `json:"worst"` // the worst traces, worst first (at most 3)
	Median  float64  `json:"median"`
	// Score is how far the worst stands out: its value over the median
	// (the other way round where lower is worse), the median counted as
	// at least a floor (1 ms, 1 goroutine, 1 finding, 5% busy).
	Score float64 `json:"score"`
	Floor float64 `json:"floor"`
	// Stands: the worst trace stands out, at least twice as bad as the
	// median (and past the floor).
	Stands bool `json:"stands_out"`
}

// Ranked is one trace's value of a measure.
type Ranked struct {
	Source string  `json:"source"`
	Value  float64 `json:"value"`
}

// Across counts the traces a finding (kind and subject) occurs in.
type Across struct {
	Kind     string   `json:"kind"`
	Title    string   `json:"title"`
	Subject  string   `json:"subject"`
	Severity string   `json:"severity"` // the worst seen
	Traces   int      `json:"traces"`
	Of       int      `json:"of"`      // traces read
	Sources  []string `json:"sources"` // the first 10
}

// measures are what a fleet is ranked by.
var measures = []struct {
	name, unit string
	floor      float64
	lowWorse   bool
	get        func(r *Row) float64
}{
	{"leaked goroutines", "goroutines", 1, false, func(r *Row) float64 { return float64(r.Leaked) }},
	{"lock wait p99", "ns", 1e6, false, func(r *Row) float64 { return float64(r.LockWaitP99Ns) }},
	{"longest lock wait", "ns", 1e6, false, func(r *Row) float64 {
		if r.WorstLock == nil {
			return 0
		}
		return float64(r.WorstLock.MaxNs)
	}},
	{"time waiting for the worst lock", "ns", 1e6, false, func(r *Row) float64 {
		if r.WorstLock == nil {
			return 0
		}
		return float64(r.WorstLock.TotalNs)
	}},
	{"scheduler latency p99", "ns", 1e6, false, func(r *Row) float64 { return float64(r.LatencyP99Ns) }},
	{"critical and warning findings", "findings", 1, false, func(r *Row) float64 {
		n := 0
		for _, f := range r.Findings {
			if f.Severity != "info" {
				n++
			}
		}
		return float64(n)
	}},
	{"longest GC pause", "ns", 1e6, false, func(r *Row) float64 { return float64(r.MaxPauseNs) }},
	{"wall time", "ns", 1e6, false, func(r *Row) float64 { return float64(r.DurationNs) }},
	{"utilization", "share", 0.05, true, func(r *Row) float64 { return r.Utilization }},
}

// BuildFleet ranks rows and counts their findings.
func BuildFleet(rows []Row) *Fleet {
	f := &Fleet{Schema: FleetSchema, Traces: rows, Outliers: []Outlier{}, Across: []Across{}}
	var ok []*Row
	for i := range rows {
		if rows[i].Error != "" {
			f.Unreadable++
			continue
		}
		ok = append(ok, &rows[i])
	}
	if len(ok) == 0 {
		return f
	}
	for _, m := range measures {
		vals := make([]float64, len(ok))
		order := make([]int, len(ok))
		for i, r := range ok {
			vals[i] = m.get(r)
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			if m.lowWorse {
				return cmp.Compare(vals[a], vals[b])
			}
			return cmp.Compare(vals[b], vals[a])
		})
		o := Outlier{Measure: m.name, Unit: m.unit, Median: median(vals), Floor: m.floor}
		for _, i := range order[:min(3, len(order))] {
			o.Worst = append(o.Worst, Ranked{Source: ok[i].Source, Value: vals[i]})
		}
		worst := o.Worst[0].Value
		if m.lowWorse {
			o.Score = max(o.Median, m.floor) / max(worst, m.floor)
			o.Stands = o.Score >= 2 && worst < o.Median
		} else {
			o.Score = worst / max(o.Median, m.floor)
			o.Stands = o.Score >= 2 && worst > m.floor
		}
		o.Score = round3(o.Score)
		f.Outliers = append(f.Outliers, o)
	}
	slices.SortStableFunc(f.Outliers, func(a, b Outlier) int { return cmp.Compare(b.Score, a.Score) })

	idx := map[string]int{}
	for _, r := range ok {
		seen := map[string]bool{}
		for _, b := range r.Findings {
			key := b.Kind + " " + b.Subject
			if seen[key] {
				continue
			}
			seen[key] = true
			i, found := idx[key]
			if !found {
				i = len(f.Across)
				idx[key] = i
				f.Across = append(f.Across, Across{Kind: b.Kind, Title: b.Title, Subject: b.Subject, Severity: b.Severity, Of: len(ok), Sources: []string{}})
			}
			a := &f.Across[i]
			if a.Title != b.Title {
				// Titles that differ ("Goroutine leak (proven)" in one
				// trace, not proven in another) give the rule's own.
				a.Title = ruleTitle(b.Kind, a.Title)
			}
			a.Traces++
			if severityRank(b.Severity) > severityRank(a.Severity) {
				a.Severity = b.Severity
			}
			if len(a.Sources) < 10 {
				a.Sources = append(a.Sources, r.Source)
			}
		}
	}
	slices.SortStableFunc(f.Across, func(a, b Across) int {
		return cmp.Or(cmp.Compare(b.Traces, a.Traces), cmp.Compare(severityRank(b.Severity), severityRank(a.Severity)),
			strings.Compare(a.Kind, b.Kind), strings.Compare(a.Subject, b.Subject))
	})
	return f
}

// ruleTitle is the title of the rule of kind, or else the title given.
func ruleTitle(kind, title string) string {
	for _, r := range findings.Rules {
		if r.Kind == kind {
			return r.Title
		}
	}
	return title
}

func severityRank(s string) int {
	switch s {
	case "critical":
		return 2
	case "warning":
		return 1
	}
	return 0
}

func median(vals []float64) float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// WriteFleetJSON writes f as indented JSON.
func WriteFleetJSON(w io.Writer, f *Fleet) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(f)
}

// WriteFleetText writes f for a terminal: a table with a row per trace,
// the outliers and the findings across traces.
func WriteFleetText(w io.Writer, f *Fleet) error {
	ew := &errWriter{w: w}
	p := func(format string, args ...any) { fmt.Fprintf(ew, format, args...) }
	n := len(f.Traces)
	p("%d trace%s", n, plural(n))
	dir := commonDir(f)
	name := func(s string) string { return clean(strings.TrimPrefix(s, dir)) }
	if dir != "" {
		p(" in %s", clean(filepath.Clean(dir)))
	}
	if f.Unreadable > 0 {
		p(", %d unreadable", f.Unreadable)
	}
	p("\n\n")
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "TRACE\tWALL\tPARALLELISM\tLEAKS\tLOCK WAIT P99\tWORST LOCK\tFINDINGS\n")
	for i := range f.Traces {
		r := &f.Traces[i]
		if r.Error != "" {
			fmt.Fprintf(tw, "%s\t\t\t\t\t\terror: %s\n", name(r.Source), clean(r.Error))
			continue
		}
		par := fmt.Sprintf("%.2f of %d (%s)", r.AvgParallelism, r.GOMAXPROCS, units.Percent(r.Utilization))
		leaks := fmt.Sprint(r.Leaked)
		if r.ProvenLeaks > 0 {
			leaks += fmt.Sprintf(" (%d proven)", r.ProvenLeaks)
		}
		p99, lock := "-", "-"
		if r.LockWaitP99Ns > 0 {
			p99 = units.Duration(r.LockWaitP99Ns)
		}
		if l := r.WorstLock; l != nil {
			lock = fmt.Sprintf("%s: %s in %d wait%s", clean(l.String()), units.Duration(l.TotalNs), l.Waits, plural(int(l.Waits)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name(r.Source), units.Duration(r.DurationNs), par, leaks, p99, lock, briefList(r.Findings, 3))
	}
	tw.Flush()
	if len(f.Traces) > f.Unreadable {
		p("\noutliers: the worst trace by each measure, against the median\n")
		tw = tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		shown := false
		for _, o := range f.Outliers {
			if !o.Stands {
				continue
			}
			shown = true
			w := o.Worst[0]
			fmt.Fprintf(tw, "  %s\t%s: %s\t(median %s%s)\n", o.Measure, name(w.Source), measure(o.Unit, w.Value), measure(o.Unit, o.Median), standsOut(o))
		}
		if !shown {
			fmt.Fprintf(tw, "  none: no trace is twice as bad as the median by any measure\n")
		}
		tw.Flush()
	}
	if len(f.Across) > 0 {
		p("\nfindings across traces, most common first\n")
		for _, a := range f.Across {
			p("  %-8s %s (%s): in %d of %d trace%s", strings.ToUpper(a.Severity), a.Title, clean(a.Subject), a.Traces, a.Of, plural(a.Of))
			if a.Traces < a.Of && a.Traces <= 3 {
				names := make([]string, len(a.Sources))
				for i, s := range a.Sources {
					names[i] = name(s)
				}
				p(": %s", strings.Join(names, ", "))
			}
			p("\n")
		}
	}
	return ew.err
}

// commonDir is the directory every trace of f is in, with its separator,
// or "".
func commonDir(f *Fleet) string {
	dir := ""
	for i, r := range f.Traces {
		d := filepath.Dir(r.Source)
		if d == "." || i > 0 && d != dir {
			return ""
		}
		dir = d
	}
	if dir == "" {
		return ""
	}
	return dir + string(filepath.Separator)
}

// standsOut says by how much the worst stands out, when the median is
// past the measure's floor.
func standsOut(o Outlier) string {
	switch {
	case o.Unit == "share" && o.Worst[0].Value >= o.Floor:
		return fmt.Sprintf(", %.1f× as busy", o.Score)
	case o.Unit != "share" && o.Median >= o.Floor:
		return fmt.Sprintf(", %.1f×", o.Score)
	}
	return ""
}

func measure(unit string, v float64) string {
	switch unit {
	case "ns":
		return units.Duration(int64(v))
	case "share":
		return units.Percent(v)
	}
	if v == float64(int64(v)) {
		return fmt.Sprint(int64(v))
	}
	return fmt.Sprintf("%.1f", v)
}

// briefList names the first n findings: "WARNING Goroutine leak, ...".
func briefList(bs []Brief, n int) string {
	if len(bs) == 0 {
		return "none"
	}
	var out []string
	for i, b := range bs {
		if i == n {
			out = append(out, fmt.Sprintf("+%d more", len(bs)-n))
			break
		}
		out = append(out, strings.ToUpper(b.Severity[:1])+" "+b.Title)
	}
	return strings.Join(out, ", ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
