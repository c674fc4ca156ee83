// Command gcsema has four goroutines force garbage collections at once, 25
// times each, with some allocation between (runtime.GC in a loop, as some
// test helpers and caches do). Concurrent runtime.GC calls wait for one
// another on the runtime's GC semaphores and for the cycle in progress to
// end.
package main

import (
	"runtime"
	"sync"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

var sink [][]byte

func collector(wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; i < 25; i++ {
		b := make([][]byte, 0, 256)
		for j := 0; j < 256; j++ {
			b = append(b, make([]byte, 1024))
		}
		sink = b
		runtime.GC()
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	stop := rec.Start()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go collector(&wg)
	}
	wg.Wait()
	stop()
}
