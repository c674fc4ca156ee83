// Command cpu keeps N×GOMAXPROCS goroutines busy on pure CPU work for one
// second (N is the second argument, default 1), then stops tracing. With
// N = 1 every P is busy and nobody waits; with N = 4 the runtime time-slices
// the workers (each is preempted about every 10 ms).
package main

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func worker(wg *sync.WaitGroup, d time.Duration) {
	defer wg.Done()
	rec.Spin(d)
}

func main() {
	runtime.GOMAXPROCS(2)
	n := 1
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	stop := rec.Start()
	var wg sync.WaitGroup
	for i := 0; i < n*runtime.GOMAXPROCS(0); i++ {
		wg.Add(1)
		go worker(&wg, time.Second)
	}
	wg.Wait()
	stop()
}
