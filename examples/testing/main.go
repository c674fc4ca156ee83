// Testing: the tests of greet, fetchData and sharedCounter run with go test
// as usual, and one of them also records a trace of sharedCounter's five
// "incrementer" goroutines to check that they ran at the same time; under
// vizrun test, the report shows the goroutines of all the tests.
//
// Tutorial: "Testing Async Code". #[tokio::test] gives each async test a
// runtime to run on. Go needs nothing of the kind: a test calls the
// function, goroutines and all, and waits for it like any caller. What
// vizrun adds is seeing those goroutines: tracetest.Record (or report.Run)
// inside a test, or vizrun test for a report of a whole test run.
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

func greet(name string) string {
	return fmt.Sprintf("Hello, %s!", name)
}

// fetchData stands for an HTTP GET that takes 10 ms.
func fetchData(ctx context.Context, url string) (string, error) {
	if url == "" {
		return "", errors.New("URL cannot be empty")
	}
	time.Sleep(10 * time.Millisecond)
	return "Data from " + url, nil
}

// sharedCounter has five goroutines each fetch something (10 ms, all at
// once) and then count it under the "counter" mutex.
func sharedCounter(ctx context.Context) int {
	defer tracer.Region(ctx, "sharedCounter").End()
	mu := tracer.NewMutex("counter")
	n := 0
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		tracer.Go(ctx, "incrementer", func(ctx context.Context) {
			defer wg.Done()
			fetchData(ctx, "https://example.com")
			mu.Lock()
			n++
			mu.Unlock()
		})
	}
	wg.Wait()
	return n
}

func main() {
	out := flag.String("o", "testing.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		fmt.Println(greet("Sam"))
		if _, err := fetchData(ctx, ""); err != nil {
			fmt.Println("Error:", err)
		}
		fmt.Println("counter:", sharedCounter(ctx))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
