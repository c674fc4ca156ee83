// Counter: five "incrementer" goroutines add 1 to a counter guarded by the
// mutex "counter", each holding it for 10 ms; the report lists the mutex by
// name with the waits it caused and who held it meanwhile, and the result
// is 5.
//
// Tutorial: "Shared State in Async Code". Arc<Mutex<u32>> shares a counter
// between tasks: the Arc keeps it alive, the Mutex serialises access. In Go
// the garbage collector does the Arc's job: the goroutines just refer to
// the same counter. A mutex still guards it (tracer.NewMutex, a sync.Mutex
// with a name for the report).
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

// hold is how long each goroutine keeps the lock: long enough that the
// others have to wait for it, so that the waits show in the report.
const hold = 10 * time.Millisecond

type counter struct {
	mu *tracer.Mutex
	n  int
}

func (c *counter) increment() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	time.Sleep(hold) // stands for slow work done under the lock
}

func (c *counter) value() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// sharedCounter starts five goroutines that each increment the counter
// once; they are released together, so they all want the lock at once.
func sharedCounter(ctx context.Context) int {
	c := &counter{mu: tracer.NewMutex("counter")}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range 5 {
		wg.Add(1)
		tracer.Go(ctx, "incrementer", func(ctx context.Context) {
			defer wg.Done()
			<-start
			c.increment()
		})
	}
	close(start)
	wg.Wait()
	return c.value()
}

func main() {
	out := flag.String("o", "counter.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		n := sharedCounter(ctx)
		fmt.Printf("counter = %d after %v\n", n, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
