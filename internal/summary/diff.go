package summary

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/units"
)

// Diff compares two summaries: A, the baseline, and B.
type Diff struct {
	A, B     *Summary
	Metrics  []Metric           // headline numbers
	Reasons  []Pair             // blocked time by reason, in either trace
	Groups   []Pair             // time (running + blocked + runnable + syscall) by goroutine group
	Regions  []Pair             // time in regions and tasks, by type ("region fetch", "task request")
	Path     []Pair             // the program's critical path, by what it was spent on
	Appeared []findings.Finding // findings of B that A does not have
	Gone     []findings.Finding // findings of A that B does not have
	Kept     []findings.Finding // findings of B that A has too
}

// Metric is one number in both traces.
type Metric struct {
	Name   string
	A, B   float64
	Format func(float64) string `json:"-"`
}

// Change says how B differs from A, in words.
func (m Metric) Change() string {
	if m.A == m.B {
		return "="
	}
	if m.A == 0 {
		return "new"
	}
	return fmt.Sprintf("%+.0f%%", 100*(m.B-m.A)/m.A)
}

// Pair is one named quantity in both traces (ns).
type Pair struct {
	Name string
	A, B int64
}

// Compare builds the diff of a and b.
func Compare(a, b *Summary) *Diff {
	d := &Diff{A: a, B: b}
	ns := func(v float64) string { return units.Duration(int64(v)) }
	num := func(v float64) string { return fmt.Sprintf("%.0f", v) }
	two := func(v float64) string { return fmt.Sprintf("%.2f", v) }
	wall := Metric{"wall time", float64(a.DurationNs), float64(b.DurationNs), ns}
	if a.ProgramNs > 0 || b.ProgramNs > 0 {
		wall = Metric{"wall time (to vizrun's leak check)", float64(a.Wall()), float64(b.Wall()), ns}
	}
	d.Metrics = []Metric{
		wall,
		{"average parallelism", a.AvgParallelism, b.AvgParallelism, two},
		{"utilization of the Ps", a.Utilization, b.Utilization, two},
		{"goroutines created", float64(a.Goroutines.Created), float64(b.Goroutines.Created), num},
		{"goroutines alive at most", float64(a.Goroutines.MaxAlive), float64(b.Goroutines.MaxAlive), num},
		{"leaked (still blocked at the end)", float64(a.Goroutines.Leaked), float64(b.Goroutines.Leaked), num},
		{"time running", float64(a.Time.RunningNs), float64(b.Time.RunningNs), ns},
		{"time runnable (scheduler latency)", float64(a.Time.RunnableNs), float64(b.Time.RunnableNs), ns},
		{"time blocked", float64(a.Time.BlockedNs), float64(b.Time.BlockedNs), ns},
		{"time in syscalls", float64(a.Time.SyscallNs), float64(b.Time.SyscallNs), ns},
		{"GC stop-the-world", float64(a.GC.PauseNs), float64(b.GC.PauseNs), ns},
	}
	pairs := func(ma, mb map[string]int64) []Pair {
		var out []Pair
		for k, v := range ma {
			out = append(out, Pair{k, v, mb[k]})
		}
		for k, v := range mb {
			if _, ok := ma[k]; !ok {
				out = append(out, Pair{k, 0, v})
			}
		}
		slices.SortFunc(out, func(x, y Pair) int {
			return cmp.Or(cmp.Compare(max(y.A, y.B), max(x.A, x.B)), strings.Compare(x.Name, y.Name))
		})
		return out
	}
	reasons := func(s *Summary) map[string]int64 {
		m := map[string]int64{}
		for _, r := range s.Blocked {
			m[r.Reason] = r.TotalNs
		}
		return m
	}
	groups := func(s *Summary) map[string]int64 {
		m := map[string]int64{}
		for _, g := range s.Groups {
			m[g.Name] = g.RunningNs + g.RunnableNs + g.BlockedNs + g.SyscallNs
		}
		return m
	}
	spans := func(s *Summary) map[string]int64 {
		m := map[string]int64{}
		for _, r := range s.Regions {
			m["region "+r.Type] = r.TotalNs
		}
		for _, r := range s.Tasks {
			m["task "+r.Type] = r.TotalNs
		}
		return m
	}
	path := func(s *Summary) map[string]int64 {
		m := map[string]int64{}
		for _, cp := range s.Paths {
			if cp.Of == "program" {
				for _, p := range cp.Parts {
					m[p.Category] = p.Ns
				}
			}
		}
		return m
	}
	d.Path = pairs(path(a), path(b))
	d.Reasons = pairs(reasons(a), reasons(b))
	d.Regions = pairs(spans(a), spans(b))
	d.Groups = pairs(groups(a), groups(b))
	keys := func(fs []findings.Finding) map[string]bool {
		m := map[string]bool{}
		for _, f := range fs {
			m[f.Key()] = true
		}
		return m
	}
	ka, kb := keys(a.Findings), keys(b.Findings)
	for _, f := range b.Findings {
		if ka[f.Key()] {
			d.Kept = append(d.Kept, f)
		} else {
			d.Appeared = append(d.Appeared, f)
		}
	}
	for _, f := range a.Findings {
		if !kb[f.Key()] {
			d.Gone = append(d.Gone, f)
		}
	}
	return d
}

