// Select: a 10 s sleep and a 50 ms sleep race on two goroutines; main's
// select takes the 50 ms branch ("timeout reached") after about 50 ms, then
// cancels the loser, whose goroutine stops its timer and exits at once: no
// goroutine is left behind.
//
// Tutorial: "Racing Futures with tokio::select!". select! polls its futures
// until one completes, then drops the others, which cancels them. Go's
// select statement waits for the first of several channel operations, but
// nothing is dropped: a goroutine started for the losing branch keeps
// running unless it is told to stop. The Go way is a context: cancel it
// when the race is decided, and have every branch give up when ctx is done.
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

// sleep waits for d or until ctx is done, whichever comes first: the
// cancellable sleep that tokio::time::sleep is. It stops its timer either
// way.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// race runs both branches and returns the first to finish.
func race(ctx context.Context) string {
	defer tracer.Region(ctx, "select").End()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // last: the branches are gone when race returns
	defer cancel()  // first: the race is decided, stop the loser

	slow := make(chan struct{}, 1) // room for the result: a branch never blocks on it
	fast := make(chan struct{}, 1)
	wg.Add(2)
	tracer.Go(ctx, "slow-sleep", func(ctx context.Context) {
		defer wg.Done()
		if sleep(ctx, 10*time.Second) == nil {
			slow <- struct{}{}
		}
	})
	tracer.Go(ctx, "fast-sleep", func(ctx context.Context) {
		defer wg.Done()
		if sleep(ctx, 50*time.Millisecond) == nil {
			fast <- struct{}{}
		}
	})
	select {
	case <-slow:
		return "slow task finished"
	case <-fast:
		return "timeout reached"
	}
}

func main() {
	out := flag.String("o", "select.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		result := race(ctx)
		fmt.Printf("%s after %v\n", result, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
