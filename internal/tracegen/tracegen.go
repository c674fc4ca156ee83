// Package tracegen records realistic execution traces of a requested size
// for benchmarks: workers serving requests (tasks with regions and logs)
// that ping-pong on channels, contend on a mutex, wait in selects with
// timeouts, sleep and compute, beside a producer/consumer pipeline.
//
// Tracing is process-wide, so Generate is meant for a process of its own:
//
//	go run ./internal/tracegen/cmd/tracegen -size 100MB -o big.trace
package tracegen

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"os"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Options shape the workload.
type Options struct {
	Size    int64 // stop once the trace holds this many bytes
	Workers int   // request-serving goroutines (default 64)
}

// countingWriter counts what the tracer wrote.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// Generate traces the workload into w until it has written opt.Size bytes.
func Generate(w io.Writer, opt Options) error {
	if opt.Workers <= 0 {
		opt.Workers = 64
	}
	cw := &countingWriter{w: w}
	if err := trace.Start(cw); err != nil {
		return err
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	ctx := context.Background()
	var mu sync.Mutex
	shared := map[int]int{}
	pipe := make(chan []byte, 8)

	// The pipeline: one producer, four consumers.
	wg.Add(1)
	go func() {
		defer wg.Done()
		trace.Log(ctx, "vizrun.name", "producer")
		buf := make([]byte, 256)
		for i := 0; ; i++ {
			select {
			case <-stop:
				close(pipe)
				return
			case pipe <- buf[:i%256]:
			}
		}
	}()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			trace.Log(ctx, "vizrun.name", "consumer")
			h := fnv.New64a()
			for b := range pipe {
				h.Write(b)
			}
		}()
	}
	// Workers serve requests in pairs that ping-pong.
	for i := range opt.Workers {
		partner := make(chan int)
		wg.Add(2)
		serve := func(name string, id int, in <-chan int, out chan<- int, lead bool) {
			defer wg.Done()
			trace.Log(ctx, "vizrun.name", name)
			timer := time.NewTimer(time.Hour)
			for n := 0; ; n++ {
				select {
				case <-stop:
					if lead {
						close(out)
					}
					return
				default:
				}
				rctx, task := trace.NewTask(ctx, "request")
				trace.Logf(rctx, "request", "id=%d", n)
				r := trace.StartRegion(rctx, "handle")
				// Ping-pong with the partner.
				if lead {
					select {
					case out <- n:
					case <-stop:
					}
				} else {
					if _, ok := <-in; !ok {
						r.End()
						task.End()
						return
					}
				}
				// Shared state under a lock.
				mu.Lock()
				shared[id] += n
				mu.Unlock()
				// A select with a timeout.
				timer.Reset(time.Duration(50+id%50) * time.Microsecond)
				select {
				case <-timer.C:
				case <-stop:
				}
				// Some work, and now and then a nap.
				x := uint64(n)
				for k := 0; k < 2000+id*10; k++ {
					x = x*6364136223846793005 + 1
				}
				if n%16 == 0 {
					time.Sleep(200 * time.Microsecond)
				}
				_ = x
				r.End()
				task.End()
			}
		}
		ch := make(chan int)
		go serve("worker-"+strconv.Itoa(i%8), i, nil, ch, true)
		go serve("partner-"+strconv.Itoa(i%8), i, ch, nil, false)
		_ = partner
	}
	// Watch the size.
	for cw.n.Load() < opt.Size {
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	trace.Stop()
	return nil
}

// ParseSize reads "100MB", "1.5GB", "500KB" or a number of bytes.
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		m      int64
	}{{"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if len(s) > len(u.suffix) && s[len(s)-len(u.suffix):] == u.suffix {
			mult, s = u.m, s[:len(s)-len(u.suffix)]
			break
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return int64(f * float64(mult)), nil
}

// GenerateFile writes a trace of size bytes (or a little more) to path.
func GenerateFile(path string, opt Options) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Generate(f, opt); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// BenchTrace is the trace the benchmarks read: the file VIZRUN_BENCH_TRACE
// names, or else a ~20 MB trace generated once per process.
var BenchTrace = sync.OnceValues(func() ([]byte, error) {
	if p := os.Getenv("VIZRUN_BENCH_TRACE"); p != "" {
		return os.ReadFile(p)
	}
	var buf bytes.Buffer
	err := Generate(&buf, Options{Size: 20 << 20})
	return buf.Bytes(), err
})
