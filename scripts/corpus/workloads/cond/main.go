// Command cond is a producer/consumer queue built on sync.Cond, run for one
// second: one producer makes an item every millisecond of CPU, four
// consumers take them (a few microseconds each) and otherwise wait in
// Cond.Wait for the next. The producer is the bottleneck.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

type queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
	done  bool
}

func (q *queue) produce(deadline time.Time) {
	for i := 0; time.Now().Before(deadline); i++ {
		rec.Spin(time.Millisecond)
		q.mu.Lock()
		q.items = append(q.items, i)
		q.mu.Unlock()
		q.cond.Signal()
	}
	q.mu.Lock()
	q.done = true
	q.mu.Unlock()
	q.cond.Broadcast()
}

func (q *queue) consume(wg *sync.WaitGroup) {
	defer wg.Done()
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.done {
			q.cond.Wait()
		}
		if len(q.items) == 0 {
			q.mu.Unlock()
			return
		}
		q.items = q.items[1:]
		q.mu.Unlock()
		rec.Work(5)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	q := &queue{}
	q.cond = sync.NewCond(&q.mu)
	stop := rec.Start()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go q.consume(&wg)
	}
	q.produce(time.Now().Add(time.Second))
	wg.Wait()
	stop()
}
