// Command background is a single-threaded program with background
// goroutines, as programs using a client library or an embedded server
// have: main does 100 ms of CPU work, then sleeps 100 ms, 5 times, while 8
// subscribers wait on their channels for a publisher that sends each of
// them a message every 20 ms (microseconds of work each). Main runs alone
// while the others wait, but they do not wait for main: the publisher's
// ticker wakes them, so vizrun must not call it a serial bottleneck.
package main

import (
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func subscribe(in <-chan int, wg *sync.WaitGroup) {
	defer wg.Done()
	n := 0
	for v := range in {
		n += v
	}
}

func publish(subs []chan int, stop <-chan struct{}) {
	tk := time.NewTicker(20 * time.Millisecond)
	defer tk.Stop()
	for {
		select {
		case <-stop:
			for _, c := range subs {
				close(c)
			}
			return
		case <-tk.C:
			for _, c := range subs {
				c <- 1
			}
		}
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	subs := make([]chan int, 8)
	for i := range subs {
		subs[i] = make(chan int)
		wg.Add(1)
		go subscribe(subs[i], &wg)
	}
	go publish(subs, stop)
	done := rec.Start()
	for i := 0; i < 5; i++ {
		rec.Spin(100 * time.Millisecond)
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	done()
}
