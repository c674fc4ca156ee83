// Forgot await: forgetWait returns before its three "worker" goroutines have
// their results (their fetches end after its region), and three "sender"
// goroutines whose results nobody receives stay blocked on chan send: the
// report lists them as leaks.
//
// Tutorial: "Mistake 2: Forgetting to .await". In Rust a future that is
// never awaited never runs, and the compiler warns. In Go the work always
// runs, since a goroutine starts at once, and nothing warns when its result
// is not waited for. Two mistakes follow: forgetting wg.Wait (the results
// are not there yet when they are read), and never receiving from a result
// channel (each sender blocks forever on its send: a goroutine leak).
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
	workers = 3
	work    = 50 * time.Millisecond
)

func fetchUser(ctx context.Context, id int) string {
	defer tracer.Region(ctx, "fetchUser").End()
	time.Sleep(work)
	return fmt.Sprintf("User(id=%d)", id)
}

// results collects the workers' results.
type results struct {
	mu   sync.Mutex
	list []string
	wg   sync.WaitGroup
}

func (r *results) add(s string) {
	r.mu.Lock()
	r.list = append(r.list, s)
	r.mu.Unlock()
}

func (r *results) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.list...)
}

// start runs fetchUser on a worker goroutine per id.
func (r *results) start(ctx context.Context) {
	for id := range workers {
		r.wg.Add(1)
		tracer.Go(ctx, "worker", func(ctx context.Context) {
			defer r.wg.Done()
			r.add(fetchUser(ctx, id))
		})
	}
}

// forgetWait starts the workers and reads their results without waiting
// for them: the mistake. It returns what it read, and the results so that
// the caller can see the rest arrive later.
func forgetWait(ctx context.Context) ([]string, *results) {
	defer tracer.Region(ctx, "forgot-wait").End()
	r := new(results)
	r.start(ctx)
	// BUG: r.wg.Wait() is missing here.
	return r.snapshot(), r
}

// withWait is the same, done right.
func withWait(ctx context.Context) []string {
	defer tracer.Region(ctx, "with-wait").End()
	r := new(results)
	r.start(ctx)
	r.wg.Wait()
	return r.snapshot()
}

// neverRead starts a sender per id, each sending its result on an
// unbuffered channel that the caller never receives from: the mistake.
// Each sender blocks on its send forever. It returns the channel only so
// that a test can release the senders afterwards.
func neverRead(ctx context.Context) <-chan string {
	defer tracer.Region(ctx, "never-read").End()
	out := make(chan string)
	var started sync.WaitGroup
	for id := range workers {
		started.Add(1)
		tracer.Go(ctx, "sender", func(ctx context.Context) {
			user := fetchUser(ctx, id)
			started.Done()
			out <- user // blocks forever: nobody receives
		})
	}
	// BUG: the results are never received. (Waiting here only lets the
	// senders reach their send before the trace ends.)
	started.Wait()
	time.Sleep(10 * time.Millisecond)
	return out
}

func main() {
	out := flag.String("o", "forgot-await.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		got, late := forgetWait(ctx)
		fmt.Printf("forgot wg.Wait: %d of %d results: %q\n", len(got), workers, got)
		fmt.Printf("with wg.Wait:   %q\n", withWait(ctx))
		late.wg.Wait() // the forgotten workers did finish, too late
		fmt.Printf("the forgotten results, arrived later: %q\n", late.snapshot())
		neverRead(ctx)
		fmt.Printf("%d senders are blocked forever on chan send\n", workers)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
