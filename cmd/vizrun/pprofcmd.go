package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/pprofout"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	var kinds strings.Builder
	for _, k := range pprofout.Kinds {
		fmt.Fprintf(&kinds, "  %-10s %s\n", k.Name, k.Doc)
	}
	register(&command{
		name:  "pprof",
		args:  "-kind K [-o FILE] [-window START:END] [-task NAME] TRACE",
		short: "export where goroutines waited as a pprof profile",
		long: `
Pprof reads a Go execution trace and writes a gzipped pprof profile of where
its goroutines waited (or ran), by stack, for go tool pprof, Pyroscope,
Parca or any tool that reads pprof. Kinds:

` + kinds.String() + `
Waits on mutexes, RWMutexes and channels named with the vizrun tracer get a
frame of their own (lock "counter", rwlock "cache", chan "orders"), so the
profile groups by them. Samples hold a count and nanoseconds, and the labels
group (the goroutine group), task, region and site (the blocking call
site, as the report names it). The profile's totals are those
of vizrun summary and the report, to the nanosecond; the runtime's own
goroutines are left out unless -runtime is given.

Open it with: go tool pprof -http=: mutex.pb.gz (or -top, -tagfocus
group=worker, -tagroot task,region).`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			kind := fs.String("kind", "block", "what to profile: "+strings.Join(pprofout.Names(), ", "))
			out := fs.String("o", "", "write the profile to `file` (- for standard output; default KIND.pb.gz)")
			window := fs.String("window", "", "keep only `START:END`, times since the start of the trace (e.g. 1.5s:2s, :500ms, 2s:)")
			task := fs.String("task", "", "keep only the time goroutines spent in regions of tasks of type `NAME` (or their subtasks)")
			runtime := fs.Bool("runtime", false, "keep the runtime's own goroutines (GC workers, the trace reader, ...) too")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usagef("pprof takes one trace file, got %d argument%s (see 'vizrun help pprof')", len(args), plural(len(args)))
				}
				k, err := pprofout.Lookup(*kind)
				if err != nil {
					return usagef("-kind: %v", err)
				}
				from, to, err := profileWindow(*window)
				if err != nil {
					return usagef("-window: %v", err)
				}
				if *out == "" {
					*out = pprofout.DefaultFile(k.Name)
				}
				if err := refuseOverlap([]namedPath{{"-o", *out}}, tracesIn(args[0])); err != nil {
					return err
				}
				return writeProfile(ctx, e, args[0], *out, profileRequest{kind: k, from: from, to: to, task: *task, runtime: *runtime, window: *window})
			}
		},
	})
}

type profileRequest struct {
	kind     *pprofout.Kind
	from, to int64 // to 0: the end
	window   string
	task     string
	runtime  bool
}

func writeProfile(ctx context.Context, e *env, tracePath, out string, req profileRequest) error {
	p := &parse.Profile{From: req.from, To: req.to, Task: req.task}
	if req.to == 0 && req.from > 0 {
		p.To = 1<<63 - 1
	}
	t, err := loadTraceWith(ctx, e, tracePath, parse.Options{Profile: p})
	if err != nil {
		return err
	}
	if req.from >= t.Duration && req.from > 0 {
		return fmt.Errorf("-window %s starts after the end of the trace (%s)", req.window, units.Duration(t.Duration))
	}
	if req.task != "" && !hasTaskType(t, req.task) {
		var types []string
		for _, tt := range t.TaskTypes {
			types = append(types, fmt.Sprintf("%q", tt.Type))
		}
		list := "it has no tasks"
		if len(types) > 0 {
			list = "its tasks: " + strings.Join(types, ", ")
		}
		return fmt.Errorf("%s has no task of type %q (%s)", tracePath, req.task, list)
	}
	comments := []string{"vizrun pprof -kind " + req.kind.Name + " " + tracePath}
	if req.window != "" {
		comments = append(comments, "window "+req.window)
	}
	if req.task != "" {
		comments = append(comments, "task "+req.task)
	}
	prof, err := pprofout.Build(t, p, pprofout.Options{Kind: req.kind, Runtime: req.runtime, Comments: comments})
	if err != nil {
		return err
	}
	if err := writeOutput(e, out, func(w io.Writer) error { return pprofout.Write(w, prof) }); err != nil {
		return err
	}
	for _, w := range t.Warnings {
		fmt.Fprintf(e.stderr, "warning: %s\n", w)
	}
	if out != "-" {
		var n, ns int64
		for _, s := range prof.Sample {
			n += s.Value[0]
			ns += s.Value[1]
		}
		fmt.Fprintf(e.stderr, "wrote %s: %s profile, %d sample%s, %s %s in %d %s (open it with go tool pprof -http=: %s)\n",
			out, req.kind.Name, len(prof.Sample), plural(len(prof.Sample)), units.Duration(ns), req.kind.TimeType, n, req.kind.CountType, pprofout.ShellQuote(out))
	}
	return nil
}

func hasTaskType(t *parse.Trace, typ string) bool {
	for _, tt := range t.TaskTypes {
		if tt.Type == typ {
			return true
		}
	}
	return false
}

// profileWindow reads START:END, durations since the start of the trace;
// either may be left out. "" is the whole trace.
func profileWindow(s string) (from, to int64, err error) {
	if s == "" {
		return 0, 0, nil
	}
	a, b, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not START:END (e.g. 1.5s:2s, :500ms, 2s:)", s)
	}
	parse := func(v string) (int64, error) {
		if v == "" {
			return 0, nil
		}
		d, err := time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration (e.g. 1.5s, 250ms)", v)
		}
		if d < 0 {
			return 0, fmt.Errorf("%q is negative", v)
		}
		return int64(d), nil
	}
	if from, err = parse(a); err != nil {
		return 0, 0, err
	}
	if to, err = parse(b); err != nil {
		return 0, 0, err
	}
	if b != "" && to <= from {
		return 0, 0, fmt.Errorf("%q ends before it starts", s)
	}
	if b != "" && to == 0 {
		return 0, 0, fmt.Errorf("%q is empty", s)
	}
	return from, to, nil
}
