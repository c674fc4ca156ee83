// Command daemons has package-level daemon goroutines started in init, before
// tracing begins, that live as long as the process: a cache janitor on a
// ticker, a shutdown watcher waiting for a signal that only comes at exit, a
// config poller sleeping between polls. During the half second traced, a
// request handler with a timeout abandons five workers, each stuck for ever
// sending its result on an unbuffered channel nobody will read: those five are
// real leaks.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

var (
	shutdown = make(chan struct{})
	cacheMu  sync.Mutex
	cache    = map[int]int{}
)

func janitor() {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			cacheMu.Lock()
			clear(cache)
			cacheMu.Unlock()
		case <-shutdown:
			return
		}
	}
}

func shutdownWatcher() {
	<-shutdown
}

func configPoller() {
	for {
		time.Sleep(100 * time.Millisecond)
		rec.Work(10)
	}
}

func init() {
	go janitor()
	go shutdownWatcher()
	go configPoller()
}

// slowLookup abandons its worker when it takes longer than the timeout: the
// worker then blocks for ever on its send.
func slowLookup(i int) (int, bool) {
	res := make(chan int)
	go func() {
		time.Sleep(30 * time.Millisecond)
		res <- i * 2
	}()
	select {
	case v := <-res:
		return v, true
	case <-time.After(10 * time.Millisecond):
		return 0, false
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	time.Sleep(10 * time.Millisecond) // the daemons are parked before tracing starts
	stop := rec.Start()
	for i := 0; i < 25; i++ {
		cacheMu.Lock()
		cache[i] = i
		cacheMu.Unlock()
		if i%5 == 0 {
			slowLookup(i)
		}
		rec.Spin(10 * time.Millisecond)
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	stop()
	close(shutdown)
}
