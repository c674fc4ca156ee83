// Command wallclock records itself with vizrun's tracer and its wall-clock
// profile on (report.Config{WallClock: true}): 4000 goroutines wait on a
// channel, so each fgprof sample has many stacks to take, while two workers
// do CPU work for one second. The tracer writes the trace and an HTML report
// when the session stops.
package main

import (
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
	"github.com/vizrun/vizrun/tracer/report"
)

func parked(gate <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-gate
}

func crunch(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 50; i++ {
		rec.Spin(18 * time.Millisecond)
		time.Sleep(2 * time.Millisecond)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	out := rec.Out()
	dir, err := os.MkdirTemp("", "wallclock")
	if err != nil {
		rec.Fail(err)
	}
	defer os.RemoveAll(dir)
	s, err := report.Start(report.Config{TraceFile: out, ReportFile: filepath.Join(dir, "report.html"), WallClock: true})
	if err != nil {
		rec.Fail(err)
	}
	gate := make(chan struct{})
	var pw, cw sync.WaitGroup
	for i := 0; i < 4000; i++ {
		pw.Add(1)
		go parked(gate, &pw)
	}
	for i := 0; i < 2; i++ {
		cw.Add(1)
		go crunch(&cw)
	}
	cw.Wait()
	close(gate)
	pw.Wait()
	if err := s.Stop(); err != nil {
		rec.Fail(err)
	}
}