// WriteDiffText writes the diff for a terminal.
func WriteDiffText(w io.Writer, d *Diff) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "A: %s\nB: %s\n\n", clean(d.A.Source), clean(d.B.Source))
	tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "\tA\tB\tchange\n")
	for _, m := range d.Metrics {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Name, m.Format(m.A), m.Format(m.B), m.Change())
	}
	if len(d.Reasons) > 0 {
		fmt.Fprintf(tw, "blocked by reason\t\t\t\n")
		for _, p := range d.Reasons {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", p.Name, units.Duration(p.A), units.Duration(p.B), Metric{A: float64(p.A), B: float64(p.B)}.Change())
		}
	}
	if len(d.Groups) > 0 {
		fmt.Fprintf(tw, "goroutine groups (time in all states)\t\t\t\n")
		for i, p := range d.Groups {
			if i == 10 {
				fmt.Fprintf(tw, "  ... %d more\t\t\t\n", len(d.Groups)-10)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", clean(p.Name), units.Duration(p.A), units.Duration(p.B), Metric{A: float64(p.A), B: float64(p.B)}.Change())
		}
	}
	if len(d.Regions) > 0 {
		fmt.Fprintf(tw, "regions and tasks (time in all)\t\t\t\n")
		for i, p := range d.Regions {
			if i == 10 {
				fmt.Fprintf(tw, "  ... %d more\t\t\t\n", len(d.Regions)-10)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", clean(p.Name), units.Duration(p.A), units.Duration(p.B), Metric{A: float64(p.A), B: float64(p.B)}.Change())
		}
	}
	if len(d.Path) > 0 {
		fmt.Fprintf(tw, "the program's critical path\t\t\t\n")
		for i, p := range d.Path {
			if i == 10 {
				fmt.Fprintf(tw, "  ... %d more\t\t\t\n", len(d.Path)-10)
				break
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", clean(p.Name), units.Duration(p.A), units.Duration(p.B), Metric{A: float64(p.A), B: float64(p.B)}.Change())
		}
	}
	tw.Flush()
	for _, c := range []struct {
		title string
		fs    []findings.Finding
	}{{"findings that appeared in B", d.Appeared}, {"findings gone in B", d.Gone}, {"findings in both", d.Kept}} {
		if len(c.fs) == 0 {
			continue
		}
		fmt.Fprintf(ew, "\n%s\n", c.title)
		for _, f := range c.fs {
			fmt.Fprintf(ew, "  %-8s %s: %s\n", strings.ToUpper(f.Level), f.Title, clean(f.Message))
		}
	}
	if len(d.Appeared)+len(d.Gone)+len(d.Kept) == 0 {
		fmt.Fprintf(ew, "\nno findings in either trace\n")
	}
	return ew.err
}
