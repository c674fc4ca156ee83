package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/vizrun/vizrun/internal/budget"
)

func init() {
	register(&command{
		name:  "check",
		args:  "[-budget FILE] [-baseline OLD] [-format text|github|json] TRACE|DIR|GLOB...",
		short: "check traces against a budget, or a baseline, for CI",
		long: `
Check reads each TRACE (or every *.trace and *.trace.gz file in a DIR, such as
the output directory of vizrun test, or the files a quoted GLOB matches) and
compares it with the limits of the budget FILE: leaked goroutines, waits on
named locks, parallelism, scheduler latency, blocked time by reason,
findings. The budget format is documented in internal/budget/BUDGET.md.
Without -budget it applies the default budget: no goroutine proved leaked,
no leaked goroutine blocked for 100 ms or more at the end, no critical
finding.

With -baseline OLD (a trace, a directory or a glob: the last good run) it
fails only on what is new or worse than in OLD, taken as a whole: a leak,
a finding or a limit exceeded that no old trace had, or worse than in the
worst of them, and a lock whose p99 wait is 3 times as long.

It prints one line per limit exceeded and exits 1 when there is any (or a
trace cannot be read), 0 when every trace is within budget. -format github
prints GitHub Actions annotations at the source line each problem blames
(paths relative to -root); -format json prints the verdict as JSON (schema
vizrun.check/v1, see BUDGET.md).`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			file := fs.String("budget", "", "the budget `file` (JSON; default: the default budget)")
			baseline := fs.String("baseline", "", "fail only on what is new or worse than in the traces of `OLD` (a trace, a directory or a glob)")
			format := fs.String("format", "text", "text, github (GitHub Actions annotations) or json")
			root := fs.String("root", "", "write annotations' file paths relative to `dir` (default: $GITHUB_WORKSPACE, else the current directory)")
			return func(ctx context.Context, e *env, args []string) error {
				switch *format {
				case "text", "github", "json":
				default:
					return usagef("-format %q: use text, github or json", *format)
				}
				if len(args) == 0 {
					return usagef("check needs at least one trace, directory or pattern (see 'vizrun help check')")
				}
				b, name := budget.Default(), "default budget"
				if *file != "" {
					data, err := readInput(ctx, *file)
					if err != nil {
						return err
					}
					if b, err = budget.Parse(data); err != nil {
						return fmt.Errorf("%s: %v", *file, err)
					}
					name = *file
				}
				paths, _, err := expandTraces(args)
				if err != nil {
					return err
				}
				var old []string
				if *baseline != "" {
					if old, _, err = expandTraces([]string{*baseline}); err != nil {
						return fmt.Errorf("-baseline: %w", err)
					}
				}
				c := &checker{b: b, budget: name, baseline: *baseline, root: annotationRoot(*root)}
				return c.run(ctx, e, paths, old, *format)
			}
		},
	})
}

// checker checks traces against a budget and, maybe, a baseline.
type checker struct {
	b        *budget.Budget
	budget   string // "default budget" or the file
	baseline string
	root     string
}

// CheckSchema names the JSON layout of a verdict.
const CheckSchema = "vizrun.check/v1"

type checkedTrace struct {
	Source     string             `json:"source"`
	Error      string             `json:"error,omitempty"`
	Violations []budget.Violation `json:"violations"`
	Failures   int                `json:"failures"` // items that fail the check (new or worse ones against a baseline)
	facts      budget.Facts
}

type verdict struct {
	Schema   string         `json:"schema"`
	Pass     bool           `json:"pass"`
	Budget   string         `json:"budget"`
	Baseline string         `json:"baseline,omitempty"`
	Old      int            `json:"baseline_traces,omitempty"`
	Traces   []checkedTrace `json:"traces"`
	Failures int            `json:"failures"`
	Known    int            `json:"known"` // against a baseline: problems the baseline has too
}

// read evaluates every trace at paths, and gives the names of the locks
// and channels they hold.
func (c *checker) read(ctx context.Context, e *env, paths []string) ([]checkedTrace, map[string]bool, error) {
	out := make([]checkedTrace, len(paths))
	names := map[string]bool{} // of the traces' named locks and channels
	var mu sync.Mutex
	err := readEach(ctx, e, paths, c.b.Thresholds.Findings(), func(r *traceResult) {
		ct := checkedTrace{Source: r.path, Violations: []budget.Violation{}}
		if r.err != nil {
			ct.Error = strings.TrimPrefix(r.err.Error(), r.path+": ")
		} else {
			ct.Violations = c.b.Evaluate(r.t, r.s)
			ct.facts = budget.FactsOf(r.t, ct.Violations)
		}
		mu.Lock()
		out[r.i] = ct
		if r.t != nil {
			for _, res := range r.t.Resources {
				names[res.Name] = true
			}
		}
		mu.Unlock()
	})
	return out, names, err
}

