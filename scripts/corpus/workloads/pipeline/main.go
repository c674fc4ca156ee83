// Command pipeline runs a three-stage pipeline for about a second: four
// producers feed one slow stage (1 ms of CPU per item) through an unbuffered
// channel, and four consumers take its output. The slow stage is the only
// goroutine with work to do; the others wait on it: one serial bottleneck for
// the whole run. Recorded with GODEBUG=traceadvanceperiod=200000000 (a trace
// generation every 200 ms, as vizrun run does), so the stretch crosses
// several generations.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func produce(out chan<- int, done <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; ; i++ {
		select {
		case out <- i:
		case <-done:
			return
		}
	}
}

func slowStage(in <-chan int, out chan<- int, deadline time.Time) {
	for v := range in {
		rec.Spin(time.Millisecond)
		out <- v
		if time.Now().After(deadline) {
			break
		}
	}
	close(out)
}

func consume(in <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	for range in {
		rec.Work(5)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	stop := rec.Start()
	items, results := make(chan int), make(chan int)
	done := make(chan struct{})
	var pw, cw sync.WaitGroup
	for i := 0; i < 4; i++ {
		pw.Add(1)
		go produce(items, done, &pw)
		cw.Add(1)
		go consume(results, &cw)
	}
	go slowStage(items, results, time.Now().Add(time.Second))
	cw.Wait()
	close(done)
	pw.Wait()
	stop()
}
