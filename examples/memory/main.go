// Memory: 10,000 parked goroutines cost a few KiB each, while 200 goroutines
// locked to OS threads cost a thread and tens of KiB each; the measures are
// in the report's logs (category "memory").
//
// Tutorial: "Async vs Threads" and "Memory Comparison". A Tokio task is a
// state machine of a few hundred bytes; an OS thread reserves megabytes of
// stack. A goroutine sits in between: it has a real stack, but a small one
// (it starts at a few KiB and grows on demand), and the runtime runs many
// goroutines on a few threads. So Go gets the many-waiting-tasks model
// with plain blocking code. A goroutine locked to its thread
// (runtime.LockOSThread) that blocks keeps that thread to itself: the
// runtime must start another one for everybody else.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

const (
	goroutines = 10_000
	threads    = 200
)

// usage is what the process uses at one moment.
type usage struct {
	stack   uint64 // bytes of goroutine stacks (runtime.MemStats.StackInuse)
	sys     uint64 // bytes the Go runtime got from the OS (MemStats.Sys)
	rss     uint64 // resident memory (VmRSS), 0 when unknown
	threads int    // OS threads (Threads in /proc, else threads created)
}

func measure() usage {
	debug.FreeOSMemory() // a GC, and freed memory back to the OS: a steadier baseline
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	u := usage{stack: ms.StackInuse, sys: ms.Sys, threads: pprof.Lookup("threadcreate").Count()}
	if f, err := os.Open("/proc/self/status"); err == nil { // Linux
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), ":")
			fields := strings.Fields(v)
			if len(fields) == 0 {
				continue
			}
			n, _ := strconv.ParseUint(fields[0], 10, 64)
			switch k {
			case "VmRSS":
				u.rss = n << 10 // kB
			case "Threads":
				u.threads = int(n)
			}
		}
	}
	return u
}

// cost is what each parked goroutine (or thread) added, between two
// measures.
type cost struct {
	N       int
	Stack   float64 // bytes of stack: the goroutine's own, plus the thread's g0 and signal stacks for a thread
	Sys     float64 // bytes the runtime got from the OS (0 when it had them already)
	RSS     float64 // resident bytes: pages touched, so less than reserved (Linux only)
	HasRSS  bool
	Threads int // OS threads added
}

func per(before, after usage, n int) cost {
	d := func(a, b uint64) float64 { return (float64(a) - float64(b)) / float64(n) }
	return cost{
		N: n, Stack: d(after.stack, before.stack), Sys: d(after.sys, before.sys),
		RSS: d(after.rss, before.rss), HasRSS: after.rss != 0 && before.rss != 0,
		Threads: after.threads - before.threads,
	}
}

func (c cost) String() string {
	s := fmt.Sprintf("%d parked: stack %.1f KiB each, runtime memory %.1f KiB each", c.N, c.Stack/1024, c.Sys/1024)
	if c.HasRSS {
		s += fmt.Sprintf(", resident %.1f KiB each", c.RSS/1024)
	}
	return s + fmt.Sprintf(", %+d OS threads", c.Threads)
}

// park starts n goroutines called name that block on release until it is
// closed; locked ones are locked to their OS thread first. It returns once
// all of them have started.
func park(ctx context.Context, name string, n int, locked bool, release <-chan struct{}, done *sync.WaitGroup) {
	var started sync.WaitGroup
	for range n {
		started.Add(1)
		done.Add(1)
		tracer.Go(ctx, name, func(ctx context.Context) {
			defer done.Done()
			if locked {
				// Never unlocked: when the goroutine exits, its thread
				// exits with it.
				runtime.LockOSThread()
			}
			started.Done()
			<-release
		})
	}
	started.Wait()
}

// measureGoroutines parks many goroutines and measures what they cost.
func measureGoroutines(ctx context.Context) cost {
	defer tracer.Region(ctx, "goroutines").End()
	release := make(chan struct{})
	var done sync.WaitGroup
	before := measure()
	park(ctx, "parked", goroutines, false, release, &done)
	c := per(before, measure(), goroutines)
	tracer.Log(ctx, "memory", "goroutines: "+c.String())
	close(release)
	done.Wait()
	return c
}

// measureThreads parks goroutines that each hold an OS thread.
func measureThreads(ctx context.Context) cost {
	defer tracer.Region(ctx, "threads").End()
	release := make(chan struct{})
	var done sync.WaitGroup
	before := measure()
	park(ctx, "locked-thread", threads, true, release, &done)
	c := per(before, measure(), threads)
	tracer.Log(ctx, "memory", "threads: "+c.String())
	close(release)
	done.Wait()
	return c
}

func main() {
	out := flag.String("o", "memory.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		fmt.Println("goroutines:", measureGoroutines(ctx))
		fmt.Println("threads:   ", measureThreads(ctx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
