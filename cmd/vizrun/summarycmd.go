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
		args:  "[-json] [-thresholds FILE] TRACE|DIR|GLOB...",
		short: "print a summary of a trace, or of many",
		long: `
Summary reads a Go execution trace and prints what its goroutines did: wall
time, parallelism, time running, waiting for a P, blocked (by reason) and in
system calls, the busiest goroutine groups, the top blocking call sites, the
goroutines still blocked at the end (leak candidates), GC, tasks and regions,
and first the findings: problems worth knowing about, in plain words, and
where GOMAXPROCS × wall time went.

With -json the same facts are printed as JSON; the schema is documented in
internal/summary/SCHEMA.md and named by the "schema" field.

Given many traces (several files, a directory's *.trace and *.trace.gz
files, or a quoted glob such as 'snapshots/*.trace'), it reads them in
parallel, one at a time per CPU, and prints one row per trace (wall time,
parallelism, leaks, lock wait p99, the worst lock, the top findings), the
traces that stand out from the median (most leaks, worst lock wait p99,
scheduler latency, ...) and the findings counted across traces. With -json
that is a document of schema vizrun.fleet/v1 (internal/summary/FLEET.md).
Traces that cannot be read are listed, and make it exit 1.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			asJSON := fs.Bool("json", false, "print JSON instead of text")
			thresholds := fs.String("thresholds", "", "read the findings' thresholds from `file` (JSON, see internal/budget/BUDGET.md)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usagef("summary needs a trace file, a directory or a pattern (see 'vizrun help summary')")
				}
				th, err := readThresholds(ctx, *thresholds)
				if err != nil {
					return err
				}
				paths, many, err := expandTraces(args)
				if err != nil {
					return err
				}
				if many {
					rows, err := fleetRows(ctx, e, paths, th.Findings())
					if err != nil {
						return err
					}
					f := summary.BuildFleet(rows)
					if err := writeOutput(e, "-", func(w io.Writer) error {
						if *asJSON {
							return summary.WriteFleetJSON(w, f)
						}
						return summary.WriteFleetText(w, f)
					}); err != nil {
						return err
					}
					if f.Unreadable > 0 {
						return unreadable(f.Unreadable, len(rows))
					}
					return nil
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
