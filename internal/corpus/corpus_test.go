package corpus

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

const dir = "../../testdata/corpus"

// labels lists the label files (NAME.json, not NAME.truth.json).
func labels(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if !strings.HasSuffix(f, ".truth.json") {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no labels in %s", dir)
	}
	return out
}

func nameOf(file string) string { return strings.TrimSuffix(filepath.Base(file), ".json") }

// TestLabels: every label is well formed and names its trace, every trace
// has a label, and the figures agree with the truth program's output
// recorded beside them (make corpus refreshes both).
func TestLabels(t *testing.T) {
	have := map[string]bool{}
	for _, file := range labels(t) {
		name := nameOf(file)
		have[name] = true
		l, err := ReadLabel(file)
		if err != nil {
			t.Error(err)
			continue
		}
		if l.Trace != name+".trace.gz" {
			t.Errorf("%s: trace is %q, want %q", file, l.Trace, name+".trace.gz")
		}
		if _, err := os.Stat(filepath.Join(dir, l.Trace)); err != nil {
			t.Errorf("%s: %v", file, err)
		}
		b, err := os.ReadFile(filepath.Join(dir, name+".truth.json"))
		if err != nil {
			t.Errorf("%s: the truth program's output is missing: %v", name, err)
			continue
		}
		var truth struct {
			Figures map[string]int64 `json:"figures"`
		}
		if err := json.Unmarshal(b, &truth); err != nil {
			t.Errorf("%s.truth.json: %v", name, err)
			continue
		}
		for _, f := range l.Figures {
			if v, ok := truth.Figures[f.Name]; !ok || v != f.Value {
				t.Errorf("%s: figure %s is %d in the label, %d in %s.truth.json: run make corpus", name, f.Name, f.Value, v, name)
			}
		}
	}
	traces, _ := filepath.Glob(filepath.Join(dir, "*.trace.gz"))
	for _, tr := range traces {
		if name := strings.TrimSuffix(filepath.Base(tr), ".trace.gz"); !have[name] {
			t.Errorf("%s has no label %s.json", tr, name)
		}
	}
	if len(traces) < 18 {
		t.Errorf("%d traces in the corpus, want at least 18", len(traces))
	}
}

type result struct {
	name    string
	v       *Verdict
	err     error
	figures []string
}

// TestCorpus analyses every trace of the corpus as vizrun does and compares
// the findings and figures with the labels. It fails on every miss, false
// alarm and figure out of tolerance, and logs a table with the precision and
// recall over the whole corpus.
func TestCorpus(t *testing.T) {
	files := labels(t)
	results := make([]result, len(files))
	sem := make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for i, file := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = judgeFile(file)
		}()
	}
	wg.Wait()

	var b strings.Builder
	var vs []*Verdict
	for _, r := range results {
		if r.err != nil {
			t.Errorf("%s: %v", r.name, r.err)
			continue
		}
		v := r.v
		vs = append(vs, v)
		state := "ok"
		if v.Failed() {
			state = "FAIL"
		}
		fmt.Fprintf(&b, "\n%s  %s: %d findings; expected %d/%d found, %d allowed, %d unexpected, %d forbidden\n",
			state, v.Name, v.Findings, len(v.Found), len(v.Found)+len(v.Missing), v.Allowed, len(v.Unwanted), len(v.Banned))
		for _, s := range v.Missing {
			fmt.Fprintf(&b, "    missing:    %s\n", s)
			t.Errorf("%s: missing %s", v.Name, s)
		}
		for _, s := range v.Unwanted {
			fmt.Fprintf(&b, "    unexpected: %s\n", s)
			t.Errorf("%s: false alarm: %s", v.Name, s)
		}
		for _, s := range v.Banned {
			fmt.Fprintf(&b, "    forbidden:  %s\n", s)
			t.Errorf("%s: false alarm: %s", v.Name, s)
		}
		for _, s := range v.Detail {
			fmt.Fprintf(&b, "    detail:     %s\n", s)
			t.Errorf("%s: findings change with the level of detail: %s", v.Name, s)
		}
		for _, f := range v.Figures {
			mark := "  "
			if !f.OK {
				mark = "!!"
				t.Errorf("%s: figure %s is %d, want %d (%s)", v.Name, f.Name, f.Got, f.Want, deviation(f))
			}
			fmt.Fprintf(&b, "    %s figure %-22s got %14d  want %14d  %s\n", mark, f.Name, f.Got, f.Want, deviation(f))
		}
	}
	p, r, matched, counted, found, expected := Totals(vs)
	fmt.Fprintf(&b, "\nover %d traces: precision %.2f (%d of %d findings not merely allowed were expected), recall %.2f (%d of %d expected findings found)\n",
		len(vs), p, matched, counted, r, found, expected)
	t.Log(b.String())
}

