// Command mixed is a longer trace (about three seconds, tens of thousands of
// goroutines) that goes through several phases, for checking that findings do
// not depend on the model's level of detail:
//
//   - all along, 40 pairs of goroutines play ping-pong over channels (each
//     hop a little work and a 20 µs sleep);
//   - 0-1 s: eight CPU-bound goroutines on two Ps (ordinary time-slicing);
//   - 1-2 s: six goroutines take turns on one sync.Mutex held for 2 ms of
//     CPU each time (a contended lock);
//   - 2-3 s: 20000 short-lived goroutines, a few microseconds of work each;
//   - at the end 20 goroutines are left blocked for ever sending on channels
//     nobody holds (real leaks).
package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func pinger(in <-chan int, out chan<- int, stop *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	for v := range in {
		rec.Work(3)
		time.Sleep(20 * time.Microsecond)
		if stop.Load() {
			close(out)
			for range in {
			}
			return
		}
		out <- v + 1
	}
	close(out)
}

func cruncher(wg *sync.WaitGroup) {
	defer wg.Done()
	rec.Spin(time.Second)
}

type ledger struct {
	mu  sync.Mutex
	sum int
}

func (l *ledger) post(deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	for time.Now().Before(deadline) {
		l.mu.Lock()
		rec.Spin(2 * time.Millisecond)
		l.sum++
		l.mu.Unlock()
		rec.Work(20)
	}
}

func shortLived(wg *sync.WaitGroup) {
	defer wg.Done()
	rec.Work(3)
}

func abandoned(ch chan<- int) {
	ch <- 1
}

func main() {
	runtime.GOMAXPROCS(2)
	stop := rec.Start()
	var pstop atomic.Bool
	var pw sync.WaitGroup
	for i := 0; i < 40; i++ {
		a, b := make(chan int), make(chan int)
		pw.Add(2)
		go pinger(a, b, &pstop, &pw)
		go pinger(b, a, &pstop, &pw)
		a <- 0
	}

	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go cruncher(&wg)
	}
	wg.Wait()

	l := &ledger{}
	deadline := time.Now().Add(time.Second)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go l.post(deadline, &wg)
	}
	wg.Wait()

	end := time.Now().Add(time.Second)
	for time.Now().Before(end) {
		for i := 0; i < 200; i++ {
			wg.Add(1)
			go shortLived(&wg)
		}
		wg.Wait()
		time.Sleep(10 * time.Millisecond)
	}

	for i := 0; i < 20; i++ {
		go abandoned(make(chan int))
	}
	pstop.Store(true)
	pw.Wait()
	time.Sleep(20 * time.Millisecond)
	stop()
}
