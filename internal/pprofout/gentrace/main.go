// Command gentrace writes the trace the pprof export and the fleet
// commands are tested on, testdata/go1.26-pprof.trace: every kind of wait
// a profile tells apart, on named locks and channels, in tasks and
// regions, and a goroutine leaked early (blocked for most of the trace).
//
//	go run ./internal/pprofout/gentrace -o internal/pprofout/testdata/go1.26-pprof.trace
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/vizrun/vizrun/internal/workload"
	"github.com/vizrun/vizrun/tracer"
)

func main() {
	out := flag.String("o", "", "write the trace to `file`")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gentrace -o FILE")
		os.Exit(2)
	}
	data, err := workload.Capture(func() { run(context.Background()) })
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentrace:", err)
		os.Exit(1)
	}
}

var sink [][]byte

func run(ctx context.Context) {
	leak := make(chan int)
	tracer.Go(ctx, "stuck-sender", func(ctx context.Context) {
		leak <- 1 // leak: nobody ever receives
	})
	var wg sync.WaitGroup
	spawn := func(name string, fn func(ctx context.Context)) {
		wg.Add(1)
		tracer.Go(ctx, name, func(ctx context.Context) { defer wg.Done(); fn(ctx) })
	}

	// A named mutex, contended inside the tasks of a batch.
	counter := tracer.NewMutex("counter")
	n := 0
	for i := range 4 {
		spawn("incrementer", func(ctx context.Context) {
			ctx, task := tracer.Task(ctx, "batch")
			defer task.End()
			for range 3 {
				r := tracer.Region(ctx, "increment")
				counter.Lock()
				n += i
				time.Sleep(4 * time.Millisecond)
				counter.Unlock()
				r.End()
			}
		})
	}
	wg.Wait()

	// A named RWMutex: readers wait for a writer.
	cache := tracer.NewRWMutex("cache")
	cache.Lock()
	for range 2 {
		spawn("reader", func(ctx context.Context) { cache.RLock(); cache.RUnlock() })
	}
	time.Sleep(10 * time.Millisecond)
	cache.Unlock()
	wg.Wait()

	// A named channel between a slow producer and a consumer, in a task.
	orders := make(chan int)
	tctx, task := tracer.Task(ctx, "orders")
	spawn("producer", func(ctx context.Context) {
		for i := range 5 {
			time.Sleep(3 * time.Millisecond)
			tracer.Send(tctx, "orders", orders, i)
		}
		close(orders)
	})
	spawn("consumer", func(ctx context.Context) {
		defer tracer.Region(tctx, "consume").End()
		for {
			if _, err := tracer.Recv(tctx, "orders", orders); err != nil {
				return
			}
		}
	})
	wg.Wait()
	task.End()

	// A condition variable, a WaitGroup, a select on a timer.
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	ready := false
	spawn("cond-waiter", func(ctx context.Context) {
		mu.Lock()
		for !ready {
			cond.Wait()
		}
		mu.Unlock()
	})
	var inner sync.WaitGroup
	inner.Add(1)
	spawn("wg-waiter", func(ctx context.Context) { inner.Wait() })
	spawn("selector", func(ctx context.Context) {
		select {
		case <-ctx.Done():
		case <-time.After(8 * time.Millisecond):
		}
	})
	time.Sleep(10 * time.Millisecond)
	mu.Lock()
	ready = true
	cond.Broadcast()
	mu.Unlock()
	inner.Done()
	wg.Wait()

	// The network: a loopback echo, the client pausing between requests.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err == nil {
		spawn("echo-server", func(ctx context.Context) {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			io.Copy(c, c)
		})
		spawn("echo-client", func(ctx context.Context) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			buf := make([]byte, 4)
			for range 4 {
				time.Sleep(3 * time.Millisecond)
				c.Write([]byte("ping"))
				io.ReadFull(c, buf)
			}
			c.Close()
		})
		wg.Wait()
		ln.Close()
	}

	// System calls that block: nanosleep, 5 ms each.
	spawn("syscaller", func(ctx context.Context) {
		for range 3 {
			t := syscall.NsecToTimespec(int64(5 * time.Millisecond))
			syscall.Nanosleep(&t, nil)
		}
	})
	wg.Wait()

	// Garbage: allocating goroutines assist the GC.
	for range 2 {
		spawn("allocator", func(ctx context.Context) {
			var keep [][]byte
			for i := range 20000 {
				keep = append(keep, make([]byte, 512))
				if i%5000 == 0 {
					keep = nil
				}
			}
			sink = keep
		})
	}
	wg.Wait()
	runtime.GC()

	// More goroutines than Ps: they wait for one (scheduler latency).
	for range runtime.GOMAXPROCS(0) + 2 {
		spawn("spinner", func(ctx context.Context) { workload.Spin(15 * time.Millisecond) })
	}
	wg.Wait()
	time.Sleep(5 * time.Millisecond)
	_ = n
}
