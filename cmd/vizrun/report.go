package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "report",
		args:  "[-o report.html] [-title TITLE] [-thresholds FILE] TRACE",
		short: "write an offline HTML report of a trace",
		long: `
Report reads a Go execution trace and writes one self-contained HTML file:
summary, goroutine and processor timelines, parallelism over time, blocking
by reason, group and call site, leak candidates, tasks and regions. The file
needs no network: open it in any browser, attach it to a bug, archive it.

TRACE is a file from runtime/trace, go test -trace or the vizrun tracer, or
- to read standard input. The report is written all at once: if anything
fails, no file is left behind.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "report.html", "write the report to `file` (- for standard output)")
			title := fs.String("title", "", "title of the report (default: vizrun report of TRACE)")
			maxRows := fs.Int("rows", 300, "most goroutines drawn one per row in the timeline; the rest are folded by group")
			thresholds := fs.String("thresholds", "", "read the findings' thresholds from `file` (JSON, see internal/budget/BUDGET.md)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("report takes one trace file, got %d arguments (see 'vizrun help report')", len(args))
				}
				if *maxRows < 1 {
					return usagef("-rows must be at least 1")
				}
				th, err := readThresholds(ctx, *thresholds)
				if err != nil {
					return err
				}
				return report(ctx, e, args[0], *out, *title, *maxRows, th.Findings())
			}
		},
	})
}

func report(ctx context.Context, e *env, tracePath, out, title string, maxRows int, th findings.Thresholds) error {
	t, err := loadTrace(ctx, e, tracePath)
	if err != nil {
		return err
	}
	if title == "" {
		title = "vizrun report of " + tracePath
		if tracePath == "-" {
			title = "vizrun report"
		}
	}
	opt := html.Options{Title: title, Source: tracePath, MaxRows: maxRows}
	s := summary.BuildWith(t, tracePath, th)
	if err := writeOutput(e, out, func(w io.Writer) error { return html.Render(w, t, s, opt) }); err != nil {
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
		fmt.Fprintf(e.stderr, "wrote %s (%s of trace, %d goroutines%s)\n", out, units.Duration(t.Duration), len(t.Goroutines), size)
	}
	return nil
}
