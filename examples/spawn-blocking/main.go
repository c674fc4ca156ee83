// Spawn blocking: GOMAXPROCS "cpu-worker" goroutines keep every P busy for
// 200 ms (parallelism close to GOMAXPROCS in "cpu-work") while the "ticker"
// goroutine keeps waking up: preempted every 10 ms, the workers delay it but
// cannot starve it.
//
// Tutorial: "Mixing Async and Threads". Tokio runs tasks on a few worker
// threads, so CPU work on a task stalls the tasks behind it; spawn_blocking
// moves it to a separate thread pool. Go has one set of Ps for all
// goroutines, and the scheduler preempts a goroutine that has run for
// 10 ms, so CPU work can run on ordinary goroutines: the Go spelling is a
// pool of GOMAXPROCS worker goroutines (more would only queue), and the
// goroutines that wait for I/O or timers keep getting a P in between.
// (Blocking system calls need no spawn_blocking either: the runtime hands
// their P to another thread by itself.)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

const (
	cpuTime = 200 * time.Millisecond // how long the pool computes
	period  = 5 * time.Millisecond   // how often the ticker wants to run
	jobSize = 1_000_000              // numbers added up per job: well under a millisecond
)

// compute is the tutorial's CPU-heavy work: (0..n).sum().
func compute(n uint64) uint64 {
	var sum uint64
	for i := range n {
		sum += i
	}
	return sum
}

// cpuWorker does jobs one after the other for d and returns how many.
func cpuWorker(d time.Duration) int {
	jobs := 0
	for start := time.Now(); time.Since(start) < d; jobs++ {
		if compute(jobSize) != jobSize*(jobSize-1)/2 {
			panic("wrong sum")
		}
	}
	return jobs
}

// ticks is what the ticker saw: how late each wake-up was.
type ticks []time.Duration

func (t ticks) max() time.Duration {
	var m time.Duration
	for _, d := range t {
		m = max(m, d)
	}
	return m
}

// ticker wants to wake every period until stop is closed, as a goroutine
// serving I/O or timers does, and notes how late each wake-up was.
func ticker(stop <-chan struct{}) ticks {
	var late ticks
	for {
		due := time.Now().Add(period)
		select {
		case <-stop:
			return late
		case <-time.After(period):
			late = append(late, time.Since(due))
		}
	}
}

// run starts the ticker, then runs the CPU work on a pool of GOMAXPROCS
// workers for cpuTime, and returns the jobs done and the ticker's
// wake-ups.
func run(ctx context.Context) (jobs int, late ticks) {
	stop := make(chan struct{})
	tickerDone := make(chan ticks)
	tracer.Go(ctx, "ticker", func(ctx context.Context) { tickerDone <- ticker(stop) })
	time.Sleep(2 * period) // the ticker alone: on time

	func() {
		defer tracer.Region(ctx, "cpu-work").End()
		workers := runtime.GOMAXPROCS(0) // one per P: more would only queue
		done := make(chan int, workers)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			tracer.Go(ctx, "cpu-worker", func(ctx context.Context) {
				defer wg.Done()
				done <- cpuWorker(cpuTime)
			})
		}
		wg.Wait()
		close(done)
		for n := range done {
			jobs += n
		}
	}()
	close(stop)
	return jobs, <-tickerDone
}

func main() {
	out := flag.String("o", "spawn-blocking.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		jobs, late := run(ctx)
		fmt.Printf("%d workers did %d jobs; the ticker woke %d times, at most %v late\n",
			runtime.GOMAXPROCS(0), jobs, len(late), late.max().Round(10*time.Microsecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
