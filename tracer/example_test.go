package tracer_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/vizrun/vizrun/tracer"
)

// tempDir is where the examples write their files.
func tempDir() string {
	dir, err := os.MkdirTemp("", "vizrun-example")
	if err != nil {
		log.Fatal(err)
	}
	return dir
}

// Record a trace of the whole program; vizrun report or go tool trace
// reads it. (tracer/report writes the HTML report directly.)
func Example() {
	dir := tempDir()
	defer os.RemoveAll(dir)

	s, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(dir, "run.trace")})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			log.Print(err)
		}
	}()

	// ... the program ...
	done := make(chan struct{})
	tracer.Go(context.Background(), "worker", func(ctx context.Context) { close(done) })
	<-done
	fmt.Println("worked")
	// Output: worked
}

func ExampleStart() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "run.trace")

	s, err := tracer.Start(tracer.Config{TraceFile: path})
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		log.Fatal(err)
	}
	_, err = os.Stat(path)
	fmt.Println("trace written:", err == nil)
	// Output: trace written: true
}

// Stop of a Session that Start did not return is refused, and stops
// nothing.
func ExampleSession_Stop() {
	var zero tracer.Session
	err := zero.Stop()
	fmt.Println(errors.Is(err, tracer.ErrNotStarted))
	// Output: true
}

func ExampleGo() {
	ctx := context.Background()
	done := make(chan string)
	tracer.Go(ctx, "greeter", func(ctx context.Context) { done <- "hello" })
	fmt.Println(<-done)
	// Output: hello
}

func ExampleName() {
	done := make(chan struct{})
	go func() { // started elsewhere, say by a worker pool
		tracer.Name(context.Background(), "pool-worker")
		close(done)
	}()
	<-done
	fmt.Println("named")
	// Output: named
}

func ExampleRegion() {
	ctx := context.Background()
	parse := func() int {
		defer tracer.Region(ctx, "parse").End()
		return len("some input")
	}
	fmt.Println(parse())
	// Output: 10
}

func ExampleTask() {
	ctx, task := tracer.Task(context.Background(), "request")
	defer task.End()
	tracer.Log(ctx, "user", "42") // belongs to the task
	fmt.Println("served")
	// Output: served
}

func ExampleLog() {
	tracer.Log(context.Background(), "cache", "miss")
	fmt.Println("logged")
	// Output: logged
}

func ExampleNewMutex() {
	mu := tracer.NewMutex("counter")
	counter := 0
	done := make(chan struct{})
	for range 4 {
		tracer.Go(context.Background(), "incrementer", func(ctx context.Context) {
			mu.Lock()
			counter++
			mu.Unlock()
			done <- struct{}{}
		})
	}
	for range 4 {
		<-done
	}
	fmt.Println(counter)
	// Output: 4
}

func ExampleNewRWMutex() {
	rw := tracer.NewRWMutex("cache")
	cache := map[string]string{}
	rw.Lock()
	cache["k"] = "v"
	rw.Unlock()
	rw.RLock()
	fmt.Println(cache["k"])
	rw.RUnlock()
	// Output: v
}

// Send and Recv fail alike: ctx.Err() when ctx ends first, ErrClosed for
// a closed channel.
func ExampleSend() {
	ctx := context.Background()
	orders := make(chan string)
	served := make(chan struct{})
	tracer.Go(ctx, "kitchen", func(ctx context.Context) {
		defer close(served)
		for {
			order, err := tracer.Recv(ctx, "orders", orders)
			if err != nil {
				fmt.Println("kitchen:", err)
				return
			}
			fmt.Println("cooking", order)
		}
	})
	if err := tracer.Send(ctx, "orders", orders, "soup"); err != nil {
		log.Fatal(err)
	}
	close(orders)
	<-served
	if err := tracer.Send(ctx, "orders", orders, "tea"); errors.Is(err, tracer.ErrClosed) {
		fmt.Println("no more orders:", err)
	}
	// Output:
	// cooking soup
	// kitchen: vizrun tracer: the channel is closed
	// no more orders: vizrun tracer: the channel is closed
}

func ExampleRecv() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	never := make(chan int)
	_, err := tracer.Recv(ctx, "never", never)
	fmt.Println(err)
	// Output: context deadline exceeded
}

func ExampleNewFlightRecorder() {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: 5 * time.Second})
	if err := fr.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := fr.Stop(); err != nil {
			log.Print(err)
		}
	}()
	fmt.Println("recording:", fr.Enabled())
	// Output: recording: true
}

// When something goes wrong, keep the last seconds.
func ExampleFlightRecorder_WriteTo() {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{})
	if err := fr.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := fr.Stop(); err != nil {
			log.Print(err)
		}
	}()
	// ... the program runs; something is slow ...
	f, err := os.CreateTemp("", "incident-*.trace")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	n, err := fr.WriteTo(f)
	if err := errors.Join(err, f.Close()); err != nil {
		log.Fatal(err)
	}
	fmt.Println("snapshot written:", n > 0)
	// Output: snapshot written: true
}

// Under go test -trace the execution tracer is taken: the session records
// with a flight recorder, and Mode says so.
func ExampleSession_Mode() {
	dir := tempDir()
	defer os.RemoveAll(dir)
	s, err := tracer.Start(tracer.Config{TraceFile: filepath.Join(dir, "run.trace"), FallbackWindow: 30 * time.Second})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			log.Print(err)
		}
	}()
	if s.Mode() == tracer.ModeFlight {
		log.Print("the tracer is in use elsewhere: the trace keeps the last ", s.Window())
	}
	fmt.Println("recording")
	// Output: recording
}

func ExampleMutex_TryLock() {
	mu := tracer.NewMutex("once")
	fmt.Println(mu.TryLock(), mu.TryLock())
	mu.Unlock()
	// Output: true false
}

func ExampleFlightRecorder_Config() {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{})
	cfg := fr.Config() // the defaults, filled in
	fmt.Println(cfg.MinAge, cfg.MaxBytes>>20, "MiB", cfg.Title)
	// Output: 10s 64 MiB vizrun flight recording
}
