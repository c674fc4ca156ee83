package tracer

import (
	"context"
	"errors"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"

	"github.com/vizrun/vizrun/internal/protocol"
)

// lockTrace marks a named lock's contention in the trace: a Lock or RLock
// that has to wait is a region, and the goroutines that release the lock
// while others wait log it, so the report can tell who held the lock
// meanwhile. Uncontended locking logs nothing.
type lockTrace struct {
	waiting atomic.Int32 // goroutines waiting for the lock
	wait    string       // region type while waiting
	rwait   string       // region type while waiting to read (RWMutex)
	op      string       // release log message: "<op>:<name>"
	rop     string
}

// contended waits for the lock with lock, inside a region.
func (l *lockTrace) contended(wait string, lock func()) {
	l.waiting.Add(1)
	r := trace.StartRegion(context.Background(), wait)
	lock()
	r.End()
	l.waiting.Add(-1)
}

// released logs a release that others are waiting for.
func (l *lockTrace) released(op string) {
	if l.waiting.Load() > 0 && trace.IsEnabled() {
		trace.Log(context.Background(), protocol.LogRelease, op)
	}
}

// Mutex is a sync.Mutex with a name. While a trace is recorded, a Lock that
// has to wait is marked in the trace, and so is every Unlock that others
// are waiting for: the report shows the waits on the mutex by name (how
// many, how long, the longest) and which goroutines held it while others
// waited. Uncontended, it costs a TryLock and an atomic load more than
// sync.Mutex, whether or not a trace is recorded.
//
// The zero Mutex is unnamed; use NewMutex. A Mutex must not be copied after
// first use.
type Mutex struct {
	mu sync.Mutex
	t  lockTrace
}

// NewMutex returns a named, unlocked Mutex.
func NewMutex(name string) *Mutex {
	name = clampResource(name)
	return &Mutex{t: lockTrace{wait: protocol.RegionWait + "mutex:" + name, op: "mutex:" + name}}
}

// Lock locks m, as sync.Mutex.Lock.
func (m *Mutex) Lock() {
	if m.mu.TryLock() {
		return
	}
	if !trace.IsEnabled() {
		m.mu.Lock()
		return
	}
	m.t.contended(m.t.wait, m.mu.Lock)
}

// TryLock tries to lock m, as sync.Mutex.TryLock.
func (m *Mutex) TryLock() bool { return m.mu.TryLock() }

// Unlock unlocks m, as sync.Mutex.Unlock.
func (m *Mutex) Unlock() {
	m.t.released(m.t.op)
	m.mu.Unlock()
}

// RWMutex is a sync.RWMutex with a name; see Mutex. Waits for the write
// lock and for read locks are told apart in the report.
type RWMutex struct {
	mu sync.RWMutex
	t  lockTrace
}

// NewRWMutex returns a named, unlocked RWMutex.
func NewRWMutex(name string) *RWMutex {
	name = clampResource(name)
	return &RWMutex{t: lockTrace{
		wait: protocol.RegionWait + "lock:" + name, rwait: protocol.RegionWait + "rlock:" + name,
		op: "lock:" + name, rop: "rlock:" + name,
	}}
}

// Lock locks rw for writing, as sync.RWMutex.Lock.
func (rw *RWMutex) Lock() {
	if rw.mu.TryLock() {
		return
	}
	if !trace.IsEnabled() {
		rw.mu.Lock()
		return
	}
	rw.t.contended(rw.t.wait, rw.mu.Lock)
}

// Unlock unlocks rw for writing, as sync.RWMutex.Unlock.
func (rw *RWMutex) Unlock() {
	rw.t.released(rw.t.op)
	rw.mu.Unlock()
}

// RLock locks rw for reading, as sync.RWMutex.RLock.
func (rw *RWMutex) RLock() {
	if rw.mu.TryRLock() {
		return
	}
	if !trace.IsEnabled() {
		rw.mu.RLock()
		return
	}
	rw.t.contended(rw.t.rwait, rw.mu.RLock)
}

// RUnlock undoes one RLock, as sync.RWMutex.RUnlock.
func (rw *RWMutex) RUnlock() {
	rw.t.released(rw.t.rop)
	rw.mu.RUnlock()
}

// TryLock and TryRLock try to lock rw, as sync.RWMutex's.
func (rw *RWMutex) TryLock() bool  { return rw.mu.TryLock() }
func (rw *RWMutex) TryRLock() bool { return rw.mu.TryRLock() }

// ErrClosed is returned by Send and Recv for a closed channel.
var ErrClosed = errors.New("vizrun tracer: the channel is closed")

// Send sends v on ch and returns nil once v is sent. It gives up when ctx
// is done first and returns ctx.Err(); on a closed channel it returns
// ErrClosed, where a plain send would panic. While a trace is recorded, a
// send that has to wait is marked as a wait on the channel called name, in
// the task of ctx if any.
func Send[T any](ctx context.Context, name string, ch chan<- T, v T) (err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	defer sendClosed(&err)
	select {
	case ch <- v:
		return nil
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if trace.IsEnabled() {
		defer trace.StartRegion(ctx, protocol.RegionWait+"send:"+clampResource(name)).End()
	}
	select {
	case ch <- v:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// sendClosed turns the panic of a send on a closed channel into ErrClosed;
// other panics go on.
func sendClosed(err *error) {
	if p := recover(); p != nil {
		if e, ok := p.(runtime.Error); ok && e.Error() == "send on closed channel" {
			*err = ErrClosed
			return
		}
		panic(p)
	}
}

// Recv receives a value from ch and returns it with a nil error. It gives
// up when ctx is done first and returns ctx.Err(); on a closed channel it
// returns ErrClosed, as Send does. While a trace is recorded, a receive
// that has to wait is marked as a wait on the channel called name.
func Recv[T any](ctx context.Context, name string, ch <-chan T) (v T, err error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var ok bool
	select {
	case v, ok = <-ch:
		return v, closedErr(ok)
	default:
	}
	if err := ctx.Err(); err != nil {
		return v, err
	}
	if trace.IsEnabled() {
		defer trace.StartRegion(ctx, protocol.RegionWait+"recv:"+clampResource(name)).End()
	}
	select {
	case v, ok = <-ch:
		return v, closedErr(ok)
	case <-ctx.Done():
		return v, ctx.Err()
	}
}

func closedErr(ok bool) error {
	if ok {
		return nil
	}
	return ErrClosed
}
