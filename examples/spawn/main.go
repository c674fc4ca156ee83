// Spawn: three goroutines "task-0", "task-1" and "task-2" each sleep 50 ms at
// the same time; main waits on each one's result channel in turn and gets
// "Task i done" in order, after about 50 ms in all.
//
// Tutorial: "Spawning Tasks with tokio::spawn". tokio::spawn starts a task
// that runs on its own and returns a JoinHandle to await its result. In Go
// the go statement starts the goroutine; the JoinHandle is a channel the
// goroutine sends its one result on. Awaiting the handles in order gives
// the results in order, however the tasks finish.
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

// handle is a spawned task's JoinHandle: the channel its result arrives on.
type handle[T any] <-chan T

// spawn starts fn on a new goroutine called name and returns its handle.
// The channel has room for the result, so the task never waits for the
// caller to collect it (dropping the handle does not block the task).
func spawn[T any](ctx context.Context, name string, fn func(ctx context.Context) T) handle[T] {
	ch := make(chan T, 1)
	tracer.Go(ctx, name, func(ctx context.Context) { ch <- fn(ctx) })
	return ch
}

func spawnTasks(ctx context.Context) []string {
	var handles []handle[string]
	for i := range 3 {
		handles = append(handles, spawn(ctx, fmt.Sprintf("task-%d", i), func(ctx context.Context) string {
			time.Sleep(50 * time.Millisecond)
			return fmt.Sprintf("Task %d done", i)
		}))
	}
	var results []string
	for _, h := range handles {
		results = append(results, <-h) // handle.await
	}
	return results
}

func main() {
	out := flag.String("o", "spawn.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		results := spawnTasks(ctx)
		fmt.Printf("%q in %v\n", results, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
