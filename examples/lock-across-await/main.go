// Lock across await: holding the mutex "held-across-call" during a 25 ms
// call makes five "worker" goroutines queue for it (125 ms in all); locking
// only around the data, or asking the "state-owner" goroutine over the
// "requests" channel, lets the calls overlap (about 25 ms).
//
// Tutorial: "tokio::sync::Mutex vs std::sync::Mutex". Holding a std Mutex
// across an .await blocks a Tokio worker thread, so Tokio has an async
// Mutex that can be held across .await. Go has one kind of mutex, and
// holding it across a slow call is allowed: only the goroutines that want
// the lock wait, not a thread. But they do wait, one after the other. The
// fix is the same as Tokio's advice: lock briefly around the data, not
// around the call, or give the state to one goroutine and send it requests.
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
	workers = 5
	slow    = 25 * time.Millisecond
)

// state is what the workers share: a token to make calls with, and a count
// of calls made.
type state struct {
	token string
	calls int
}

// slowCall stands for a network call made with the token.
func slowCall(ctx context.Context, token string) {
	defer tracer.Region(ctx, "slowCall").End()
	time.Sleep(slow)
}

// phase starts the workers together, runs work on each and waits for all.
func phase(ctx context.Context, name string, work func(ctx context.Context)) time.Duration {
	defer tracer.Region(ctx, name).End()
	start := time.Now()
	release := make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		tracer.Go(ctx, "worker", func(ctx context.Context) {
			defer wg.Done()
			<-release
			work(ctx)
		})
	}
	close(release)
	wg.Wait()
	return time.Since(start)
}

// heldAcrossCall keeps the lock for the whole call: a convoy.
func heldAcrossCall(ctx context.Context) (time.Duration, int) {
	s := &state{token: "secret"}
	mu := tracer.NewMutex("held-across-call")
	took := phase(ctx, "held-across-call", func(ctx context.Context) {
		mu.Lock()
		defer mu.Unlock()
		slowCall(ctx, s.token) // everyone else waits for this call
		s.calls++
	})
	return took, s.calls
}

// shortLock copies what it needs, unlocks, calls, then locks again to
// update: the calls overlap.
func shortLock(ctx context.Context) (time.Duration, int) {
	s := &state{token: "secret"}
	mu := tracer.NewMutex("short-lock")
	took := phase(ctx, "short-lock", func(ctx context.Context) {
		mu.Lock()
		token := s.token
		mu.Unlock()
		slowCall(ctx, token) // no lock held
		mu.Lock()
		s.calls++
		mu.Unlock()
	})
	return took, s.calls
}

// request asks the state's owner for the token (done == false) or reports
// a call made (done == true); the owner answers on reply.
type request struct {
	done  bool
	reply chan string
}

// channelOwned gives the state to one goroutine, which serves requests one
// at a time; nobody else touches it, so no lock is needed.
func channelOwned(ctx context.Context) (time.Duration, int) {
	requests := make(chan request)
	calls := make(chan int)
	tracer.Go(ctx, "state-owner", func(ctx context.Context) {
		s := state{token: "secret"}
		for {
			r, err := tracer.Recv(ctx, "requests", requests)
			if err != nil { // requests closed: the work is done

				calls <- s.calls
				return
			}
			if r.done {
				s.calls++
			}
			r.reply <- s.token
		}
	})
	took := phase(ctx, "channel-owned", func(ctx context.Context) {
		reply := make(chan string, 1)
		tracer.Send(ctx, "requests", requests, request{reply: reply})
		token := <-reply
		slowCall(ctx, token)
		tracer.Send(ctx, "requests", requests, request{done: true, reply: reply})
		<-reply
	})
	close(requests)
	return took, <-calls
}

func main() {
	out := flag.String("o", "lock-across-await.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		for _, p := range []struct {
			name string
			run  func(context.Context) (time.Duration, int)
		}{{"held across the call", heldAcrossCall}, {"short lock", shortLock}, {"channel-owned state", channelOwned}} {
			took, calls := p.run(ctx)
			fmt.Printf("%-20s %d calls of %v in %v\n", p.name+":", calls, slow, took.Round(time.Millisecond))
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
