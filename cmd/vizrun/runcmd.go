package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "run",
		args:  "[-o report.html] [-trace FILE] [-open] [-C DIR] [BUILD FLAGS] PKG [-- ARGS]",
		short: "run a main package with tracing and write its report",
		long: `
Run builds the main package PKG (a directory like ./cmd/server, or an import
path) with tracing added, runs it with ARGS, and writes the HTML report of
what its goroutines did. The program's code is not changed: the build wraps
its func main (go build -overlay) so that the execution trace is recorded
from the start of main to its end. The go command's build flags (-race,
-tags, -ldflags, -gcflags, -cover, -mod, -trimpath, ...) go to go build.

The program gets vizrun's standard input, output and error, its arguments
and environment; vizrun exits with the program's exit status. Signals are
the program's to handle: Ctrl-C from a terminal reaches the program
directly (vizrun waits for it to finish), and a SIGINT, SIGTERM, SIGQUIT or
SIGHUP sent to vizrun itself is passed on. The program never outlives
vizrun (on Linux). The report is written whatever way the program ends. A
program that calls os.Exit, crashes or is killed loses the trace of at most
its last fifth of a second (the generation in progress); the report says so.

At the end, while the trace still records, vizrun takes the runtime's
goroutine leak profile (Go 1.27; Go 1.26 gets GOEXPERIMENT=goroutineleakprofile
added to its build): goroutines blocked on something no other goroutine can
reach show as proven leaks. A program whose goroutines are all proven stuck
so is deadlocked: vizrun ends it as the runtime would without tracing
(exit status 2, "all goroutines are asleep") and its report says who waits
on what. Goroutines that all wait on locks, WaitGroups or Conds the profile
cannot prove (globals) only get a warning that the program looks
deadlocked: press Ctrl-C, and the report counts them as leaks.

Programs that use the vizrun tracer themselves work too: their tracer.Start
joins the recording instead of starting another.

Output paths are relative to the current directory, or with -C to DIR.
They are looked at before anything is built: a directory, a missing
directory, or -o and -trace naming one file are refused. A report that
still cannot be written at the end is said on stderr, and vizrun exits with
the program's status (1 if that was 0).
Flags must come before PKG; everything after PKG (or after --) goes to the
program.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "report.html", "write the report to `file`")
			keep := fs.String("trace", "", "also keep the execution trace in `file`")
			open := fs.Bool("open", false, "open the report in a browser when done")
			chdir := fs.String("C", "", "change to `dir` before building and running, as go run -C (the program runs there)")
			build := addBuildFlags(fs)
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usagef("run needs a main package (see 'vizrun help run')")
				}
				pkg, progArgs := args[0], args[1:]
				if len(progArgs) > 0 && progArgs[0] == "--" {
					progArgs = progArgs[1:]
				}
				return runProgram(ctx, e, runOptions{pkg: pkg, args: progArgs, dir: *chdir, report: *out, keepTrace: *keep, open: *open, buildFlags: build.args})
			}
		},
	})
}

type runOptions struct {
	pkg        string
	args       []string
	dir        string // where to resolve pkg and run the program; "" = current
	report     string // relative to dir
	keepTrace  string // relative to dir
	open       bool
	title      string
	buildFlags []string
	quiet      bool // no summary lines (vizrun examples prints its own)
	// analysed, when set, is handed the model and its analysis once the
	// report is written.
	analysed func(t *parse.Trace, s *summary.Summary)
}

// exitError carries the traced program's exit status out of run.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// runProgram builds, runs and reports one main package.
func runProgram(ctx context.Context, e *env, o runOptions) error {
	base, err := baseDir(o.dir)
	if err != nil {
		return err
	}
	report, keepTrace := resolveOut(base, o.report), resolveOut(base, o.keepTrace)
	// Outputs are looked at before the program runs, with all its side
	// effects: a directory, a missing directory or -o and -trace naming
	// one file are refused now rather than found out at the end.
	outs := []namedPath{{"-o", report}}
	if keepTrace != "" {
		outs = append(outs, namedPath{"-trace", keepTrace})
	}
	if err := checkOutputs(outs...); err != nil {
		return err
	}
	if err := refuseOverlap(outs, nil); err != nil {
		return err
	}
	work, err := tempDir("run")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	b, err := newGoBuild(ctx, e, o.dir, o.buildFlags)
	if err != nil {
		return err
	}
	exe := filepath.Join(work, "program")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if err := b.buildMain(ctx, o.pkg, work, exe, outs); err != nil {
		return err
	}
	tracePath := filepath.Join(work, "program.trace") // the program creates it
	deadlockPath := filepath.Join(work, "deadlock")

	cmd := exec.Command(exe, o.args...)
	cmd.Dir = o.dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	cmd.Env = append(os.Environ(), envTraceOut+"="+tracePath, envDeadlockOut+"="+deadlockPath, "GODEBUG="+godebug())
	res, err := execProgram(ctx, e, cmd, 0)
	if err != nil {
		return err
	}
	code, sig := res.code, res.sig
	stuck, _ := os.ReadFile(deadlockPath)
	deadlocked := len(stuck) > 0
	ended := fmt.Sprintf("exited with status %d", code)
	switch {
	case deadlocked:
		ended = "deadlocked: all goroutines are asleep"
	case sig != 0:
		ended = fmt.Sprintf("was killed by signal %d (%v)", int(sig), sig)
	}
	if _, err := os.Stat(tracePath); err != nil {
		return &exitError{code: max(code, 1), msg: fmt.Sprintf("the program %s without a trace: it did not get to start tracing", ended)}
	}
	// From here on, a failure keeps the program's exit status (1 when it
	// was 0): what went wrong is said on stderr.
	failed := func(err error) error {
		return &exitError{code: max(code, 1), msg: err.Error()}
	}
	if keepTrace != "" {
		if err := copyFile(keepTrace, tracePath); err != nil {
			if code != 0 {
				fmt.Fprintf(e.stderr, "vizrun: the program %s\n", ended)
			}
			return failed(fmt.Errorf("the trace could not be kept: %v", err))
		}
	}
	t, err := parse.ReadFile(tracePath, parse.Options{})
	if err != nil {
		if sig != 0 {
			return failed(fmt.Errorf("the program %s before its trace held anything readable (the first generation ends after 200 ms): %v", ended, err))
		}
		return failed(fmt.Errorf("the program ran (exit status %d) but its trace cannot be read: %v", code, err))
	}
	switch {
	case deadlocked:
		if !t.Deadlock { // the trace says so itself since the watch logs it
			t.Warnings = append(t.Warnings, t.DeadlockWarning())
		}
	case sig != 0:
		t.Warnings = append(t.Warnings, fmt.Sprintf("the program %s: this report shows its trace up to the last complete generation before that, and up to 200 ms before the end were not traced", ended))
		t.MarkCut() // goroutines blocked when it was killed were not done
	case code != 0:
		t.Warnings = append(t.Warnings, fmt.Sprintf("the program exited with status %d; if it called os.Exit or was killed, the last fraction of a second was not traced", code))
	}
	title := o.title
	if title == "" {
		title = "vizrun run " + strings.Join(append([]string{o.pkg}, o.args...), " ")
	}
	s := summary.Build(t, o.pkg)
	if err := writeOutput(e, report, func(w io.Writer) error {
		return html.Render(w, t, s, html.Options{Title: title, Source: o.pkg})
	}); err != nil {
		if code != 0 {
			fmt.Fprintf(e.stderr, "vizrun: the program %s\n", ended)
		}
		return failed(fmt.Errorf("the report could not be written: %v", err))
	}
	if !o.quiet {
		fmt.Fprintf(e.stderr, "vizrun: wrote %s: %s traced, parallelism %.2f of %d P%s, %d goroutine%s created, blocked %s",
			report, units.Duration(t.Duration), s.AvgParallelism, s.GOMAXPROCS, plural(s.GOMAXPROCS), s.Goroutines.Created, plural(s.Goroutines.Created), units.Duration(s.Time.BlockedNs))
		if len(s.Blocked) > 0 {
			fmt.Fprintf(e.stderr, " (most on %s)", s.Blocked[0].Reason)
		}
		if s.Goroutines.Leaked > 0 {
			fmt.Fprintf(e.stderr, ", %d still blocked at the end", s.Goroutines.Leaked)
		}
		fmt.Fprintln(e.stderr)
	}
	if o.analysed != nil {
		o.analysed(t, s)
	}
	if o.open {
		openBrowser(e, report)
	}
	if code != 0 {
		return &exitError{code: code, msg: "the program " + ended}
	}
	return nil
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeOutput(&env{}, dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// openBrowser shows the report, best effort.
func openBrowser(e *env, path string) {
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", abs)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", abs)
	default:
		cmd = exec.Command("xdg-open", abs)
	}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(e.stderr, "vizrun: cannot open a browser (%v); the report is %s\n", err, abs)
		return
	}
	go cmd.Wait()
}
