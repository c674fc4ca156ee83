// Package budget checks a trace against limits a CI job sets: leaked
// goroutines, waits on named locks, parallelism, scheduler latency, time
// blocked by reason, and findings. The file format is documented in
// BUDGET.md; every field is optional.
package budget

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// Duration is a time.Duration written as a string in JSON ("150ms").
type Duration time.Duration

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("durations are strings like \"150ms\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q", s)
	}
	*d = Duration(v)
	return nil
}

// Lock limits the waits on one named lock or channel.
type Lock struct {
	MaxTotalWait *Duration `json:"max_total_wait"`
	MaxP99Wait   *Duration `json:"max_p99_wait"`
	MaxWait      *Duration `json:"max_wait"`
	MaxWaits     *int64    `json:"max_waits"`
}

// Budget is the limits. A nil field is not checked.
type Budget struct {
	MaxLeakedGoroutines *int                `json:"max_leaked_goroutines"`
	MaxProvenLeaks      *int                `json:"max_proven_leaks"`
	MinAvgParallelism   *float64            `json:"min_avg_parallelism"`
	MinUtilization      *float64            `json:"min_utilization"`
	MaxSchedLatencyP99  *Duration           `json:"max_scheduler_latency_p99"`
	MaxSchedLatency     *Duration           `json:"max_scheduler_latency"`
	MaxDuration         *Duration           `json:"max_duration"`
	MaxBlocked          map[string]Duration `json:"max_blocked"`     // by reason: "mutex", "chan receive", ...
	Locks               map[string]Lock     `json:"locks"`           // by name (tracer.NewMutex, NewRWMutex, Send/Recv)
	MaxFindings         map[string]int      `json:"max_findings"`    // by severity: "info", "warning", "critical"
	ForbidFindings      []string            `json:"forbid_findings"` // kinds, e.g. "goroutine-leak"
	Thresholds          *Thresholds         `json:"thresholds"`      // for the findings
}

// Thresholds are the findings' thresholds as JSON, by the names of
// findings.Params; absent ones keep their defaults (findings.Default).
type Thresholds map[string]json.RawMessage

// Findings converts to findings.Thresholds: the defaults, with the
// thresholds set here (checked by Parse).
func (t *Thresholds) Findings() findings.Thresholds {
	if t == nil {
		return findings.Default
	}
	th, err := findings.FromJSON(*t)
	if err != nil {
		return findings.Default
	}
	return th
}

// Parse reads a budget file; unknown fields are errors, so a typo does not
// silently disable a limit.
func Parse(data []byte) (*Budget, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Budget
	if err := dec.Decode(&b); err != nil {
		return nil, fmt.Errorf("budget: %v", err)
	}
	for r := range b.MaxBlocked {
		if _, ok := parse.ParseReason(r); !ok {
			return nil, fmt.Errorf("budget: max_blocked: unknown reason %q (use one of: %s)", r, reasonNames())
		}
	}
	for sev := range b.MaxFindings {
		if sev != "info" && sev != "warning" && sev != "critical" {
			return nil, fmt.Errorf("budget: max_findings: unknown severity %q (info, warning or critical)", sev)
		}
	}
	if b.Thresholds != nil {
		if _, err := findings.FromJSON(*b.Thresholds); err != nil {
			return nil, fmt.Errorf("budget: thresholds: %v", err)
		}
	}
	for _, k := range b.ForbidFindings {
		if !slices.Contains(findings.Kinds(), k) {
			return nil, fmt.Errorf("budget: forbid_findings: unknown kind %q (one of: %s)", k, strings.Join(findings.Kinds(), ", "))
		}
	}
	return &b, nil
}

func reasonNames() string {
	var out []string
	for _, r := range parse.BlockReasons {
		out = append(out, r.String())
	}
	return strings.Join(out, ", ")
}

// Check returns one line per limit the trace exceeds; none when within budget.
func (b *Budget) Check(t *parse.Trace) []string {
	var out []string
	for _, v := range b.Evaluate(t, summary.BuildWith(t, "", b.Thresholds.Findings())) {
		out = append(out, v.Message)
	}
	return out
}