func (c *checker) run(ctx context.Context, e *env, paths, old []string, format string) error {
	traces, names, err := c.read(ctx, e, paths)
	if err != nil {
		return err
	}
	c.warnUnmatched(e, names, len(traces))
	v := verdict{Schema: CheckSchema, Budget: c.budget, Baseline: c.baseline, Traces: traces}
	broken := 0
	if old != nil {
		olds, _, err := c.read(ctx, e, old)
		if err != nil {
			return err
		}
		var facts []budget.Facts
		for _, o := range olds {
			if o.Error != "" {
				return fmt.Errorf("-baseline: %s: %s", o.Source, o.Error)
			}
			facts = append(facts, o.facts)
		}
		base := budget.NewBaseline(facts)
		v.Old = base.N
		for i := range v.Traces {
			ct := &v.Traces[i]
			if ct.Error == "" {
				ct.Violations, _ = base.Compare(ct.facts)
			}
		}
	}
	limits, failed := 0, 0
	for i := range v.Traces {
		ct := &v.Traces[i]
		if ct.Error != "" {
			broken++
			ct.Failures = 1
		} else {
			ct.Failures = len(problems(ct.Violations))
			for _, vi := range ct.Violations {
				if slices.ContainsFunc(itemsOf(vi), failing) {
					limits++
				}
			}
		}
		if ct.Failures > 0 {
			failed++
		}
		v.Failures += ct.Failures
		for _, vi := range ct.Violations {
			for _, it := range vi.Items {
				if it.Status == "known" {
					v.Known++
				}
			}
		}
	}
	v.Pass = v.Failures == 0
	werr := writeOutput(e, "-", func(w io.Writer) error {
		switch format {
		case "json":
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(v)
		case "github":
			return c.writeGitHub(w, &v)
		}
		return c.writeText(w, &v)
	})
	if werr != nil {
		return werr
	}
	n := len(v.Traces)
	switch {
	case broken > 0:
		return unreadable(broken, n)
	case v.Failures > 0 && old != nil:
		return &exitError{code: 1, msg: fmt.Sprintf("%d new or worse problem%s in %d of %d trace%s, against a baseline of %d", v.Failures, plural(v.Failures), failed, n, plural(n), v.Old)}
	case v.Failures > 0:
		return &exitError{code: 1, msg: fmt.Sprintf("%d limit%s exceeded, by %d problem%s, in %d of %d trace%s (%s)", limits, plural(limits), v.Failures, plural(v.Failures), failed, n, plural(n), c.budget)}
	}
	return nil
}

// itemsOf is what exceeded a limit: its items, or the limit itself.
func itemsOf(vi budget.Violation) []budget.Item {
	if len(vi.Items) == 0 {
		return []budget.Item{{Key: vi.Limit, Message: vi.Message}}
	}
	return vi.Items
}

// problem is one thing that fails a check, with every limit it exceeds: a
// leak group over both max_leaked_goroutines and max_proven_leaks is one
// problem.
type problem struct {
	item   budget.Item
	limits []string // the messages of the limits it exceeds
}

// problems are the failing items of vs, each once (by key and site), in
// the order they first come.
func problems(vs []budget.Violation) []problem {
	var out []problem
	at := map[string]int{}
	for _, vi := range vs {
		for _, it := range itemsOf(vi) {
			if !failing(it) {
				continue
			}
			k := it.Key
			if it.Site != nil {
				k += fmt.Sprintf("\x00%s:%d", it.Site.File, it.Site.Line)
			}
			i, ok := at[k]
			if !ok {
				i = len(out)
				at[k] = i
				out = append(out, problem{item: it})
			}
			out[i].limits = append(out[i].limits, vi.Message)
			if ok && !strings.Contains(out[i].item.Message, it.Message) {
				// Say each: "3 goroutines leaked; 2 goroutines proven leaked".
				out[i].item.Message += "; " + it.Message
			}
		}
	}
	return out
}

// warnUnmatched warns, on stderr, of the budget's lock names that no trace
// checked has: a typo there would check nothing.
func (c *checker) warnUnmatched(e *env, names map[string]bool, n int) {
	for _, name := range slices.Sorted(maps.Keys(c.b.Locks)) {
		if !names[name] {
			fmt.Fprintf(e.stderr, "vizrun: warning: %s: locks: no mutex, RWMutex or channel named %q in the %d trace%s checked (a misspelt name checks nothing)\n", c.budget, name, n, plural(n))
		}
	}
}

