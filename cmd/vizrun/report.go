package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "report",
		args:  "[-o report.html] [-title TITLE] [-window START:END] [-thresholds FILE] TRACE",
		short: "write an offline HTML report of a trace",
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
further than its detail shows the command for the window in view.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "report.html", "write the report to `file` (- for standard output)")
			title := fs.String("title", "", "title of the report (default: vizrun report of TRACE)")
			maxRows := fs.Int("rows", 300, "most goroutines drawn one per row in the timeline; the rest are folded by group")
			thresholds := fs.String("thresholds", "", "read the findings' thresholds from `file` (JSON, see internal/budget/BUDGET.md)")
			window := fs.String("window", "", "report only the stretch `START:END` of the trace (times since its start, as the report shows them: 1.2s:1.25s)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("report takes one trace file, got %d arguments (see 'vizrun help report')", len(args))
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
				return report(ctx, e, args[0], *out, *title, *maxRows, th.Findings(), w)
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
	if title == "" {
		title = "vizrun report of " + tracePath
		if tracePath == "-" {
			title = "vizrun report"
		}
		if w[1] > 0 {
			title += fmt.Sprintf(" from %s to %s", units.Duration(w[0]), units.Duration(w[1]))
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
