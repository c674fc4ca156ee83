// Concurrent: fetchUser (100 ms) and fetchOrder (80 ms) run side by side on
// two goroutines, twice (a sync.WaitGroup region, then an errgroup region);
// each time the two waits overlap and the whole takes about 100 ms, the
// longer wait, not the sum.
//
// Tutorial: "Concurrent – Both at the Same Time". tokio::join! polls both
// futures on one task and returns when both are done. Go has no join!: each
// call gets its own goroutine, and the caller waits for all of them, with a
// sync.WaitGroup or, when the calls can fail, an errgroup.Group.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// fetchUser and fetchOrder stand for network calls: they wait, as a
// goroutine waits for a reply, without using a CPU.
func fetchUser(ctx context.Context, id int) string {
	defer tracer.Region(ctx, "fetchUser").End()
	time.Sleep(100 * time.Millisecond)
	return fmt.Sprintf("User(id=%d)", id)
}

func fetchOrder(ctx context.Context, id int) string {
	defer tracer.Region(ctx, "fetchOrder").End()
	time.Sleep(80 * time.Millisecond)
	return fmt.Sprintf("Order(id=%d)", id)
}

// withWaitGroup starts both fetches, then waits for both: the shape of
// tokio::join! when the calls cannot fail.
func withWaitGroup(ctx context.Context) (user, order string) {
	defer tracer.Region(ctx, "waitgroup").End()
	var wg sync.WaitGroup
	wg.Add(2)
	tracer.Go(ctx, "fetch-user", func(ctx context.Context) {
		defer wg.Done()
		user = fetchUser(ctx, 1)
	})
	tracer.Go(ctx, "fetch-order", func(ctx context.Context) {
		defer wg.Done()
		order = fetchOrder(ctx, 42)
	})
	wg.Wait() // total: about 100 ms, the longer of the two
	return user, order
}

// withErrgroup does the same with an errgroup.Group, which also collects the
// first error (none here: see the errors example) and cancels ctx on it.
func withErrgroup(ctx context.Context) (user, order string, err error) {
	defer tracer.Region(ctx, "errgroup").End()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		tracer.Name(ctx, "fetch-user") // errgroup starts the goroutine: name it from inside
		user = fetchUser(ctx, 1)
		return nil
	})
	g.Go(func() error {
		tracer.Name(ctx, "fetch-order")
		order = fetchOrder(ctx, 42)
		return nil
	})
	err = g.Wait()
	return user, order, err
}

func main() {
	out := flag.String("o", "concurrent.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		user, order := withWaitGroup(ctx)
		fmt.Printf("waitgroup: %s %s in %v\n", user, order, time.Since(start).Round(time.Millisecond))
		start = time.Now()
		user, order, err := withErrgroup(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("errgroup:  %s %s in %v\n", user, order, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
