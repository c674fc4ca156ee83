package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "run",
		args:  "[-o report.html] [-trace FILE] [-open] [-C DIR] PKG [-- ARGS]",
		short: "run a main package with tracing and write its report",
		long: `
Run builds the main package PKG (a directory like ./cmd/server, or an import
path) with tracing added, runs it with ARGS, and writes the HTML report of
what its goroutines did. The program's code is not changed: the build wraps
its func main (go build -overlay) so that the execution trace is recorded
from the start of main to its end.

The program gets vizrun's standard input, output and error, its arguments
and environment; Ctrl-C and SIGTERM are passed on to it; vizrun exits with
the program's exit status. The report is written whatever way the program
ends. A program that calls os.Exit, crashes or is killed loses the trace of
at most its last fifth of a second (the generation in progress); the report
says so. Programs that use the vizrun tracer themselves work too: their
tracer.Start joins the recording instead of starting another.

Flags must come before PKG; everything after PKG (or after --) goes to the
program.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "report.html", "write the report to `file`")
			keep := fs.String("trace", "", "also keep the execution trace in `file`")
			open := fs.Bool("open", false, "open the report in a browser when done")
			chdir := fs.String("C", "", "change to `dir` before building and running, as go run -C (the program runs there)")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) == 0 {
					return usagef("run needs a main package (see 'vizrun help run')")
				}
				pkg, progArgs := args[0], args[1:]
				if len(progArgs) > 0 && progArgs[0] == "--" {
					progArgs = progArgs[1:]
				}
				return runProgram(ctx, e, runOptions{pkg: pkg, args: progArgs, dir: *chdir, report: *out, keepTrace: *keep, open: *open})
			}
		},
	})
}

type runOptions struct {
	pkg       string
	args      []string
	dir       string // where to resolve pkg and run the program; "" = current
	report    string
	keepTrace string
	open      bool
	title     string
	quiet     bool // no summary lines (vizrun examples prints its own)
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
	work, err := os.MkdirTemp("", "vizrun-run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	exe := filepath.Join(work, "program")
	if runtime.GOOS == "windows" {
		exe += ".exe"
	}
	if err := buildTraced(ctx, e, o.dir, o.pkg, work, exe); err != nil {
		return err
	}
	tracePath := filepath.Join(work, "program.trace")
	if f, err := os.Create(tracePath); err != nil {
		return err
	} else {
		f.Close()
	}

	code, sig, runErr := execTraced(ctx, e, exe, o.args, o.dir, tracePath)
	if runErr != nil {
		return runErr
	}
	ended := fmt.Sprintf("exited with status %d", code)
	if sig != 0 {
		ended = fmt.Sprintf("was killed by signal %d (%v)", int(sig), sig)
	}

	if o.keepTrace != "" {
		if err := copyFile(o.keepTrace, tracePath); err != nil {
			return err
		}
	}
	t, err := parse.ReadFile(tracePath, parse.Options{})
	if err != nil {
		if sig != 0 {
			return fmt.Errorf("the program %s before its trace held anything readable (the first generation ends after 200 ms): %v", ended, err)
		}
		return fmt.Errorf("the program ran (exit status %d) but its trace cannot be read: %v", code, err)
	}
	switch {
	case sig != 0:
		t.Warnings = append(t.Warnings, fmt.Sprintf("the program %s: this report shows its trace up to the last complete generation before that, and up to 200 ms before the end were not traced", ended))
	case code != 0:
		t.Warnings = append(t.Warnings, fmt.Sprintf("the program exited with status %d; if it called os.Exit or was killed, the last fraction of a second was not traced", code))
	}
	title := o.title
	if title == "" {
		title = "vizrun run " + strings.Join(append([]string{o.pkg}, o.args...), " ")
	}
	s := summary.Build(t, o.pkg)
	if err := writeOutput(e, o.report, func(w io.Writer) error {
		return html.Render(w, t, s, html.Options{Title: title, Source: o.pkg})
	}); err != nil {
		return err
	}
	if !o.quiet {
		fmt.Fprintf(e.stderr, "vizrun: wrote %s: %s traced, parallelism %.2f of %d Ps, %d goroutines created, blocked %s",
			o.report, units.Duration(t.Duration), s.AvgParallelism, s.GOMAXPROCS, s.Goroutines.Created, units.Duration(s.Time.BlockedNs))
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
		openBrowser(e, o.report)
	}
	if code != 0 {
		return &exitError{code: code, msg: "the program " + ended}
	}
	return nil
}

// execTraced runs the traced program, passing standard streams, arguments
// and signals through, and returns its exit status (128+n when signal n
// killed it).
func execTraced(ctx context.Context, e *env, exe string, args []string, dir, tracePath string) (code int, sig syscall.Signal, err error) {
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
	cmd.Env = append(os.Environ(), envTraceOut+"="+tracePath, "GODEBUG="+godebug())
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("starting the program: %v", err)
	}
	// Pass Ctrl-C and SIGTERM on; the program decides what they mean.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
wait:
	for {
		select {
		case s := <-sigs:
			cmd.Process.Signal(s)
		case <-ctx.Done():
			// run's context ends on a signal vizrun caught for itself
			// (tests cancel it): stop the program as SIGTERM would.
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				err = <-done
			}
			break wait
		case err = <-done:
			break wait
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, 0, nil
	case errors.As(err, &ee):
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			return 128 + int(st.Signal()), st.Signal(), nil
		}
		return ee.ExitCode(), 0, nil
	}
	return 0, 0, fmt.Errorf("running the program: %v", err)
}

// godebug adds the generation period to the caller's GODEBUG.
func godebug() string {
	g := os.Getenv("GODEBUG")
	if strings.Contains(g, "traceadvanceperiod=") {
		return g
	}
	if g != "" {
		g += ","
	}
	return g + "traceadvanceperiod=" + generationPeriod
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
