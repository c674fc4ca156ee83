package main

import (
	"context"
	"flag"
	"io"

	"github.com/vizrun/vizrun/internal/summary"
)

func init() {
	register(&command{
		name:  "summary",
		args:  "[-json] [-thresholds FILE] TRACE",
		short: "print a summary of a trace",
		long: `
Summary reads a Go execution trace and prints what its goroutines did: wall
time, parallelism, time running, waiting for a P, blocked (by reason) and in
system calls, the busiest goroutine groups, the top blocking call sites, the
goroutines still blocked at the end (leak candidates), GC, tasks and regions,
and first the findings: problems worth knowing about, in plain words, and
where GOMAXPROCS × wall time went.

With -json the same facts are printed as JSON; the schema is documented in
internal/summary/SCHEMA.md and named by the "schema" field.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON instead of text")
			thresholds := fs.String("thresholds", "", "read the findings' thresholds from `file` (JSON, see internal/budget/BUDGET.md)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("summary takes one trace file, got %d arguments (see 'vizrun help summary')", len(args))
				}
				th, err := readThresholds(ctx, *thresholds)
				if err != nil {
					return err
				}
				t, err := loadTrace(ctx, e, args[0])
				if err != nil {
					return err
				}
				s := summary.BuildWith(t, args[0], th.Findings())
				return writeOutput(e, "-", func(w io.Writer) error {
					if *asJSON {
						return summary.WriteJSON(w, s)
					}
					return summary.WriteText(w, s)
				})
			}
		},
	})
}
