// Command send has four producers hand jobs to one slow consumer (1 ms of
// CPU per job) with tracer.Send on the named channel "jobs", for one second.
// The producers wait in tracer.Send: they are waiting to send on "jobs".
package main

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

func producer(ctx context.Context, jobs chan<- int, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; ; i++ {
		if tracer.Send(ctx, "jobs", jobs, i) != nil {
			return
		}
	}
}

func consumer(ctx context.Context, jobs <-chan int, deadline time.Time) {
	for time.Now().Before(deadline) {
		if _, err := tracer.Recv(ctx, "jobs", jobs); err != nil {
			return
		}
		rec.Spin(time.Millisecond)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	out := rec.Out()
	dir, err := os.MkdirTemp("", "send")
	if err != nil {
		rec.Fail(err)
	}
	defer os.RemoveAll(dir)
	s, err := report.Start(report.Config{TraceFile: out, ReportFile: filepath.Join(dir, "report.html")})
	if err != nil {
		rec.Fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	jobs := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go producer(ctx, jobs, &wg)
	}
	consumer(ctx, jobs, time.Now().Add(time.Second))
	cancel()
	wg.Wait()
	if err := s.Stop(); err != nil {
		rec.Fail(err)
	}
}
