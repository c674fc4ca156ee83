package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/summary"
)

func init() {
	register(&command{
		name:  "diff",
		args:  "[-o diff.html] [-thresholds FILE] A B",
		short: "compare two traces",
		long: `
Diff compares two traces, A (the baseline) and B: wall time, parallelism,
time running, runnable, blocked (by reason) and in system calls, goroutines,
time by goroutine group, and the findings that appeared in B or are gone.
It prints the comparison; with -o it also writes it as an HTML page with
charts.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "", "also write the comparison as HTML to `file`")
			thresholds := fs.String("thresholds", "", "read the findings' thresholds from `file` (JSON, see internal/budget/BUDGET.md)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 2 {
					return usagef("diff takes two traces, got %d argument%s (see 'vizrun help diff')", len(args), plural(len(args)))
				}
				if err := refuseOverlap([]namedPath{{"-o", *out}}, withInput(tracesIn(args...), "-thresholds", *thresholds)); err != nil {
					return err
				}
				th, err := readThresholds(ctx, *thresholds)
				if err != nil {
					return err
				}
				var sums [2]*summary.Summary
				for i, path := range args {
					t, err := loadTrace(ctx, e, path)
					if err != nil {
						return err
					}
					sums[i] = summary.BuildWith(t, path, th.Findings())
				}
				d := summary.Compare(sums[0], sums[1])
				if *out != "" {
					err := writeOutput(e, *out, func(w io.Writer) error {
						return html.RenderDiff(w, d, html.DiffOptions{Title: fmt.Sprintf("vizrun diff %s %s", args[0], args[1])})
					})
					if err != nil {
						return err
					}
					fmt.Fprintf(e.stderr, "vizrun: wrote %s\n", *out)
				}
				return writeOutput(e, "-", func(w io.Writer) error { return summary.WriteDiffText(w, d) })
			}
		},
	})
}