// failing reports whether an item fails the check.
func failing(it budget.Item) bool { return it.Status != "known" }

func (c *checker) writeText(w io.Writer, v *verdict) error {
	ew := &errWriter{w: w}
	for _, ct := range v.Traces {
		if ct.Error != "" {
			fmt.Fprintf(ew, "%s: error: %s\n", ct.Source, ct.Error)
			continue
		}
		for _, vi := range ct.Violations {
			if v.Baseline != "" {
				for _, it := range vi.Items {
					switch it.Status {
					case "new":
						fmt.Fprintf(ew, "%s: new: %s%s\n", ct.Source, it.Message, c.at(it))
					case "worse":
						fmt.Fprintf(ew, "%s: worse: %s%s (baseline: %s)\n", ct.Source, it.Message, c.at(it), it.Was)
					}
				}
				continue
			}
			fmt.Fprintf(ew, "%s: %s\n", ct.Source, vi.Message)
			for _, it := range vi.Items {
				if it.Message != vi.Message {
					fmt.Fprintf(ew, "    %s%s\n", it.Message, c.at(it))
				}
			}
		}
	}
	n := len(v.Traces)
	switch {
	case v.Baseline != "" && v.Failures == 0:
		fmt.Fprintf(ew, "no new or worse problem in %d trace%s against a baseline of %d (%d known)\n", n, plural(n), v.Old, v.Known)
	case v.Baseline != "" && v.Known > 0:
		fmt.Fprintf(ew, "%d known problem%s, in the baseline too, not shown\n", v.Known, plural(v.Known))
	case v.Failures == 0:
		fmt.Fprintf(ew, "within budget: %d trace%s (%s)\n", n, plural(n), c.budget)
	}
	return ew.err
}

// at says where an item blames, " (at file:line)", or "".
func (c *checker) at(it budget.Item) string {
	if it.Site == nil || it.Site.File == "" {
		return ""
	}
	return fmt.Sprintf(" (at %s:%d)", c.rel(it.Site.File), it.Site.Line)
}

// writeGitHub writes GitHub Actions workflow commands: an error annotation
// for each problem, at the source line it blames when there is one.
func (c *checker) writeGitHub(w io.Writer, v *verdict) error {
	ew := &errWriter{w: w}
	for _, ct := range v.Traces {
		if ct.Error != "" {
			fmt.Fprintf(ew, "::error title=%s::%s\n", ghProp("vizrun check"), ghData(ct.Source+": "+ct.Error))
			continue
		}
		// One annotation per problem and line, naming every limit it
		// exceeds.
		for _, p := range problems(ct.Violations) {
			it := p.item
			title := "vizrun check: " + strings.Join(p.limits, "; ")
			msg := ct.Source + ": " + it.Message
			switch it.Status {
			case "new":
				title = "vizrun check: new since the baseline"
			case "worse":
				title = "vizrun check: worse than the baseline"
				msg += " (baseline: " + it.Was + ")"
			}
			props := "title=" + ghProp(title)
			if it.Site != nil && it.Site.File != "" {
				props = fmt.Sprintf("file=%s,line=%d,%s", ghProp(c.rel(it.Site.File)), it.Site.Line, props)
			}
			fmt.Fprintf(ew, "::error %s::%s\n", props, ghData(msg))
		}
	}
	n := len(v.Traces)
	if v.Failures == 0 {
		fmt.Fprintf(ew, "within budget: %d trace%s (%s)\n", n, plural(n), c.budget)
	}
	return ew.err
}

// ghData escapes the message of a workflow command; ghProp a property.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func ghProp(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// annotationRoot is the directory annotations' paths are relative to.
func annotationRoot(root string) string {
	if root == "" {
		root = os.Getenv("GITHUB_WORKSPACE")
	}
	if root == "" {
		root, _ = os.Getwd()
	}
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return root
}

// rel is file relative to the root, when it is under it.
func (c *checker) rel(file string) string {
	if c.root == "" || !filepath.IsAbs(file) {
		return file
	}
	r, err := filepath.Rel(c.root, file)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return file
	}
	return filepath.ToSlash(r)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// readThresholds reads a -thresholds file: the "thresholds" object of a
// budget file, on its own.
func readThresholds(ctx context.Context, path string) (*budget.Thresholds, error) {
	if path == "" {
		return nil, nil
	}
	data, err := readInput(ctx, path)
	if err != nil {
		return nil, err
	}
	b, err := budget.Parse([]byte(`{"thresholds":` + strings.TrimSpace(string(data)) + `}`))
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return b.Thresholds, nil
}

// errWriter keeps the first write error and writes nothing after it.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
