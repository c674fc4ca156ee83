// Command ratelimit is a worker pool behind a golang.org/x/time/rate limiter.
// Eight workers take jobs from a channel; each job is a runtime/trace task:
// wait for the limiter, then 2 ms of CPU. For 300 ms the limit is high and
// both Ps are busy; then the limit drops to 2 jobs a second for 800 ms (one
// long stall: every worker waits in Limiter.Wait with its task in progress);
// then it is high again for 300 ms. Recorded with a trace generation every
// 200 ms, so the stall crosses several generations.
package main

import (
	"context"
	"runtime"
	"runtime/trace"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func worker(ctx context.Context, lim *rate.Limiter, jobs <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range jobs {
		tctx, task := trace.NewTask(ctx, "job")
		if err := lim.Wait(tctx); err != nil {
			task.End()
			return
		}
		rec.Spin(2 * time.Millisecond)
		task.End()
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	stop := rec.Start()
	ctx, cancel := context.WithCancel(context.Background())
	lim := rate.NewLimiter(rate.Inf, 1)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go worker(ctx, lim, jobs, &wg)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		lim.SetLimit(2)
		time.Sleep(800 * time.Millisecond)
		lim.SetLimit(rate.Inf)
		time.Sleep(300 * time.Millisecond)
		cancel()
	}()
	for i := 0; ctx.Err() == nil; i++ {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	stop()
}
