// Greet: one goroutine is created, runs greet and hands its result back
// through a channel; the timeline shows main waiting on chan receive until
// the "greeter" goroutine has run.
//
// Tutorial: "Your First Async Function". In Rust, greet("Alex") makes a
// future that runs only when awaited. In Go there is no future: a function
// runs when called. The Go shape of "start work, get its result later" is a
// goroutine plus a channel: the go statement starts the work, and the
// receive is the .await.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

func greet(name string) string { return fmt.Sprintf("Hello, %s!", name) }

// greetAsync starts greet on its own goroutine and returns the channel its
// result will arrive on: the closest Go gets to a future.
func greetAsync(ctx context.Context, name string) <-chan string {
	result := make(chan string, 1)
	tracer.Go(ctx, "greeter", func(ctx context.Context) {
		defer tracer.Region(ctx, "greet").End()
		time.Sleep(20 * time.Millisecond) // pretend greeting takes a while, so the wait shows
		result <- greet(name)
	})
	return result
}

func run(ctx context.Context) string {
	future := greetAsync(ctx, "Alex")
	return <-future // the ".await": main blocks on chan receive until greeter sends
}

func main() {
	out := flag.String("o", "greet.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		fmt.Println(run(ctx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
