// Package corpus checks vizrun's analysis against the labelled corpus of real
// traces in testdata/corpus: each trace has a label saying which findings
// must appear (expect), which may (allow) and which must not (forbid), and
// figures established without vizrun (by scripts/corpus/truth and go tool
// trace -pprof) with their tolerances. testdata/corpus/README.md says where
// every trace came from and why each label holds.
package corpus

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
)

// Label is one NAME.json file.
type Label struct {
	Trace   string    `json:"trace"`
	Source  string    `json:"source"`
	Expect  []Matcher `json:"expect"`
	Allow   []Matcher `json:"allow"`
	Forbid  []Matcher `json:"forbid"`
	Figures []Figure  `json:"figures"`
	// CoarseMaxSpans, when set, asks for the trace to be parsed a second
	// time with parse.Options.MaxSpans at this value: the findings must be
	// the same (kind, subject and goroutines) as at full resolution.
	CoarseMaxSpans int `json:"coarse_max_spans,omitempty"`
}

// Matcher selects findings. Every field set must hold.
type Matcher struct {
	Kind     string `json:"kind"`               // a finding kind, or "*"
	Subject  string `json:"subject,omitempty"`  // substring of Finding.Subject
	Group    string `json:"group,omitempty"`    // substring of the name of one of Finding.Goroutines
	Message  string `json:"message,omitempty"`  // substring of Finding.Message
	Evidence string `json:"evidence,omitempty"` // substring of one line of Finding.Evidence
	Count    *int   `json:"count,omitempty"`    // expect only: exactly this many findings match
	Proven   *bool  `json:"proven,omitempty"`   // leaks: whether the runtime's leak profile proved them (Finding.Proven)
	Severity string `json:"severity,omitempty"` // "info", "warning" or "critical"
	Why      string `json:"why"`
}

// Figure is a number established independently, with its tolerance.
type Figure struct {
	Name      string  `json:"name"`
	Value     int64   `json:"value"`
	Tolerance float64 `json:"tolerance"`     // relative
	Abs       int64   `json:"abs,omitempty"` // absolute slack, for values near 0
	How       string  `json:"how"`
}

// ReadLabel reads and checks a label file.
func ReadLabel(file string) (*Label, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var l Label
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	if err := l.check(); err != nil {
		return nil, fmt.Errorf("%s: %v", file, err)
	}
	return &l, nil
}

// Kinds are the finding kinds a matcher may name.
var Kinds = []string{
	findings.KindLeak, findings.KindContention, findings.KindSerial, findings.KindLatency,
	findings.KindHog, findings.KindSyscall, findings.KindNetwork, findings.KindGC, findings.KindStall,
}

