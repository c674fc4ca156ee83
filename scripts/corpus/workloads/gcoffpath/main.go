// Command gcoffpath is a program paced by its own loop, beside a cache
// refresher that allocates hard: main does 20 ms of work that allocates
// nothing, then sleeps 30 ms, 20 times; a background goroutine, started
// before tracing, allocates short-lived objects for 3 ms every 10 ms,
// against a live heap of about 64 MiB with GOGC=10, so the GC makes it
// assist with marking a large share of its running time. The assists are
// the refresher's: the program's end is decided by main's work and sleeps,
// which never assist, so vizrun must not say the GC slowed the program.
package main

import (
	"runtime"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func refresh() {
	for {
		rec.Churn(time.Now().Add(3 * time.Millisecond))
		time.Sleep(7 * time.Millisecond)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	rec.LiveHeap()
	go refresh()
	time.Sleep(20 * time.Millisecond)

	stop := rec.Start()
	for i := 0; i < 20; i++ {
		rec.Spin(20 * time.Millisecond)
		time.Sleep(30 * time.Millisecond)
	}
	stop()
}
