// Blocking sleep: 100 "sleeper" goroutines sleep 50 ms at once, blocked (not
// running), about 50 ms in all, while a "busy-waiter" spinning for 100 ms is
// running the whole time and a "syscall-sleeper" spends 50 ms in syscall.
//
// Tutorial: "Mistake 1: Using std::thread::sleep in Async Code". In Tokio,
// std::thread::sleep blocks the worker thread and every task queued on it.
// In Go, time.Sleep is the right call: it parks only the goroutine, and the
// runtime runs others on the thread meanwhile. Go's version of the mistake
// is waiting while holding the thread: spinning until a deadline burns a P
// (and a core) for nothing, and a blocking system call holds an OS thread
// (the runtime hands the P to another thread, so other goroutines still
// run).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

const (
	sleepers = 100
	nap      = 50 * time.Millisecond
	spin     = 100 * time.Millisecond
)

// manySleeps runs 100 goroutines that each sleep 50 ms: about 50 ms in all.
func manySleeps(ctx context.Context) time.Duration {
	defer tracer.Region(ctx, "time.Sleep").End()
	start := time.Now()
	var wg sync.WaitGroup
	for range sleepers {
		wg.Add(1)
		tracer.Go(ctx, "sleeper", func(ctx context.Context) {
			defer wg.Done()
			time.Sleep(nap) // parks this goroutine only
		})
	}
	wg.Wait()
	return time.Since(start)
}

// busyWait waits until the deadline without giving up its P: the mistake.
func busyWait(d time.Duration) (spins int) {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); spins++ {
	}
	return spins
}

// spinVersusSleep waits 100 ms twice at once: by spinning and by sleeping.
// One goroutine spins (not one per P: the others keep their Ps).
func spinVersusSleep(ctx context.Context) int {
	defer tracer.Region(ctx, "busy-wait").End()
	var wg sync.WaitGroup
	var spins int
	wg.Add(2)
	tracer.Go(ctx, "busy-waiter", func(ctx context.Context) {
		defer wg.Done()
		spins = busyWait(spin)
	})
	tracer.Go(ctx, "sleeper", func(ctx context.Context) {
		defer wg.Done()
		time.Sleep(spin)
	})
	wg.Wait()
	return spins
}

// inSyscall waits 50 ms in a blocking system call.
func inSyscall(ctx context.Context) {
	defer tracer.Region(ctx, "syscall").End()
	done := make(chan struct{})
	tracer.Go(ctx, "syscall-sleeper", func(ctx context.Context) {
		defer close(done)
		syscallSleep(nap)
	})
	<-done
}

func main() {
	out := flag.String("o", "blocking-sleep.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		fmt.Printf("%d goroutines slept %v each, in %v\n", sleepers, nap, manySleeps(ctx).Round(time.Millisecond))
		fmt.Printf("busy-waiting %v took %d spins of a CPU\n", spin, spinVersusSleep(ctx))
		inSyscall(ctx)
		fmt.Printf("slept %v in a system call\n", nap)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
