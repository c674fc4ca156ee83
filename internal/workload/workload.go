// Package workload holds small concurrent programs with known behaviour, and
// helpers that trace them. Tests across vizrun trace these workloads and check
// that the model and the report show what the workloads are known to do.
//
// Goroutines are named the way the tracer names them (a protocol.LogName log at
// their start) and phases are marked with regions, so tests can find them.
package workload

import (
	"bytes"
	"context"
	"runtime"
	"runtime/trace"
	"sync"
	"time"

	"github.com/vizrun/vizrun/internal/protocol"
)

// Capture runs fn under runtime/trace and returns the trace.
func Capture(fn func()) ([]byte, error) {
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		return nil, err
	}
	// Mark start and stop as the vizrun tracer does.
	trace.Log(context.Background(), protocol.LogStart, "")
	fn()
	trace.Log(context.Background(), protocol.LogStop, "")
	trace.Stop()
	return buf.Bytes(), nil
}

// Go starts fn on a goroutine named name.
func Go(name string, fn func()) {
	go func() {
		trace.Log(context.Background(), protocol.LogName, name)
		fn()
	}()
}

// Phase runs fn inside a region named name on the calling goroutine.
func Phase(name string, fn func()) {
	defer trace.StartRegion(context.Background(), name).End()
	fn()
}

// ChanWait: a goroutine "receiver" waits d on a channel receive.
func ChanWait(d time.Duration) {
	ch := make(chan int)
	done := make(chan struct{})
	Go("receiver", func() { <-ch; close(done) })
	time.Sleep(d)
	ch <- 1
	<-done
}

// MutexContention: n goroutines "locker" take one sync.Mutex in turn and
// hold it for hold each, so together they wait about n(n-1)/2 * hold.
func MutexContention(n int, hold time.Duration) {
	var mu sync.Mutex
	var wg, started sync.WaitGroup
	mu.Lock()
	for range n {
		wg.Add(1)
		started.Add(1)
		Go("locker", func() {
			defer wg.Done()
			started.Done()
			mu.Lock()
			time.Sleep(hold)
			mu.Unlock()
		})
	}
	// Once all have started, each waits at least hold, however late the
	// scheduler ran it.
	started.Wait()
	time.Sleep(hold)
	mu.Unlock()
	wg.Wait()
}

// RWMutexWait: n goroutines "reader" wait d on RLock while a writer holds the lock.
func RWMutexWait(n int, d time.Duration) {
	var rw sync.RWMutex
	var wg sync.WaitGroup
	rw.Lock()
	for range n {
		wg.Add(1)
		Go("reader", func() {
			defer wg.Done()
			rw.RLock()
			rw.RUnlock()
		})
	}
	time.Sleep(d)
	rw.Unlock()
	wg.Wait()
}

// WaitGroupWait: a goroutine "wg-waiter" waits d on a WaitGroup.
func WaitGroupWait(d time.Duration) {
	var wg, done sync.WaitGroup
	wg.Add(1)
	done.Add(1)
	Go("wg-waiter", func() { wg.Wait(); done.Done() })
	time.Sleep(d)
	wg.Done()
	done.Wait()
}

// Sleep: a goroutine "sleeper" sleeps d.
func Sleep(d time.Duration) {
	done := make(chan struct{})
	Go("sleeper", func() { time.Sleep(d); close(done) })
	<-done
}

// SelectTimer: a goroutine "selector" waits in a select until a d timer fires.
func SelectTimer(d time.Duration) {
	done := make(chan struct{})
	never := make(chan int)
	Go("selector", func() {
		select {
		case <-never:
		case <-time.After(d):
		}
		close(done)
	})
	<-done
}

// CPU: GOMAXPROCS goroutines "spinner" burn CPU for d, inside a region "cpu"
// on the caller that spans the phase.
func CPU(d time.Duration) {
	Phase("cpu", func() {
		n := runtime.GOMAXPROCS(0)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range n {
			wg.Add(1)
			Go("spinner", func() {
				defer wg.Done()
				<-start
				Spin(d)
			})
		}
		close(start)
		wg.Wait()
	})
}

// Spin burns CPU on the calling goroutine for d.
func Spin(d time.Duration) uint64 {
	end := time.Now().Add(d)
	x := uint64(1)
	for time.Now().Before(end) {
		for i := 0; i < 10000; i++ {
			x = x*6364136223846793005 + 1442695040888963407
		}
	}
	return x
}

// Leak starts a goroutine "leaker" that blocks on a channel receive until
// release is called; trace before releasing to see a leak candidate.
func Leak() (release func()) {
	ch := make(chan int)
	Go("leaker", func() { <-ch })
	// Make sure it is parked, and has been for a while (findings ignore
	// goroutines that blocked just before the trace ended).
	time.Sleep(20 * time.Millisecond)
	return func() { close(ch) }
}

// Mixed runs every workload once, briefly: the trace a report is tested on.
// It returns the leaker's release function.
func Mixed() (release func()) {
	ChanWait(30 * time.Millisecond)
	MutexContention(3, 5*time.Millisecond)
	RWMutexWait(2, 10*time.Millisecond)
	WaitGroupWait(10 * time.Millisecond)
	Sleep(10 * time.Millisecond)
	SelectTimer(10 * time.Millisecond)
	ctx, task := trace.NewTask(context.Background(), "request")
	trace.Log(ctx, "user", "fetching")
	trace.WithRegion(ctx, "fetch", func() { time.Sleep(5 * time.Millisecond) })
	task.End()
	CPU(30 * time.Millisecond)
	return Leak()
}