func deviation(f FigureResult) string {
	if f.Want == 0 {
		return fmt.Sprintf("%+d", f.Got-f.Want)
	}
	return fmt.Sprintf("%+.2f%%", 100*float64(f.Got-f.Want)/float64(f.Want))
}

func judgeFile(file string) result {
	name := nameOf(file)
	l, err := ReadLabel(file)
	if err != nil {
		return result{name: name, err: err}
	}
	path := filepath.Join(dir, l.Trace)
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		return result{name: name, err: err}
	}
	s := summary.Build(tr, name)
	v := Judge(name, l, tr, s.Findings)
	if l.CoarseMaxSpans > 0 {
		ct, err := parse.ReadFile(path, parse.Options{MaxSpans: l.CoarseMaxSpans})
		if err != nil {
			return result{name: name, err: err}
		}
		v.Detail = SameFindings(s.Findings, findings.Analyze(ct, findings.Default))
	}
	return result{name: name, v: v}
}

// TestJudge pins the matching rules on made-up findings.
func TestJudge(t *testing.T) {
	one := 1
	l := &Label{
		Expect: []Matcher{
			{Kind: findings.KindContention, Subject: "main.handler", Why: "w"},
			{Kind: findings.KindLeak, Count: &one, Why: "w"},
			{Kind: findings.KindStall, Why: "w"},
		},
		Allow:  []Matcher{{Kind: findings.KindLatency, Why: "w"}},
		Forbid: []Matcher{{Kind: "*", Message: "convoy", Why: "w"}, {Kind: findings.KindHog, Why: "w"}},
	}
	fs := []findings.Finding{
		{Kind: findings.KindContention, Subject: "mutex @ main.handler", Message: "waited"},
		{Kind: findings.KindContention, Subject: "mutex @ main.other", Message: "That is a convoy"},
		{Kind: findings.KindLeak, Subject: "a"},
		{Kind: findings.KindLeak, Subject: "b"},
		{Kind: findings.KindLatency},
		{Kind: findings.KindHog},
		{Kind: findings.KindGC},
	}
	v := Judge("x", l, &parse.Trace{}, fs)
	if len(v.Found) != 1 || len(v.Missing) != 2 {
		t.Errorf("found %v, missing %v: want the contention found, the leak count and the stall missing", v.Found, v.Missing)
	}
	if v.Expected != 3 || v.Allowed != 1 || len(v.Banned) != 2 || len(v.Unwanted) != 1 {
		t.Errorf("expected %d allowed %d banned %v unwanted %v", v.Expected, v.Allowed, v.Banned, v.Unwanted)
	}
	if !v.Failed() {
		t.Error("not failed")
	}
	p, r, _, _, _, _ := Totals([]*Verdict{v})
	if want := 3.0 / 6; p != want {
		t.Errorf("precision %v, want %v", p, want)
	}
	if want := 1.0 / 3; r != want {
		t.Errorf("recall %v, want %v", r, want)
	}
	a := []findings.Finding{{Kind: "k", Subject: "s", Goroutines: []int64{2, 1}}}
	b := []findings.Finding{{Kind: "k", Subject: "s", Goroutines: []int64{1, 2}}, {Kind: "k", Subject: "t"}}
	if d := SameFindings(a, b); !slices.Equal(d, []string{"only when coarsened: k [t] goroutines []"}) {
		t.Errorf("SameFindings: %q", d)
	}
}
