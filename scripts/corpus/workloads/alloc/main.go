// Command alloc allocates hard for one second: it keeps a live heap of about
// 64 MiB of pointers with GOGC=10 (so that each GC cycle has much to mark and
// starts soon after the last), then four
// goroutines on two Ps allocate short-lived objects as fast as they can, so
// the GC makes them assist with marking.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func churn(wg *sync.WaitGroup, deadline time.Time) {
	defer wg.Done()
	rec.Churn(deadline)
}

func main() {
	runtime.GOMAXPROCS(2)
	rec.LiveHeap()
	stop := rec.Start()
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go churn(&wg, deadline)
	}
	wg.Wait()
	stop()
}