// Violation is one limit a trace exceeds.
type Violation struct {
	Limit   string `json:"limit"`   // the budget's field: "max_leaked_goroutines", "locks", ...
	Message string `json:"message"` // one line
	// Items are what exceeded it, each told apart from the others so
	// that a baseline can say which are new: a leak group, a finding, a
	// lock; a limit on the whole trace is one item.
	Items []Item `json:"items"`
}

// Item is one thing that exceeds a limit.
type Item struct {
	// Key names it the same way in every trace: "leak stuck-sender @
	// main.run.func1", "finding lock-contention mutex counter",
	// "min_avg_parallelism".
	Key     string             `json:"key"`
	Message string             `json:"message"`
	Site    *findings.Location `json:"site,omitempty"` // the source line to blame, when there is one
	// Value is how bad it is, in Unit, for comparing with a baseline.
	Value float64 `json:"value"`
	Unit  string  `json:"unit"` // "goroutines", "ns", "count", "severity" (1 warning, 2 critical), "parallelism" or "share" (lower is worse)
	// Status, in a comparison with a baseline: "new", "worse" or "known".
	Status string `json:"status,omitempty"`
	Was    string `json:"was,omitempty"` // for "worse": the baseline's worst
}

// Evaluate returns the limits trace t exceeds, s being its summary built
// with the budget's thresholds (b.Thresholds.Findings()).
func (b *Budget) Evaluate(t *parse.Trace, s *summary.Summary) []Violation {
	var v []Violation
	dur := func(ns int64) string { return units.Duration(ns) }
	whole := func(limit, unit string, value float64, format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		v = append(v, Violation{Limit: limit, Message: msg, Items: []Item{{Key: limit, Message: msg, Value: value, Unit: unit}}})
	}
	leakItems := func(proven bool) []Item {
		var items []Item
		for _, l := range s.Leaks {
			n := l.Count
			if proven {
				n = l.Proven
			}
			if n == 0 {
				continue
			}
			what := "leaked"
			if proven {
				what = "proven leaked"
			}
			it := Item{Key: "leak " + l.Name + " @ " + l.Where.Function + " " + l.Reason, Unit: "goroutines", Value: float64(n),
				Message: fmt.Sprintf("%d goroutine%s (%s) %s: blocked on %s for the last %s of the trace", n, plural(n), l.Name, what, l.Reason, dur(s.DurationNs-l.SinceNs))}
			if l.Where.File != "" {
				it.Site = &findings.Location{Function: l.Where.Function, File: l.Where.File, Line: l.Where.Line}
			}
			items = append(items, it)
		}
		return items
	}
	if b.MaxLeakedGoroutines != nil && s.Goroutines.Leaked > *b.MaxLeakedGoroutines {
		v = append(v, Violation{Limit: "max_leaked_goroutines", Message: fmt.Sprintf("leaked goroutines: %d, budget %d", s.Goroutines.Leaked, *b.MaxLeakedGoroutines), Items: leakItems(false)})
	}
	if b.MaxProvenLeaks != nil {
		proven := 0
		for _, l := range s.Leaks {
			proven += l.Proven
		}
		if proven > *b.MaxProvenLeaks {
			v = append(v, Violation{Limit: "max_proven_leaks", Message: fmt.Sprintf("proven leaks: %d goroutine%s, budget %d", proven, plural(proven), *b.MaxProvenLeaks), Items: leakItems(true)})
		}
	}
	if b.MinAvgParallelism != nil && s.AvgParallelism < *b.MinAvgParallelism {
		whole("min_avg_parallelism", "parallelism", s.AvgParallelism, "average parallelism: %.2f, budget at least %.2f", s.AvgParallelism, *b.MinAvgParallelism)
	}
	if b.MinUtilization != nil && s.Utilization < *b.MinUtilization {
		whole("min_utilization", "share", s.Utilization, "utilization: %.2f, budget at least %.2f", s.Utilization, *b.MinUtilization)
	}
	if b.MaxSchedLatencyP99 != nil {
		if p := t.Latency.Quantile(0.99); p > int64(*b.MaxSchedLatencyP99) {
			whole("max_scheduler_latency_p99", "ns", float64(p), "scheduler latency p99: %s, budget %s", dur(p), dur(int64(*b.MaxSchedLatencyP99)))
		}
	}
	if b.MaxSchedLatency != nil && t.Latency.Max > int64(*b.MaxSchedLatency) {
		whole("max_scheduler_latency", "ns", float64(t.Latency.Max), "scheduler latency max: %s, budget %s", dur(t.Latency.Max), dur(int64(*b.MaxSchedLatency)))
	}
	if b.MaxDuration != nil && t.Duration > int64(*b.MaxDuration) {
		whole("max_duration", "ns", float64(t.Duration), "wall time: %s, budget %s", dur(t.Duration), dur(int64(*b.MaxDuration)))
	}
	for _, r := range sortedKeys(b.MaxBlocked) {
		limit := int64(b.MaxBlocked[r])
		var got int64
		for _, x := range s.Blocked {
			if x.Reason == r {
				got = x.TotalNs
			}
		}
		if got > limit {
			whole("max_blocked "+r, "ns", float64(got), "blocked on %s: %s, budget %s", r, dur(got), dur(limit))
		}
	}
	for _, name := range sortedKeys(b.Locks) {
		lim := b.Locks[name]
		for i := range t.Resources {
			r := &t.Resources[i]
			if r.Name != name {
				continue // never waited on, or not in this trace: within budget
			}
			what := fmt.Sprintf("%s %q", r.Kind, r.Name)
			if lim.MaxTotalWait != nil && r.WaitTotal() > int64(*lim.MaxTotalWait) {
				whole("locks "+what+" max_total_wait", "ns", float64(r.WaitTotal()), "%s total wait: %s, budget %s", what, dur(r.WaitTotal()), dur(int64(*lim.MaxTotalWait)))
			}
			if lim.MaxP99Wait != nil && r.Hist.Quantile(0.99) > int64(*lim.MaxP99Wait) {
				whole("locks "+what+" max_p99_wait", "ns", float64(r.Hist.Quantile(0.99)), "%s p99 wait: %s, budget %s", what, dur(r.Hist.Quantile(0.99)), dur(int64(*lim.MaxP99Wait)))
			}
			if lim.MaxWait != nil && r.MaxWait() > int64(*lim.MaxWait) {
				whole("locks "+what+" max_wait", "ns", float64(r.MaxWait()), "%s longest wait: %s, budget %s", what, dur(r.MaxWait()), dur(int64(*lim.MaxWait)))
			}
			if lim.MaxWaits != nil && r.Waits() > *lim.MaxWaits {
				whole("locks "+what+" max_waits", "count", float64(r.Waits()), "%s waits: %d, budget %d", what, r.Waits(), *lim.MaxWaits)
			}
		}
	}
	count := map[string]int{}
	bySeverity := map[string][]Item{}
	for i := range s.Findings {
		f := &s.Findings[i]
		count[f.Level]++
		it := findingItem(f)
		bySeverity[f.Level] = append(bySeverity[f.Level], it)
		if slices.Contains(b.ForbidFindings, f.Kind) {
			msg := fmt.Sprintf("forbidden finding %s: %s", f.Kind, f.Message)
			v = append(v, Violation{Limit: "forbid_findings", Message: msg, Items: []Item{it}})
		}
	}
	for _, sev := range sortedKeys(b.MaxFindings) {
		if count[sev] > b.MaxFindings[sev] {
			v = append(v, Violation{Limit: "max_findings " + sev, Message: fmt.Sprintf("%s findings: %d, budget %d", sev, count[sev], b.MaxFindings[sev]), Items: bySeverity[sev]})
		}
	}
	return v
}

// findingItem is a finding as an item of a violation.
func findingItem(f *findings.Finding) Item {
	return Item{Key: "finding " + f.Key(), Message: f.Title + ": " + f.Message, Site: f.Site, Value: float64(f.Severity), Unit: "severity"}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
