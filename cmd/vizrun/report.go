package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "report",
		args:  "[-o report.html|DIR] [-title TITLE] [-window START:END] [-thresholds FILE] TRACE|DIR|GLOB...",
		short: "write an offline HTML report of a trace, or of many",
		long: `
Report reads a Go execution trace and writes one self-contained HTML file:
summary, goroutine and processor timelines, parallelism over time, blocking
by reason, group and call site, leak candidates, tasks and regions. The file
needs no network: open it in any browser, attach it to a bug, archive it.

TRACE is a file from runtime/trace, go test -trace or the vizrun tracer, or
- to read standard input. The report is written all at once: if anything
fails, no file is left behind.

-window START:END writes the report of that stretch of the trace only, at
full detail, with times as the report shows them (since the trace's start:
"1.2s:1.25s", "850ms:851ms"): reading stops at its end. A report zoomed in
further than its detail shows the command for the window in view.

Given many traces (several files, a directory's *.trace and *.trace.gz
files, or a quoted glob), it writes one report per trace into the directory
-o (default vizrun-reports), reading them in parallel, one at a time per
CPU, and an index.html with a row per trace (wall time, parallelism, leaks,
the worst lock, the top finding), the traces that stand out from the median
and the findings counted across traces.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "", "write the report to `file` (- for standard output; default report.html), or for many traces into this directory (default vizrun-reports)")
			title := fs.String("title", "", "title of the report (default: vizrun report of TRACE)")
			maxRows := fs.Int("rows", 300, "most goroutines drawn one per row in the timeline; the rest are folded by group")
			thresholds := fs.String("thresholds", "", "read the findings' thresholds from `file` (JSON, see internal/budget/BUDGET.md)")
			window := fs.String("window", "", "report only the stretch `START:END` of the trace (times since its start, as the report shows them: 1.2s:1.25s)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usagef("report needs a trace file, a directory or a pattern (see 'vizrun help report')")
				}
				if *maxRows < 1 {
					return usagef("-rows must be at least 1")
				}
				w, err := parseWindow(*window)
				if err != nil {
					return err
				}
				th, err := readThresholds(ctx, *thresholds)
				if err != nil {
					return err
				}
				paths, many, err := expandTraces(args)
				if err != nil {
					return err
				}
				if many && len(paths) == 1 && (*out == "-" || strings.HasSuffix(*out, ".html") || w[1] > 0) {
					many = false // a pattern or directory that holds one trace
				}
				if many {
					if *out == "-" || strings.HasSuffix(*out, ".html") {
						return usagef("-o %s names one report; for many traces give a directory", *out)
					}
					if w[1] > 0 {
						return usagef("-window is for the report of one trace")
					}
					return reportMany(ctx, e, paths, cmp.Or(*out, "vizrun-reports"), *title, *maxRows, th.Findings())
				}
				o := cmp.Or(*out, "report.html")
				if err := refuseOverlap([]namedPath{{"-o", o}}, withInput(tracesIn(paths[0]), "-thresholds", *thresholds)); err != nil {
					return err
				}
				return report(ctx, e, paths[0], o, *title, *maxRows, th.Findings(), w)
			}
		},
	})
}

// parseWindow reads -window: "START:END", times since the trace's start as
// Go or the report writes them ("1.2s", "850ms", "1.2 s"); zero for "".
func parseWindow(s string) ([2]int64, error) {
	if s == "" {
		return [2]int64{}, nil
	}
	a, b, ok := strings.Cut(strings.ReplaceAll(s, " ", ""), ":")
	from, err1 := time.ParseDuration(a)
	to, err2 := time.ParseDuration(b)
	if !ok || err1 != nil || err2 != nil || from < 0 {
		return [2]int64{}, usagef("-window %q: want START:END, times since the trace's start such as 1.2s:1.25s", s)
	}
	if to <= from {
		return [2]int64{}, usagef("-window %q: the end must come after the start", s)
	}
	return [2]int64{int64(from), int64(to)}, nil
}

func report(ctx context.Context, e *env, tracePath, out, title string, maxRows int, th findings.Thresholds, w [2]int64) error {
	t, err := loadTraceWindow(ctx, e, tracePath, w)
	if err != nil {
		return err
	}
	if title == "" && w[1] > 0 {
		title = "vizrun report of " + tracePath
		if tracePath == "-" {
			title = "vizrun report"
		}
		title += fmt.Sprintf(" from %s to %s", units.Duration(w[0]), units.Duration(w[1]))
	}
	s := summary.BuildWith(t, tracePath, th)
	if err := writeReport(e, t, s, tracePath, out, title, maxRows); err != nil {
		return err
	}
	for _, w := range t.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if out != "-" {
		size := ""
		if st, err := os.Stat(out); err == nil && st.Mode().IsRegular() {
			size = ", " + units.Bytes(st.Size())
		}
		fmt.Fprintf(e.stderr, "wrote %s (%s of trace, %d goroutine%s%s)\n", out, units.Duration(t.Duration), len(t.Goroutines), plural(len(t.Goroutines)), size)
	}
	return nil
}

// writeReport writes the report of trace t, summarised as s, to out.
func writeReport(e *env, t *parse.Trace, s *summary.Summary, tracePath, out, title string, maxRows int) error {
	if title == "" {
		title = "vizrun report of " + tracePath
		if tracePath == "-" {
			title = "vizrun report"
		}
	}
	opt := html.Options{Title: title, Source: tracePath, MaxRows: maxRows}
	return writeOutput(e, out, func(w io.Writer) error { return html.Render(w, t, s, opt) })
}

// reportMany writes a report per trace into dir, and an index.
func reportMany(ctx context.Context, e *env, paths []string, dir, title string, maxRows int, th findings.Thresholds) error {
	if st, err := os.Stat(dir); err == nil && !st.IsDir() {
		return fmt.Errorf("%s is a file; -o names a directory for the reports of many traces", dir)
	}
	names := reportNames(paths)
	outs := []namedPath{{"the index", filepath.Join(dir, "index.html")}}
	for _, n := range names {
		outs = append(outs, namedPath{"the report", filepath.Join(dir, n)})
	}
	if err := refuseOverlap(outs, tracesIn(paths...)); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return cleanPathError(err)
	}
	rows := make([]summary.Row, len(paths))
	written := make([]bool, len(paths))
	var mu sync.Mutex
	err := readEach(ctx, e, paths, th, func(r *traceResult) {
		row := summary.Row{Source: r.path}
		if r.err == nil {
			t := title
			if t != "" {
				t += ": " + r.path
			}
			r.err = writeReport(e, r.t, r.s, r.path, filepath.Join(dir, names[r.i]), t, maxRows)
		}
		if r.err != nil {
			row.Error = strings.TrimPrefix(r.err.Error(), r.path+": ")
		} else {
			row = summary.RowOf(r.s, r.t)
		}
		mu.Lock()
		rows[r.i], written[r.i] = row, r.err == nil
		for _, w := range rowWarnings(r) {
			fmt.Fprintf(e.stderr, "%s: warning: %s\n", r.path, w)
		}
		mu.Unlock()
	})
	if err != nil {
		return err
	}
	f := summary.BuildFleet(rows)
	index := filepath.Join(dir, "index.html")
	if err := writeOutput(e, index, func(w io.Writer) error { return html.RenderIndex(w, fleetIndex(f, names, written, title)) }); err != nil {
		return err
	}
	n := len(paths) - f.Unreadable
	fmt.Fprintf(e.stderr, "wrote %d report%s and %s\n", n, plural(n), index)
	if f.Unreadable > 0 {
		return unreadable(f.Unreadable, len(paths))
	}
	return nil
}

func rowWarnings(r *traceResult) []string {
	if r.t == nil {
		return nil
	}
	return r.t.Warnings
}

// reportNames gives each trace a report file name of its own: its name
// without the trace extension, with the directory it is in when two
// traces share a name, and a number when that is not enough.
func reportNames(paths []string) []string {
	base := func(p string) string {
		b := filepath.Base(p)
		for _, x := range traceExts {
			b = strings.TrimSuffix(b, x)
		}
		b = strings.TrimSuffix(b, ".gz")
		if b == "" || b == "index" {
			b += "_"
		}
		return b
	}
	count := map[string]int{}
	for _, p := range paths {
		count[base(p)]++
	}
	out := make([]string, len(paths))
	used := map[string]bool{}
	for i, p := range paths {
		n := base(p)
		if count[n] > 1 {
			if d := filepath.Base(filepath.Dir(p)); d != "." && d != string(filepath.Separator) {
				n = d + "-" + n
			}
		}
		name := n
		for k := 2; used[name]; k++ {
			name = fmt.Sprintf("%s-%d", n, k)
		}
		used[name] = true
		out[i] = name + ".html"
	}
	return out
}

// fleetIndex is the index page of the reports of many traces.
func fleetIndex(f *summary.Fleet, names []string, written []bool, title string) html.IndexOptions {
	opt := html.IndexOptions{Title: cmp.Or(title, "vizrun reports"),
		Intro: fmt.Sprintf("%d trace%s, one report each (self-contained HTML files). The third column is what to look at first: the top finding.", len(f.Traces), plural(len(f.Traces)))}
	href := map[string]string{}
	for i := range f.Traces {
		r := &f.Traces[i]
		en := html.IndexEntry{Name: r.Source}
		if written[i] {
			en.Href = names[i]
			href[r.Source] = names[i]
		}
		switch {
		case r.Error != "":
			en.Status, en.Note, en.Failed = "unreadable", r.Error, true
		default:
			crit := 0
			for _, b := range r.Findings {
				if b.Severity == "critical" {
					crit++
				}
			}
			en.Status = fmt.Sprintf("%d finding%s", len(r.Findings), plural(len(r.Findings)))
			en.Failed = crit > 0 || r.Leaked > 0
			en.Note = "no finding"
			if len(r.Findings) > 0 {
				en.Note = r.Findings[0].Title + ": " + r.Findings[0].Message
			}
			en.Facts = fmt.Sprintf("%s, parallelism %.2f of %d, %d leaked", units.Duration(r.DurationNs), r.AvgParallelism, r.GOMAXPROCS, r.Leaked)
			if l := r.WorstLock; l != nil {
				en.Facts += fmt.Sprintf(", worst lock %s %s", l, units.Duration(l.TotalNs))
			}
		}
		opt.Entries = append(opt.Entries, en)
	}
	out := html.IndexSection{Title: "Outliers", Note: "The worst trace by each measure where it is at least twice as bad as the median.",
		Header: []string{"trace", "measure", "value", "median"}}
	for _, o := range f.Outliers {
		if !o.Stands {
			continue
		}
		w := o.Worst[0]
		out.Rows = append(out.Rows, []string{w.Source, o.Measure, fleetValue(o.Unit, w.Value), fleetValue(o.Unit, o.Median)})
		out.Links = append(out.Links, href[w.Source])
	}
	if len(out.Rows) == 0 {
		out.Note = "None: no trace is twice as bad as the median by any measure."
	}
	opt.Sections = append(opt.Sections, out)
	if len(f.Across) > 0 {
		ac := html.IndexSection{Title: "Findings across traces", Header: []string{"finding", "severity", "traces", "in"}}
		for _, a := range f.Across {
			ac.Rows = append(ac.Rows, []string{a.Title + " (" + a.Subject + ")", a.Severity, fmt.Sprintf("%d of %d", a.Traces, a.Of), strings.Join(a.Sources, ", ")})
		}
		opt.Sections = append(opt.Sections, ac)
	}
	return opt
}

func fleetValue(unit string, v float64) string {
	switch unit {
	case "ns":
		return units.Duration(int64(v))
	case "share":
		return units.Percent(v)
	}
	return fmt.Sprint(v)
}