func (l *Label) check() error {
	if l.Trace == "" || l.Source == "" {
		return fmt.Errorf("trace and source must be set")
	}
	if n := len(l.Figures); n < 2 || n > 6 {
		return fmt.Errorf("%d figures: want 2 to 6", n)
	}
	seen := map[string]bool{}
	for _, f := range l.Figures {
		if _, ok := Definitions[f.Name]; !ok {
			return fmt.Errorf("figure %q: no such figure", f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("figure %q listed twice", f.Name)
		}
		seen[f.Name] = true
		if f.Tolerance < 0.001 || f.Tolerance > 0.05 {
			return fmt.Errorf("figure %q: tolerance %g is outside 0.1%%-5%%", f.Name, f.Tolerance)
		}
		if f.Abs < 0 || f.How == "" {
			return fmt.Errorf("figure %q: needs a how and a non-negative abs", f.Name)
		}
	}
	for part, ms := range map[string][]Matcher{"expect": l.Expect, "allow": l.Allow, "forbid": l.Forbid} {
		for i, m := range ms {
			if m.Kind != "*" && !slices.Contains(Kinds, m.Kind) {
				return fmt.Errorf("%s[%d]: unknown kind %q", part, i, m.Kind)
			}
			if m.Why == "" {
				return fmt.Errorf("%s[%d]: no why", part, i)
			}
			if m.Severity != "" && !slices.Contains([]string{"info", "warning", "critical"}, m.Severity) {
				return fmt.Errorf("%s[%d]: unknown severity %q", part, i, m.Severity)
			}
			if m.Count != nil && (part != "expect" || *m.Count < 1) {
				return fmt.Errorf("%s[%d]: count is for expect entries, at least 1", part, i)
			}
		}
	}
	return nil
}

// Match reports whether finding f satisfies m. names gives the name of a
// goroutine of the trace.
func (m *Matcher) Match(f *findings.Finding, names func(int64) string) bool {
	if m.Kind != "*" && m.Kind != f.Kind {
		return false
	}
	if m.Subject != "" && !strings.Contains(f.Subject, m.Subject) {
		return false
	}
	if m.Message != "" && !strings.Contains(f.Message, m.Message) {
		return false
	}
	if m.Evidence != "" && !slices.ContainsFunc(f.Evidence, func(e string) bool { return strings.Contains(e, m.Evidence) }) {
		return false
	}
	if m.Group != "" && !slices.ContainsFunc(f.Goroutines, func(id int64) bool { return strings.Contains(names(id), m.Group) }) {
		return false
	}
	if m.Proven != nil && *m.Proven != f.Proven {
		return false
	}
	if m.Severity != "" && m.Severity != f.Severity.String() {
		return false
	}
	return true
}

func (m *Matcher) String() string {
	s := m.Kind
	for _, p := range [][2]string{{"subject", m.Subject}, {"group", m.Group}, {"message", m.Message}, {"evidence", m.Evidence}} {
		if p[1] != "" {
			s += fmt.Sprintf(" %s~%q", p[0], p[1])
		}
	}
	if m.Severity != "" {
		s += " severity=" + m.Severity
	}
	if m.Count != nil {
		s += fmt.Sprintf(" count=%d", *m.Count)
	}
	if m.Proven != nil {
		s += fmt.Sprintf(" proven=%v", *m.Proven)
	}
	return s
}

// Verdict is how one trace's findings and figures compare with its label.
type Verdict struct {
	Name     string
	Found    []string // expect entries satisfied
	Missing  []string // expect entries not satisfied, with why
	Expected int      // findings matched by an expect entry (and no forbid)
	Allowed  int      // findings matched only by an allow entry
	Unwanted []string // findings no entry accounts for
	Banned   []string // findings matching a forbid entry
	Figures  []FigureResult
	Findings int
	Detail   []string // findings that change with the level of detail
}

// FigureResult is one figure's comparison.
type FigureResult struct {
	Name      string
	Got, Want int64
	OK        bool
}

// Failed reports whether the verdict has a miss, a false alarm or a figure
// out of tolerance.
func (v *Verdict) Failed() bool {
	if len(v.Missing)+len(v.Unwanted)+len(v.Banned)+len(v.Detail) > 0 {
		return true
	}
	for _, f := range v.Figures {
		if !f.OK {
			return true
		}
	}
	return false
}

// Describe is a finding in one line: kind, subject and title.
func Describe(f *findings.Finding) string {
	return fmt.Sprintf("%s [%s] %q", f.Kind, f.Subject, f.Title)
}

// Judge compares the findings and the model of one trace with its label.
func Judge(name string, l *Label, t *parse.Trace, fs []findings.Finding) *Verdict {
	v := &Verdict{Name: name, Findings: len(fs)}
	names := func(id int64) string {
		if g := t.Goroutine(parse.GoID(id)); g != nil {
			return g.Name
		}
		return ""
	}
	for i := range l.Expect {
		e := &l.Expect[i]
		n := 0
		for j := range fs {
			if e.Match(&fs[j], names) {
				n++
			}
		}
		switch {
		case e.Count != nil && n != *e.Count:
			v.Missing = append(v.Missing, fmt.Sprintf("%s: %d matching findings, want %d (%s)", e, n, *e.Count, e.Why))
		case n == 0:
			v.Missing = append(v.Missing, fmt.Sprintf("%s: no such finding (%s)", e, e.Why))
		default:
			v.Found = append(v.Found, e.String())
		}
	}
	for j := range fs {
		f := &fs[j]
		if k := slices.IndexFunc(l.Forbid, func(m Matcher) bool { return m.Match(f, names) }); k >= 0 {
			v.Banned = append(v.Banned, fmt.Sprintf("%s: forbidden by %s (%s)", Describe(f), &l.Forbid[k], l.Forbid[k].Why))
			continue
		}
		switch {
		case slices.ContainsFunc(l.Expect, func(m Matcher) bool { return m.Match(f, names) }):
			v.Expected++
		case slices.ContainsFunc(l.Allow, func(m Matcher) bool { return m.Match(f, names) }):
			v.Allowed++
		default:
			v.Unwanted = append(v.Unwanted, Describe(f)+": unexpected (no expect or allow entry)")
		}
	}
	for _, fig := range l.Figures {
		got := Definitions[fig.Name].Of(t)
		ok := math.Abs(float64(got-fig.Value)) <= math.Max(fig.Tolerance*math.Abs(float64(fig.Value)), float64(fig.Abs))
		v.Figures = append(v.Figures, FigureResult{Name: fig.Name, Got: got, Want: fig.Value, OK: ok})
	}
	return v
}

// Totals over all verdicts: precision is findings matched by an expect entry
// over all findings not merely allowed; recall is expect entries satisfied
// over all expect entries.
func Totals(vs []*Verdict) (precision, recall float64, matched, counted, found, expected int) {
	for _, v := range vs {
		matched += v.Expected
		counted += v.Findings - v.Allowed
		found += len(v.Found)
		expected += len(v.Found) + len(v.Missing)
	}
	precision, recall = 1, 1
	if counted > 0 {
		precision = float64(matched) / float64(counted)
	}
	if expected > 0 {
		recall = float64(found) / float64(expected)
	}
	return
}

// SameFindings compares the findings of one trace at two levels of detail:
// it lists those of a that b lacks and those of b that a lacks, by kind,
// subject and goroutines.
func SameFindings(a, b []findings.Finding) []string {
	key := func(f *findings.Finding) string {
		gs := slices.Clone(f.Goroutines)
		slices.Sort(gs)
		return fmt.Sprintf("%s [%s] goroutines %v", f.Kind, f.Subject, gs)
	}
	count := func(fs []findings.Finding) map[string]int {
		m := map[string]int{}
		for i := range fs {
			m[key(&fs[i])]++
		}
		return m
	}
	ca, cb := count(a), count(b)
	var out []string
	for k, n := range ca {
		if cb[k] < n {
			out = append(out, "only at full resolution: "+k)
		}
	}
	for k, n := range cb {
		if ca[k] < n {
			out = append(out, "only when coarsened: "+k)
		}
	}
	slices.Sort(out)
	return out
}
