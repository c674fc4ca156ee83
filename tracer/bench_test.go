package tracer_test

import (
	"context"
	"io"
	rtrace "runtime/trace"
	"sync"
	"testing"

	"github.com/vizrun/vizrun/tracer"
)

// The annotations' cost with tracing off (the production case) and on.
// Compare: go test -bench . -run ^$ ./tracer

func tracing(b *testing.B, on bool) {
	b.Helper()
	if !on {
		return
	}
	if err := rtrace.Start(io.Discard); err != nil {
		b.Skip("tracer busy:", err)
	}
	b.Cleanup(rtrace.Stop)
}

func benchBoth(b *testing.B, fn func(b *testing.B)) {
	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			tracing(b, on)
			fn(b)
		})
	}
}

func BenchmarkSyncMutex(b *testing.B) {
	var mu sync.Mutex
	for b.Loop() {
		mu.Lock()
		mu.Unlock()
	}
}

func BenchmarkMutex(b *testing.B) {
	benchBoth(b, func(b *testing.B) {
		mu := tracer.NewMutex("bench")
		for b.Loop() {
			mu.Lock()
			mu.Unlock()
		}
	})
}

func BenchmarkRWMutexRead(b *testing.B) {
	benchBoth(b, func(b *testing.B) {
		rw := tracer.NewRWMutex("bench")
		for b.Loop() {
			rw.RLock()
			rw.RUnlock()
		}
	})
}

func BenchmarkGoStatement(b *testing.B) {
	var wg sync.WaitGroup
	for b.Loop() {
		wg.Add(1)
		go func() { wg.Done() }()
		wg.Wait()
	}
}

func BenchmarkGo(b *testing.B) {
	benchBoth(b, func(b *testing.B) {
		var wg sync.WaitGroup
		ctx := context.Background()
		for b.Loop() {
			wg.Add(1)
			tracer.Go(ctx, "bench", func(context.Context) { wg.Done() })
			wg.Wait()
		}
	})
}

func BenchmarkRegion(b *testing.B) {
	benchBoth(b, func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			tracer.Region(ctx, "bench").End()
		}
	})
}

func BenchmarkSendRecvBuffered(b *testing.B) {
	benchBoth(b, func(b *testing.B) {
		ctx := context.Background()
		ch := make(chan int, 1)
		for b.Loop() {
			tracer.Send(ctx, "bench", ch, 1)
			tracer.Recv(ctx, "bench", ch)
		}
	})
}
