// Capture: each "loop-i" goroutine logs its own i, the "greeter" logs the
// name it got by value although the caller then changed its variable, and
// the "consumer" logs the order handed over to it on the "orders" channel.
//
// Tutorial: "The 'static Requirement". tokio::spawn needs a 'static future:
// it may outlive the function that spawned it, so it must own its data
// (async move). A Go goroutine may capture local variables freely: the
// garbage collector keeps them alive as long as anything refers to them.
// What Go does not stop is sharing: a captured variable is the same
// variable on both sides, and using it from both is a data race. So Go
// code "moves" a value by copying it in (a parameter) or by handing it over
// on a channel and not touching it again.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"
	"sync"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// perIteration starts one goroutine per loop iteration. Since Go 1.22 each
// iteration has its own i, so each goroutine sees its own value; before,
// all of them shared one i and mostly saw its last value.
func perIteration(ctx context.Context, n int) []int {
	defer tracer.Region(ctx, "loop-variables").End()
	seen := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		tracer.Go(ctx, fmt.Sprintf("loop-%d", i), func(ctx context.Context) {
			defer wg.Done()
			tracer.Log(ctx, "captured", fmt.Sprintf("i=%d", i))
			seen[i] = i // each goroutine writes its own element: no sharing
		})
	}
	wg.Wait()
	return seen
}

// greetLater is spawn(async move { ... name ... }): name is a parameter, so
// the goroutine has its own copy of the string, whatever the caller does
// with its variable afterwards.
func greetLater(ctx context.Context, name string) <-chan string {
	out := make(chan string, 1)
	tracer.Go(ctx, "greeter", func(ctx context.Context) {
		time.Sleep(10 * time.Millisecond) // the caller has moved on meanwhile
		msg := "Hello, " + name + "!"
		tracer.Log(ctx, "captured", msg)
		out <- msg
	})
	return out
}

// moveByValue returns the greeting and what the caller's variable holds by
// then.
func moveByValue(ctx context.Context) (greeting, callerName string) {
	defer tracer.Region(ctx, "move-by-value").End()
	name := "Alex"
	later := greetLater(ctx, name) // a copy of name goes into the goroutine
	name = "Sam"                   // changes the caller's variable only
	return <-later, name
}

// Order is a value with a slice inside: copying it would share the slice, so
// it is handed over instead.
type Order struct {
	ID    int
	Items []string
}

// handOver sends an order to a consumer over the "orders" channel. After the
// send, only the consumer uses it: ownership moved with the value.
func handOver(ctx context.Context) string {
	defer tracer.Region(ctx, "hand-over").End()
	orders := make(chan *Order)
	done := make(chan string)
	tracer.Go(ctx, "consumer", func(ctx context.Context) {
		o, _ := tracer.Recv(ctx, "orders", orders)
		o.Items = append(o.Items, "gift wrap") // the consumer owns it now
		msg := fmt.Sprintf("order %d: %s", o.ID, strings.Join(o.Items, ", "))
		tracer.Log(ctx, "captured", msg)
		done <- msg
	})
	o := &Order{ID: 7, Items: []string{"book", "pen"}}
	time.Sleep(10 * time.Millisecond) // preparing the order: the consumer waits for it
	tracer.Send(ctx, "orders", orders, o)
	// From here on the order is the consumer's: this goroutine does not
	// touch o again.
	return <-done
}

func main() {
	out := flag.String("o", "capture.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		fmt.Println("each goroutine saw:", perIteration(ctx, 5))
		greeting, name := moveByValue(ctx)
		fmt.Printf("%s (the caller's variable now holds %q)\n", greeting, name)
		fmt.Println(handOver(ctx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
