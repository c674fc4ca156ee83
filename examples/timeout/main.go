// Timeout: with a 150 ms deadline, a 20 ms fetch returns its user, and a
// 1 s fetch is cut off at the deadline: main's select ends after about
// 150 ms with context.DeadlineExceeded, and the slow "fetch-user" goroutine,
// which watches the same context, stops at that moment too.
//
// Tutorial: "Common Use Case: Timeouts". tokio::time::timeout(d, fut)
// drops the future when d runs out. In Go the deadline travels in a
// context (context.WithTimeout): the caller stops waiting when ctx is
// done, and the callee, which gets the same ctx, stops working.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

const deadline = 150 * time.Millisecond

// fetchUser stands for a network call that takes latency, and gives up
// when ctx is done, as a call through net/http with a context would.
func fetchUser(ctx context.Context, id int, latency time.Duration) (string, error) {
	t := time.NewTimer(latency)
	defer t.Stop()
	select {
	case <-t.C:
		return fmt.Sprintf("User(id=%d)", id), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

type reply struct {
	user string
	err  error
}

// withTimeout is timeout(limit, fetch_user(1)): it runs the fetch on a
// goroutine and waits for its reply or for the deadline, whichever comes
// first. wg counts the fetch goroutine, so that the caller can check that
// it did stop.
func withTimeout(ctx context.Context, wg *sync.WaitGroup, limit, latency time.Duration) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	replies := make(chan reply, 1) // room for the reply: a late fetch never blocks on it
	wg.Add(1)
	tracer.Go(ctx, "fetch-user", func(ctx context.Context) {
		defer wg.Done()
		user, err := fetchUser(ctx, 1, latency)
		replies <- reply{user, err}
	})
	select {
	case r := <-replies:
		return r.user, r.err
	case <-ctx.Done():
		return "", ctx.Err() // context.DeadlineExceeded: "Request timed out"
	}
}

// run makes a fast call and a slow one, each with the same deadline, then
// checks that no fetch goroutine is left: the slow one stopped at its
// deadline, so this wait is short.
func run(ctx context.Context) (fast, slow error) {
	var wg sync.WaitGroup
	func() {
		defer tracer.Region(ctx, "fast-call").End()
		_, fast = withTimeout(ctx, &wg, deadline, 20*time.Millisecond)
	}()
	func() {
		defer tracer.Region(ctx, "slow-call").End()
		_, slow = withTimeout(ctx, &wg, deadline, time.Second)
	}()
	wg.Wait()
	return fast, slow
}

func main() {
	out := flag.String("o", "timeout.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		fast, slow := run(ctx)
		fmt.Printf("fast call: err=%v\n", fast)
		if errors.Is(slow, context.DeadlineExceeded) {
			fmt.Println("slow call: Request timed out")
		}
		fmt.Printf("both in %v\n", time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
