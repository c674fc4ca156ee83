// Blocking the runtime: with one P, a CPU loop that never yields leaves the
// "io-loop" goroutine waiting runnable for up to ~10 ms at a time and the
// "ticker" oversleeping, until the runtime preempts the loop; the same loop
// calling runtime.Gosched keeps both on time.
//
// Tutorial: "Mistake 3: Blocking the Runtime". A Tokio task that computes
// without reaching an .await keeps its worker thread, and every other task
// queued on that thread waits until it is done. Go's scheduler preempts a
// goroutine that has run for 10 ms, so the loop cannot hold the P forever,
// but for those 10 ms nobody else runs: with few Ps, CPU work still adds
// scheduler latency to the goroutines that only want to run for a moment.
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
	cpuTime    = 150 * time.Millisecond // each phase's CPU loop
	period     = 2 * time.Millisecond   // how often the responsive goroutines want to run
	yieldEvery = 200 * time.Microsecond // the cooperative loop's time between yields
)

// lateness is how late a goroutine got to run, one entry per wake-up: the
// time from when it asked to run again to when it ran.
type lateness []time.Duration

func (l lateness) max() time.Duration {
	var m time.Duration
	for _, d := range l {
		m = max(m, d)
	}
	return m
}

// ticker wants to run every period: it sleeps, then notes how late it woke.
func ticker(stop <-chan struct{}) lateness {
	var late lateness
	for {
		select {
		case <-stop:
			return late
		default:
		}
		due := time.Now().Add(period)
		time.Sleep(period)
		late = append(late, time.Since(due))
	}
}

// ioLoop waits for "I/O" in the kernel (a blocking system call that returns
// after period, standing for a read that gets its data), then handles it.
// Returning from the call, it needs a P again to run its Go code.
func ioLoop(stop <-chan struct{}) lateness {
	var late lateness
	for {
		select {
		case <-stop:
			return late
		default:
		}
		due := time.Now().Add(period)
		blockingWait(period)
		late = append(late, time.Since(due))
	}
}

var sink uint64 // keeps the CPU loop's result alive

// cpuLoop computes for d. When cooperative, it calls runtime.Gosched every
// yieldEvery: the Go spelling of "reach an .await now and then".
func cpuLoop(d time.Duration, cooperative bool) {
	start := time.Now()
	lastYield := start
	x := uint64(1)
	for {
		for i := range 1000 {
			x = x*6364136223846793005 + uint64(i)
		}
		now := time.Now()
		if now.Sub(start) >= d {
			break
		}
		if cooperative && now.Sub(lastYield) >= yieldEvery {
			runtime.Gosched()
			lastYield = now
		}
	}
	sink += x
}

// result is what one phase measured.
type result struct {
	ticker, io lateness
}

// phase runs the CPU loop for cpuTime while the ticker and the io-loop try
// to run every period, and returns how late they were.
func phase(ctx context.Context, name string, cooperative bool) result {
	defer tracer.Region(ctx, name).End()
	var res result
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(2)
	tracer.Go(ctx, "ticker", func(ctx context.Context) {
		defer wg.Done()
		res.ticker = ticker(stop)
	})
	tracer.Go(ctx, "io-loop", func(ctx context.Context) {
		defer wg.Done()
		res.io = ioLoop(stop)
	})
	done := make(chan struct{})
	tracer.Go(ctx, "cpu-loop", func(ctx context.Context) {
		defer close(done)
		defer tracer.Region(ctx, "compute").End()
		cpuLoop(cpuTime, cooperative)
	})
	<-done
	close(stop)
	wg.Wait()
	return res
}

// run does both phases with a single P, then gives GOMAXPROCS back.
func run(ctx context.Context) (blocking, cooperative result) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	blocking = phase(ctx, "blocking", false)
	cooperative = phase(ctx, "cooperative", true)
	return blocking, cooperative
}

func main() {
	out := flag.String("o", "blocking-runtime.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		blocking, cooperative := run(ctx)
		for _, p := range []struct {
			name string
			r    result
		}{{"blocking", blocking}, {"cooperative", cooperative}} {
			fmt.Printf("%-11s ticker: %3d wake-ups, latest %v; io-loop: %3d wake-ups, latest %v\n", p.name,
				len(p.r.ticker), p.r.ticker.max().Round(10*time.Microsecond),
				len(p.r.io), p.r.io.max().Round(10*time.Microsecond))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
