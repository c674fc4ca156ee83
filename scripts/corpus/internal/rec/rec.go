// Package rec is what the corpus workloads share: where the trace goes, and
// work that keeps a CPU busy for a known time.
package rec

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"time"
)

// Out is the trace file named by the first argument.
func Out() string {
	if len(os.Args) < 2 {
		fmt.Fprintf(os.Stderr, "usage: %s TRACE.out\n", os.Args[0])
		os.Exit(2)
	}
	return os.Args[1]
}

// Start starts the execution tracer into the file named by the first
// argument and returns the function that stops it.
func Start() (stop func()) {
	f, err := os.Create(Out())
	if err != nil {
		Fail(err)
	}
	if err := trace.Start(f); err != nil {
		Fail(err)
	}
	return func() {
		LogLeaks()
		trace.Stop()
		if err := f.Close(); err != nil {
			Fail(err)
		}
	}
}

// LogLeaks logs, into the trace being recorded, the goroutines the
// runtime's goroutine leak profile proves leaked (Go 1.27, or Go 1.26
// built with GOEXPERIMENT=goroutineleakprofile: record.sh builds the
// workloads so), as vizrun run does: category "vizrun.leaked", the ids
// space-separated. The check's garbage collection is marked as the
// recorder's own work ("vizrun.own").
func LogLeaks() {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		return
	}
	ctx := context.Background()
	defer trace.StartRegion(ctx, "vizrun.own").End()
	var b bytes.Buffer
	if err := p.WriteTo(&b, 2); err != nil {
		return
	}
	var ids []string
	for _, block := range strings.Split(b.String(), "\n\n") {
		header, _, _ := strings.Cut(strings.TrimLeft(block, "\n"), "\n")
		if f := strings.Fields(header); len(f) > 2 && f[0] == "goroutine" && strings.Contains(header, " (leaked)") {
			ids = append(ids, f[1])
		}
	}
	trace.Log(ctx, "vizrun.leaked", strings.Join(ids, " "))
}

// Fail prints err and exits 1.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

var sink uint64

// Spin keeps the CPU busy for d of wall time without blocking or
// allocating (the runtime still preempts it every 10 ms).
func Spin(d time.Duration) {
	end := time.Now().Add(d)
	x := sink
	for time.Now().Before(end) {
		for i := 0; i < 200; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	sink = x
}

// Work does a fixed amount of CPU work (n rounds of about a microsecond
// each), whatever the time it takes.
func Work(n int) {
	x := sink
	for i := 0; i < n*300; i++ {
		x = x*6364136223846793005 + 1442695040888963407
	}
	sink = x
}
