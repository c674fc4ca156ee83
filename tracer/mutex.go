package tracer

import (
	"context"
	"runtime/trace"
	"sync"

	"github.com/vizrun/vizrun/internal/parse"
)

// Mutex is a sync.Mutex with a name. While a trace is recorded, a Lock that
// has to wait is marked in the trace, and so are the goroutines that take
// and release the lock: the report shows the waits on the mutex by name
// (how many, how long, the longest) and which goroutines held it while
// others waited. When no trace is recorded, it costs one atomic load more
// than sync.Mutex.
//
// The zero Mutex is unnamed; use NewMutex. A Mutex must not be copied after
// first use.
type Mutex struct {
	mu   sync.Mutex
	wait string // region type while waiting
	op   string // log message: "mutex:<name>"
}

// NewMutex returns a named, unlocked Mutex.
func NewMutex(name string) *Mutex {
	return &Mutex{wait: parse.RegionWait + "mutex:" + name, op: "mutex:" + name}
}

// Lock locks m, as sync.Mutex.Lock.
func (m *Mutex) Lock() {
	if !trace.IsEnabled() {
		m.mu.Lock()
		return
	}
	if !m.mu.TryLock() {
		r := trace.StartRegion(context.Background(), m.wait)
		m.mu.Lock()
		r.End()
	}
	trace.Log(context.Background(), parse.LogAcquire, m.op)
}

// TryLock tries to lock m, as sync.Mutex.TryLock.
func (m *Mutex) TryLock() bool {
	ok := m.mu.TryLock()
	if ok && trace.IsEnabled() {
		trace.Log(context.Background(), parse.LogAcquire, m.op)
	}
	return ok
}

// Unlock unlocks m, as sync.Mutex.Unlock.
func (m *Mutex) Unlock() {
	if trace.IsEnabled() {
		trace.Log(context.Background(), parse.LogRelease, m.op)
	}
	m.mu.Unlock()
}

// RWMutex is a sync.RWMutex with a name; see Mutex. Waits for the write
// lock and for read locks are told apart in the report.
type RWMutex struct {
	mu          sync.RWMutex
	wait, rwait string
	op, rop     string
}

// NewRWMutex returns a named, unlocked RWMutex.
func NewRWMutex(name string) *RWMutex {
	return &RWMutex{
		wait: parse.RegionWait + "lock:" + name, rwait: parse.RegionWait + "rlock:" + name,
		op: "lock:" + name, rop: "rlock:" + name,
	}
}

// Lock locks rw for writing, as sync.RWMutex.Lock.
func (rw *RWMutex) Lock() {
	if !trace.IsEnabled() {
		rw.mu.Lock()
		return
	}
	if !rw.mu.TryLock() {
		r := trace.StartRegion(context.Background(), rw.wait)
		rw.mu.Lock()
		r.End()
	}
	trace.Log(context.Background(), parse.LogAcquire, rw.op)
}

// Unlock unlocks rw for writing, as sync.RWMutex.Unlock.
func (rw *RWMutex) Unlock() {
	if trace.IsEnabled() {
		trace.Log(context.Background(), parse.LogRelease, rw.op)
	}
	rw.mu.Unlock()
}

// RLock locks rw for reading, as sync.RWMutex.RLock.
func (rw *RWMutex) RLock() {
	if !trace.IsEnabled() {
		rw.mu.RLock()
		return
	}
	if !rw.mu.TryRLock() {
		r := trace.StartRegion(context.Background(), rw.rwait)
		rw.mu.RLock()
		r.End()
	}
	trace.Log(context.Background(), parse.LogAcquire, rw.rop)
}

// RUnlock undoes one RLock, as sync.RWMutex.RUnlock.
func (rw *RWMutex) RUnlock() {
	if trace.IsEnabled() {
		trace.Log(context.Background(), parse.LogRelease, rw.rop)
	}
	rw.mu.RUnlock()
}

// TryLock and TryRLock try to lock rw, as sync.RWMutex's.
func (rw *RWMutex) TryLock() bool {
	ok := rw.mu.TryLock()
	if ok && trace.IsEnabled() {
		trace.Log(context.Background(), parse.LogAcquire, rw.op)
	}
	return ok
}

func (rw *RWMutex) TryRLock() bool {
	ok := rw.mu.TryRLock()
	if ok && trace.IsEnabled() {
		trace.Log(context.Background(), parse.LogAcquire, rw.rop)
	}
	return ok
}

// Send sends v on ch. While a trace is recorded, a send that has to wait is
// marked as a wait on the channel called name, in the task of ctx if any.
// It gives up when ctx is done first and returns ctx.Err(); nil once v is
// sent.
func Send[T any](ctx context.Context, name string, ch chan<- T, v T) error {
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case ch <- v:
		return nil
	default:
	}
	if trace.IsEnabled() {
		defer trace.StartRegion(ctx, parse.RegionWait+"send:"+name).End()
	}
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Recv receives from ch; ok is false when ch is closed or ctx is done first
// (ctx.Err() tells which). While a trace is recorded, a receive that has to
// wait is marked as a wait on the channel called name.
func Recv[T any](ctx context.Context, name string, ch <-chan T) (v T, ok bool) {
	if ctx == nil {
		ctx = context.Background()
	}
	select {
	case v, ok = <-ch:
		return v, ok
	default:
	}
	if trace.IsEnabled() {
		defer trace.StartRegion(ctx, parse.RegionWait+"recv:"+name).End()
	}
	select {
	case v, ok = <-ch:
		return v, ok
	case <-ctx.Done():
		return v, false
	}
}
