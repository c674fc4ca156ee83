// Command gosched has four goroutines on two Ps poll a flag for 600 ms,
// doing a little work (about 20 µs) and calling runtime.Gosched between
// polls: each gives its P up tens of thousands of times a second, so none
// keeps a processor from the others.
package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func poller(done *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	for !done.Load() {
		rec.Work(20)
		runtime.Gosched()
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	stop := rec.Start()
	var done atomic.Bool
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go poller(&done, &wg)
	}
	time.Sleep(600 * time.Millisecond)
	done.Store(true)
	wg.Wait()
	stop()
}
