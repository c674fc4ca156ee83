// Command vizrun shows what the goroutines of a Go program did: where they
// ran, waited and blocked, and how much parallelism the program got.
//
// Usage:
//
//	vizrun report [-o report.html] TRACE   write an offline HTML report of a trace
//	vizrun summary [-json] TRACE           print a summary of a trace
//	vizrun help [COMMAND]                  describe a command and its flags
//
// TRACE is a Go execution trace (from runtime/trace, go test -trace, or the
// vizrun tracer), or - for standard input.
//
// Errors are one line; report, summary, diff and check take -v, and every
// command VIZRUN_VERBOSE=1, to print an error's whole detail (such as a
// broken trace's decoder state) first.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/vizrun/vizrun/internal/outfile"
)

func main() {
	// The model is mostly pointer-free spans, so collecting often is cheap,
	// and it keeps vizrun's memory near twice the bare trace reader's
	// rather than three times; GOGC still decides when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctx, stop := handleSignals(os.Args[1:])
	// VIZRUN_CPUPROFILE names a file for a CPU profile of vizrun itself
	// (for make bench and for finding out why vizrun is slow on a trace).
	if p := os.Getenv("VIZRUN_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer f.Close()
		}
	}
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	pprof.StopCPUProfile()
	if p := os.Getenv("VIZRUN_MEMPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	stop()
	switch {
	case err == nil, errors.Is(err, errHelp), errors.Is(err, errSilent):
		// Nothing to add: help and usage were printed already.
	default:
		fmt.Fprintln(os.Stderr, "vizrun:", err)
	}
	os.Exit(exitCode(err))
}

// stopGrace is how long a command has to stop after Ctrl-C or SIGTERM
// before vizrun stops it.
const stopGrace = 750 * time.Millisecond

// runsPrograms are the commands that pass Ctrl-C and SIGTERM on to the
// programs they run, which decide what the signal means (and vizrun waits
// for them, then writes their reports).
var runsPrograms = map[string]bool{"run": true, "test": true, "examples": true}

// handleSignals returns the context every command runs in: it ends on the
// first Ctrl-C or SIGTERM, and the command then stops (reads and writes
// give up, FIFOs and pipes included). A command that has not returned
// stopGrace later, or at a second signal, is ended there: its temporary
// files are removed and vizrun exits with status 1, whatever it was waiting
// on (a pipe nobody reads, a terminal). Commands that run programs are left
// to their programs. stop ends the watch.
func handleSignals(args []string) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	supervised := len(args) > 0 && runsPrograms[args[0]]
	go func() {
		select {
		case s := <-sigs:
			cancel(signalCause{s})
		case <-done:
			return
		}
		if supervised {
			return
		}
		t := time.NewTimer(stopGrace)
		select {
		case <-sigs:
		case <-t.C:
		case <-done:
			return
		}
		outfile.RemoveTemps()
		fmt.Fprintln(os.Stderr, "vizrun: interrupted")
		os.Exit(1)
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// signalCause is the cause of a context ended by a signal, as
// signal.NotifyContext gives it: it matches context.Canceled and says
// which signal came (see signalled).
type signalCause struct{ sig os.Signal }

func (c signalCause) Error() string        { return c.sig.String() + " signal received" }
func (c signalCause) Is(target error) bool { return target == context.Canceled }
