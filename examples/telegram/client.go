package main

import (
	"context"
	"fmt"
	"runtime/trace"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/gotd/contrib/middleware/floodwait"
	"github.com/gotd/contrib/middleware/ratelimit"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/clock"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"

	"github.com/vizrun/vizrun/tracer"
)

// The client allows itself 10 requests a second, the rate of contrib's own
// example, in bursts of up to 3. That is more than the server tolerates
// (floodLimit a second), so the server answers FLOOD_WAIT now and then.
const (
	clientEvery = 100 * time.Millisecond // a request every 100 ms
	clientBurst = 3
)

// client is to bg.Connect what a telegram.Client is: Run connects, calls f
// while the connection is up, and disconnects when f returns; Invoke sends
// an RPC through the client's middlewares. The middlewares are gotd's, in
// the order of contrib's example (floodwait first, then ratelimit), with
// three of ours around them that mark the waits for the report.
type client struct {
	waiter  *floodwait.Waiter
	invoker tg.Invoker
}

func newClient(srv *server) *client {
	waiter := floodwait.NewWaiter().
		WithClock(namingClock{Clock: clock.System, name: "floodwait-scheduler"}).
		WithCallback(func(ctx context.Context, w floodwait.FloodWait) { callOf(ctx).pause(ctx, w.Duration) })
	limiter := ratelimit.New(rate.Every(clientEvery), clientBurst)
	return &client{
		waiter: waiter,
		invoker: chain(srv,
			telegram.MiddlewareFunc(traceRPC),      // on the caller: a task per RPC, parked until the waiter answers
			waiter,                                 // queues the request; its scheduler goroutine sends it
			telegram.MiddlewareFunc(startRateWait), // on the scheduler: a flood-wait pause ends, a rate-limit wait begins
			limiter,                                // waits for a token
			telegram.MiddlewareFunc(endRateWait),   // the token is there: on to the server
		),
	}
}

// Run runs the waiter's scheduler, connects, and calls f until it returns.
// bg.Connect calls it on a goroutine of its own.
func (c *client) Run(ctx context.Context, f func(ctx context.Context) error) error {
	tracer.Name(ctx, "bg.Connect")
	return c.waiter.Run(ctx, func(ctx context.Context) error {
		tracer.Name(ctx, "client-session")
		// Like telegram.Client, fetch the server's configuration before
		// saying the connection is ready.
		if _, err := tg.NewClient(c).HelpGetConfig(ctx); err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		return f(ctx)
	})
}

// Invoke sends an RPC through the middlewares.
func (c *client) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	return c.invoker.Invoke(ctx, input, output)
}

// chain wraps invoker in middlewares, the first one outermost, as
// telegram.Options.Middlewares does.
func chain(invoker tg.Invoker, mws ...telegram.Middleware) tg.Invoker {
	for i := len(mws) - 1; i >= 0; i-- {
		invoker = mws[i].Handle(invoker)
	}
	return invoker
}

// namingClock is the system clock, except that the goroutine that asks it
// for a ticker gets a name. Waiter.Run starts its scheduler goroutine
// itself, and a ticker is the first thing that goroutine makes.
type namingClock struct {
	clock.Clock
	name string
}

func (c namingClock) Ticker(d time.Duration) clock.Ticker {
	tracer.Name(context.Background(), c.name)
	return c.Clock.Ticker(d)
}

// call is one RPC on its way through the middlewares.
type call struct {
	method string
	mu     sync.Mutex
	paused *trace.Task // the flood-wait pause in progress
	wait   *trace.Region
}

type callKey struct{}

func callOf(ctx context.Context) *call {
	if c, ok := ctx.Value(callKey{}).(*call); ok {
		return c
	}
	return &call{method: "?"}
}

// pause starts a flood-wait pause: the server said to wait d before
// retrying. It is a task of its own (a pause has no goroutine: the request
// waits in the waiter's queue), ended when the waiter sends the request
// again.
func (c *call) pause(ctx context.Context, d time.Duration) {
	tracer.Log(ctx, "flood-wait", fmt.Sprintf("%s: FLOOD_WAIT, the server asks to wait %v", c.method, d))
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused == nil {
		_, c.paused = tracer.Task(ctx, "flood-wait")
	}
}

func (c *call) endPause() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused != nil {
		c.paused.End()
		c.paused = nil
	}
}

// traceRPC makes every RPC a task named after its method, and marks the
// caller's wait for the waiter's answer as the region "parked on waiter".
func traceRPC(next tg.Invoker) telegram.InvokeFunc {
	return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
		c := &call{method: methodName(input)}
		ctx, task := tracer.Task(ctx, c.method)
		defer task.End()
		ctx = context.WithValue(ctx, callKey{}, c)
		parked := tracer.Region(ctx, "parked on waiter")
		err := next.Invoke(ctx, input, output)
		parked.End()
		c.endPause() // the waiter gave up on a retry
		result := "ok"
		if err != nil {
			result = err.Error()
		}
		tracer.Log(ctx, "rpc", c.method+": "+result)
		return err
	}
}

// startRateWait runs when the waiter's scheduler sends a request: a
// flood-wait pause is over, and the wait for the rate limiter begins.
func startRateWait(next tg.Invoker) telegram.InvokeFunc {
	return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
		c := callOf(ctx)
		c.endPause()
		c.wait = tracer.Region(ctx, "rate-limit wait")
		err := next.Invoke(ctx, input, output)
		c.endWait() // the limiter gave up
		return err
	}
}

// endRateWait runs once the rate limiter let the request through.
func endRateWait(next tg.Invoker) telegram.InvokeFunc {
	return func(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
		callOf(ctx).endWait()
		return next.Invoke(ctx, input, output)
	}
}

// endWait ends the rate-limit wait; both ends run on the scheduler
// goroutine, one attempt at a time.
func (c *call) endWait() {
	if c.wait != nil {
		c.wait.End()
		c.wait = nil
	}
}

// methodName is the TL name of a request, "messages.sendMessage".
func methodName(input bin.Encoder) string {
	if t, ok := input.(interface{ TypeName() string }); ok {
		return t.TypeName()
	}
	return fmt.Sprintf("%T", input)
}
