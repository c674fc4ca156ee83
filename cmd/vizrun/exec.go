package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Running the programs vizrun builds (vizrun run's program, vizrun test's
// test binaries): signals are passed on and the program decides what they
// mean; it never outlives vizrun; its temporary directory never outlives a
// vizrun that was killed for long.

// execResult is how a program ended.
type execResult struct {
	code int            // exit status; 128+n when signal n killed it
	sig  syscall.Signal // the signal that killed it, or 0
	// interrupted is the signal vizrun received while the program ran
	// (passed on, or sent by the terminal to both), or nil.
	interrupted os.Signal
}

// passedSignals are the signals vizrun passes on to the program.
var passedSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGHUP}

// execProgram starts cmd and waits for it to end. A signal vizrun
// receives meanwhile goes on to the program, once: when vizrun runs in the
// foreground of a terminal (its standard input is the terminal), the
// terminal sent Ctrl-C, Ctrl-\ and hangups to the program as well, and
// vizrun only waits for the program to decide. When ctx is cancelled for
// another reason than a signal, the program gets SIGTERM, then SIGKILL 5 s
// later. After killAfter (0: never), it gets SIGQUIT (which makes a Go
// program print its goroutines) and SIGKILL 5 s later.
func execProgram(ctx context.Context, e *env, cmd *exec.Cmd, killAfter time.Duration) (execResult, error) {
	var res execResult
	if ctx.Err() != nil {
		return res, errors.New("interrupted")
	}
	fromTerminal := e.stdin == os.Stdin && sameTerminalGroup()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, passedSignals...)
	defer signal.Stop(sigs)
	dieWithParent(cmd)
	started, done := make(chan error, 1), make(chan error, 1)
	go func() {
		// The kernel kills the program (Pdeathsig) when the thread that
		// started it ends: this goroutine keeps its thread until the
		// program has been waited for, and never unlocks it.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return res, fmt.Errorf("starting %s: %v", filepath.Base(cmd.Path), err)
	}
	ctxDone := ctx.Done()
	var slow, kill <-chan time.Time
	if killAfter > 0 {
		t := time.NewTimer(killAfter)
		defer t.Stop()
		slow = t.C
	}
	var err error
wait:
	for {
		select {
		case s := <-sigs:
			res.interrupted = s
			if s == syscall.SIGTERM || !fromTerminal {
				cmd.Process.Signal(s)
			}
		case <-ctxDone:
			ctxDone = nil
			if signalled(ctx) {
				continue // the signal came on sigs too
			}
			cmd.Process.Signal(syscall.SIGTERM)
			kill = time.After(5 * time.Second)
		case <-slow:
			cmd.Process.Signal(syscall.SIGQUIT)
			kill = time.After(5 * time.Second)
		case <-kill:
			cmd.Process.Kill()
		case err = <-done:
			break wait
		}
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() {
			res.code, res.sig = 128+int(st.Signal()), st.Signal()
		} else {
			res.code = ee.ExitCode()
		}
	default:
		return res, fmt.Errorf("running %s: %v", filepath.Base(cmd.Path), err)
	}
	return res, nil
}

// signalled reports whether ctx ended because vizrun received a signal
// (main's signal.NotifyContext gives the signal as the cause, an error of
// its own that also matches context.Canceled) rather than being cancelled.
func signalled(ctx context.Context) bool {
	c := context.Cause(ctx)
	return c != nil && c != ctx.Err()
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

// tempDir makes a temporary directory for vizrun kind ("run", "test"),
// named with vizrun's process id, after removing those of vizruns that
// were killed before they could.
func tempDir(kind string) (string, error) {
	removeStaleTemp()
	return os.MkdirTemp("", fmt.Sprintf("vizrun-%s-%d-", kind, os.Getpid()))
}

// removeStaleTemp removes the temporary directories of vizrun processes
// that no longer exist: vizrun-run-PID-* and vizrun-test-PID-* of the
// current user.
func removeStaleTemp() {
	for _, kind := range []string{"run", "test"} {
		prefix := "vizrun-" + kind + "-"
		matches, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
		for _, m := range matches {
			pidText, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(m), prefix), "-")
			pid, err := strconv.Atoi(pidText)
			if !ok || err != nil || pid <= 0 || pid == os.Getpid() || processAlive(pid) {
				continue
			}
			if fi, err := os.Lstat(m); err == nil && fi.IsDir() && ownedByMe(fi) {
				os.RemoveAll(m)
			}
		}
	}
}

// resolveOut resolves an output path against base (the directory vizrun
// was run in, or the -C directory, as go build -C does for -o).
func resolveOut(base, path string) string {
	if path == "" || path == "-" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(base, path)
}

// baseDir is dir (as -C gives it) made absolute, or the current directory.
func baseDir(dir string) (string, error) {
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("-C %s: %v", dir, unwrapPath(err))
	} else if !fi.IsDir() {
		return "", fmt.Errorf("-C %s: not a directory", dir)
	}
	return abs, nil
}
