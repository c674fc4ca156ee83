package tracer_test

import (
	"context"
	"io"
	rtrace "runtime/trace"
	"sync"
	"testing"

	"github.com/vizrun/vizrun/tracer"
)

// The cost of the tracer's annotations on workloads shaped like the
// examples' (goroutines that each do some work, share a lock, pass results
// on channels), with the execution tracer on in both cases: the plain
// version uses go, sync.Mutex and channel operations; the annotated one
// tracer.Go, tracer.NewMutex, tracer.Send/Recv and a region per item.
// Compare plain and annotated:
//
//	go test -run ^$ -bench Overhead -count 5 ./tracer | benchstat -col /annotations -

// work stands for what a goroutine of an example does between two
// synchronisations: some computation (about 20 µs).
func work(n int) uint64 {
	x := uint64(n)
	for range 20000 {
		x = x*6364136223846793005 + 1442695040888963407
	}
	return x
}

type kit struct {
	goFn   func(ctx context.Context, name string, fn func(ctx context.Context))
	lock   func() (lock, unlock func())
	send   func(ctx context.Context, ch chan int, v int)
	recv   func(ctx context.Context, ch chan int) (int, bool)
	region func(ctx context.Context) func()
}

var plain = kit{
	goFn: func(ctx context.Context, _ string, fn func(ctx context.Context)) { go fn(ctx) },
	lock: func() (func(), func()) {
		var mu sync.Mutex
		return mu.Lock, mu.Unlock
	},
	send:   func(_ context.Context, ch chan int, v int) { ch <- v },
	recv:   func(_ context.Context, ch chan int) (int, bool) { v, ok := <-ch; return v, ok },
	region: func(context.Context) func() { return func() {} },
}

var annotated = kit{
	goFn: tracer.Go,
	lock: func() (func(), func()) {
		mu := tracer.NewMutex("shared")
		return mu.Lock, mu.Unlock
	},
	send: func(ctx context.Context, ch chan int, v int) { tracer.Send(ctx, "items", ch, v) },
	recv: func(ctx context.Context, ch chan int) (int, bool) {
		v, err := tracer.Recv(ctx, "items", ch)
		return v, err == nil
	},
	region: func(ctx context.Context) func() { return tracer.Region(ctx, "item").End },
}

// workload: 4 workers take 64 items from a channel, work on each inside a
// region, and add the result to a shared total under a lock.
func workload(k kit) {
	ctx := context.Background()
	items := make(chan int)
	lock, unlock := k.lock()
	var total uint64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		k.goFn(ctx, "worker", func(ctx context.Context) {
			defer wg.Done()
			for {
				v, ok := k.recv(ctx, items)
				if !ok {
					return
				}
				end := k.region(ctx)
				r := work(v)
				lock()
				total += r
				unlock()
				end()
			}
		})
	}
	for i := range 64 {
		k.send(ctx, items, i)
	}
	close(items)
	wg.Wait()
}

func BenchmarkOverhead(b *testing.B) {
	if err := rtrace.Start(io.Discard); err != nil {
		b.Skip("the execution tracer is in use:", err)
	}
	defer rtrace.Stop()
	for _, c := range []struct {
		name string
		k    kit
	}{{"annotations=off", plain}, {"annotations=on", annotated}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				workload(c.k)
			}
		})
	}
}
