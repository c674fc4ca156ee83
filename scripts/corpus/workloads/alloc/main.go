// Command alloc allocates hard for one second: it keeps a live heap of about
// 64 MiB of pointers with GOGC=10 (so that each GC cycle has much to mark and
// starts soon after the last), then four
// goroutines on two Ps allocate short-lived objects as fast as they can, so
// the GC makes them assist with marking.
package main

import (
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

type node struct {
	next *node
	val  [6]int64
}

var live []*node

var sink *node

func churn(wg *sync.WaitGroup, deadline time.Time) {
	defer wg.Done()
	for time.Now().Before(deadline) {
		for j := 0; j < 1000; j++ {
			n := &node{}
			n.val[0] = int64(j)
			sink = n
		}
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	debug.SetGCPercent(10)
	for i := 0; i < 1<<20; i++ {
		live = append(live, &node{})
		if i > 0 {
			live[i].next = live[i-1]
		}
	}
	stop := rec.Start()
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go churn(&wg, deadline)
	}
	wg.Wait()
	stop()
	runtime.KeepAlive(live)
}
