package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/budget"
)

func init() {
	register(&command{
		name:  "check",
		args:  "-budget FILE TRACE|DIR...",
		short: "check traces against a budget, for CI",
		long: `
Check reads each TRACE (or every *.trace file in a DIR, such as the output
directory of vizrun test) and compares it with the limits of the budget
FILE: leaked goroutines, waits on named locks, parallelism, scheduler
latency, blocked time by reason, findings. The budget format is documented
in internal/budget/BUDGET.md.

It prints one line per limit exceeded and exits 1 when there is any, 0 when
every trace is within budget.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			file := fs.String("budget", "", "the budget `file` (JSON)")
			return func(ctx context.Context, e *env, args []string) error {
				if *file == "" {
					return usagef("check needs -budget FILE (see 'vizrun help check')")
				}
				if len(args) == 0 {
					return usagef("check needs at least one trace or directory")
				}
				data, err := readInput(ctx, *file)
				if err != nil {
					return err
				}
				b, err := budget.Parse(data)
				if err != nil {
					return fmt.Errorf("%s: %v", *file, err)
				}
				traces, err := traceFiles(args)
				if err != nil {
					return err
				}
				over := 0
				for _, path := range traces {
					t, err := loadTrace(ctx, e, path)
					if err != nil {
						return err
					}
					v := b.Check(t)
					for _, line := range v {
						fmt.Fprintf(e.stdout, "%s: %s\n", path, line)
					}
					over += len(v)
				}
				if over > 0 {
					return &exitError{code: 1, msg: fmt.Sprintf("%d limit%s exceeded in %d trace%s", over, plural(over), len(traces), plural(len(traces)))}
				}
				fmt.Fprintf(e.stdout, "within budget: %d trace%s\n", len(traces), plural(len(traces)))
				return nil
			}
		},
	})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// traceFiles expands directories into the *.trace files they hold.
func traceFiles(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, cleanPathError(err)
		}
		if !st.IsDir() {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(filepath.Join(a, "*.trace"))
		if err != nil {
			return nil, err
		}
		if len(m) == 0 {
			return nil, fmt.Errorf("%s holds no .trace files", a)
		}
		slices.Sort(m)
		out = append(out, m...)
	}
	return out, nil
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
