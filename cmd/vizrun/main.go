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
)

func main() {
	// The model is mostly pointer-free spans, so collecting often is cheap,
	// and it keeps vizrun's memory near twice the bare trace reader's
	// rather than three times; GOGC still decides when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(50)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
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
