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
	s := summary.BuildWith(t, "", b.Thresholds.Findings())
	var v []string
	fail := func(format string, args ...any) { v = append(v, fmt.Sprintf(format, args...)) }
	dur := func(ns int64) string { return units.Duration(ns) }
	if b.MaxLeakedGoroutines != nil && s.Goroutines.Leaked > *b.MaxLeakedGoroutines {
		fail("leaked goroutines: %d, budget %d", s.Goroutines.Leaked, *b.MaxLeakedGoroutines)
	}
	if b.MaxProvenLeaks != nil {
		proven := 0
		for _, l := range s.Leaks {
			proven += l.Proven
		}
		if proven > *b.MaxProvenLeaks {
			fail("proven leaks: %d goroutines, budget %d", proven, *b.MaxProvenLeaks)
		}
	}
	if b.MinAvgParallelism != nil && s.AvgParallelism < *b.MinAvgParallelism {
		fail("average parallelism: %.2f, budget at least %.2f", s.AvgParallelism, *b.MinAvgParallelism)
	}
	if b.MinUtilization != nil && s.Utilization < *b.MinUtilization {
		fail("utilization: %.2f, budget at least %.2f", s.Utilization, *b.MinUtilization)
	}
	if b.MaxSchedLatencyP99 != nil {
		if p := t.Latency.Quantile(0.99); p > int64(*b.MaxSchedLatencyP99) {
			fail("scheduler latency p99: %s, budget %s", dur(p), dur(int64(*b.MaxSchedLatencyP99)))
		}
	}
	if b.MaxSchedLatency != nil && t.Latency.Max > int64(*b.MaxSchedLatency) {
		fail("scheduler latency max: %s, budget %s", dur(t.Latency.Max), dur(int64(*b.MaxSchedLatency)))
	}
	if b.MaxDuration != nil && t.Duration > int64(*b.MaxDuration) {
		fail("wall time: %s, budget %s", dur(t.Duration), dur(int64(*b.MaxDuration)))
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
			fail("blocked on %s: %s, budget %s", r, dur(got), dur(limit))
		}
	}
	for _, name := range sortedKeys(b.Locks) {
		lim := b.Locks[name]
		var rs []*parse.Resource
		for i := range t.Resources {
			if t.Resources[i].Name == name {
				rs = append(rs, &t.Resources[i])
			}
		}
		if len(rs) == 0 {
			continue // never waited on, or not in this trace: within budget
		}
		for _, r := range rs {
			what := fmt.Sprintf("%s %q", r.Kind, r.Name)
			if lim.MaxTotalWait != nil && r.WaitTotal() > int64(*lim.MaxTotalWait) {
				fail("%s total wait: %s, budget %s", what, dur(r.WaitTotal()), dur(int64(*lim.MaxTotalWait)))
			}
			if lim.MaxP99Wait != nil && r.Hist.Quantile(0.99) > int64(*lim.MaxP99Wait) {
				fail("%s p99 wait: %s, budget %s", what, dur(r.Hist.Quantile(0.99)), dur(int64(*lim.MaxP99Wait)))
			}
			if lim.MaxWait != nil && r.MaxWait() > int64(*lim.MaxWait) {
				fail("%s longest wait: %s, budget %s", what, dur(r.MaxWait()), dur(int64(*lim.MaxWait)))
			}
			if lim.MaxWaits != nil && r.Waits() > *lim.MaxWaits {
				fail("%s waits: %d, budget %d", what, r.Waits(), *lim.MaxWaits)
			}
		}
	}
	count := map[string]int{}
	for _, f := range s.Findings {
		count[f.Level]++
		if slices.Contains(b.ForbidFindings, f.Kind) {
			fail("forbidden finding %s: %s", f.Kind, f.Message)
		}
	}
	for _, sev := range sortedKeys(b.MaxFindings) {
		if count[sev] > b.MaxFindings[sev] {
			fail("%s findings: %d, budget %d", sev, count[sev], b.MaxFindings[sev])
		}
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
