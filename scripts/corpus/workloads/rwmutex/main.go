// Command rwmutex starves the readers of a sync.RWMutex for one second: a
// writer holds the write lock for 8 ms of every 10, and six readers, each
// needing the read lock for a few microseconds at a time, wait for it
// together and all get in at once when the writer lets go.
package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

type table struct {
	mu   sync.RWMutex
	rows map[int]int
}

func (t *table) writer(deadline time.Time) {
	for i := 0; time.Now().Before(deadline); i++ {
		t.mu.Lock()
		t.rows[i%64] = i
		rec.Spin(8 * time.Millisecond)
		t.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

func (t *table) reader(deadline time.Time, reads *atomic.Int64, wg *sync.WaitGroup) {
	defer wg.Done()
	for i := 0; time.Now().Before(deadline); i++ {
		t.mu.RLock()
		_ = t.rows[i%64]
		rec.Work(2)
		t.mu.RUnlock()
		reads.Add(1)
		time.Sleep(100 * time.Microsecond)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	t := &table{rows: map[int]int{}}
	stop := rec.Start()
	deadline := time.Now().Add(time.Second)
	var reads atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go t.reader(deadline, &reads, &wg)
	}
	t.writer(deadline)
	wg.Wait()
	stop()
}
