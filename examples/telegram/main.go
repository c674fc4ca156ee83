// Telegram: eight "sender" goroutines send two messages each, and a
// "config-poller" fetches the configuration every 250 ms, through gotd's
// floodwait.Waiter and ratelimit middlewares, to a simulated Telegram server
// that answers FLOOD_WAIT_1 when messages come too fast. The report shows
// the senders parked on the waiter while its one "floodwait-scheduler"
// goroutine ticks, waits for the rate limiter and makes every server call in
// turn, and the flood-wait pauses during which it holds the messages back
// (1 to 2 s for a FLOOD_WAIT_1).
//
// This is concurrency code nobody here wrote: github.com/gotd/contrib
// v0.25.0, the middlewares of the gotd Telegram client, and bg.Connect,
// which runs the client in the background. The server is ours: a tg.Invoker
// with 20-80 ms of latency that never touches the network.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/gotd/contrib/bg"
	"github.com/gotd/td/tg"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

const (
	senders   = 8
	messages  = 2 // per sender
	pollEvery = 250 * time.Millisecond
)

// result is what a run did.
type result struct {
	Messages int // messages sent
	Polls    int // configurations fetched by the poller
	Errors   []error
	Server   serverStats
	Took     time.Duration
}

// run connects a client to a simulated server with bg.Connect, sends the
// messages and polls the configuration meanwhile, then disconnects.
func run(ctx context.Context) (result, error) {
	var r result
	start := time.Now()
	srv := newServer()
	c := newClient(srv)
	stop, err := bg.Connect(c, bg.WithContext(ctx))
	if err != nil {
		return r, err
	}
	api := tg.NewClient(c)

	var mu sync.Mutex // guards r
	done := func(n *int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			r.Errors = append(r.Errors, err)
			return
		}
		*n++
	}
	var wg sync.WaitGroup
	for i := range senders {
		wg.Add(1)
		tracer.Go(ctx, "sender", func(ctx context.Context) {
			defer wg.Done()
			for j := range messages {
				_, err := api.MessagesSendMessage(ctx, &tg.MessagesSendMessageRequest{
					Peer:     &tg.InputPeerSelf{},
					Message:  fmt.Sprintf("message %d from sender %d", j+1, i+1),
					RandomID: int64(i*messages + j + 1),
				})
				done(&r.Messages, err)
			}
		})
	}
	sent := make(chan struct{})
	var poller sync.WaitGroup
	poller.Add(1)
	tracer.Go(ctx, "config-poller", func(ctx context.Context) {
		defer poller.Done()
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			select {
			case <-sent:
				return
			case <-t.C:
			}
			_, err := api.HelpGetConfig(ctx)
			done(&r.Polls, err)
		}
	})
	wg.Wait()
	close(sent)
	poller.Wait()

	err = stop() // disconnect: cancels Run and waits for it to return
	r.Server = srv.Stats()
	r.Took = time.Since(start)
	return r, err
}

func main() {
	out := flag.String("o", "telegram.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		r, err := run(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("%d messages sent and %d configurations fetched in %v, %d errors\n",
			r.Messages, r.Polls, r.Took.Round(time.Millisecond), len(r.Errors))
		fmt.Printf("server: %d calls, %d answered FLOOD_WAIT_%d\n", r.Server.Calls, r.Server.Floods, floodWait)
		return errors.Join(r.Errors...)
	})
	if err != nil {
		log.Fatal(err)
	}
}
