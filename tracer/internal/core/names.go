package core

import (
	"context"
	"runtime"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/vizrun/vizrun/internal/protocol"
)

// Names remembers the names of live goroutines started with tracer.Go
// while a flight recorder runs or once a tracehttp Handler exists: a flight recording keeps
// only the last seconds, and the log that named a goroutine at its start
// may have fallen out of it; a live capture starts after the goroutines
// it shows. Before a snapshot and at the start of a capture, every
// remembered name is logged again.
var Names Registry

// Registry is the type of Names.
type Registry struct {
	users atomic.Int32 // flight recorders running, and 1 once a Handler exists
	mu    sync.Mutex
	byID  map[int64]string
}

// Active reports whether names are being remembered.
func (r *Registry) Active() bool { return r.users.Load() > 0 }

// Start and Stop count a user of the registry (a flight recorder, a
// capture, the Handler): names are remembered while there is one.
func (r *Registry) Start() { r.users.Add(1) }
func (r *Registry) Stop()  { r.users.Add(-1) }

// Users is the number of users (Start less Stop).
func (r *Registry) Users() int32 { return r.users.Load() }

// Add remembers the calling goroutine's name and returns the func that
// forgets it.
func (r *Registry) Add(name string) func() {
	id := Goid()
	if id == 0 {
		return func() {}
	}
	r.mu.Lock()
	if r.byID == nil {
		r.byID = map[int64]string{}
	}
	r.byID[id] = name
	r.mu.Unlock()
	return func() {
		r.mu.Lock()
		delete(r.byID, id)
		r.mu.Unlock()
	}
}

// maxReplay bounds the names replay logs, in bytes: 100,000 goroutines
// with names of 1 KiB would otherwise put 100 MB into the trace at once.
const maxReplay = 4 << 20

// Replay logs the remembered names into the trace, up to maxReplay bytes
// of them.
func (r *Registry) Replay() {
	if !trace.IsEnabled() {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := context.Background()
	n := 0
	for id, name := range r.byID {
		if n += len(name) + 8; n > maxReplay {
			break
		}
		trace.Log(ctx, protocol.LogNameOf, strconv.FormatInt(id, 10)+" "+name)
	}
}

// Goid returns the calling goroutine's id, read from its stack header
// ("goroutine 123 [running]:"). It costs about a microsecond, which is why
// it is only done while a flight recorder runs.
func Goid() int64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(b) < len(prefix) || string(b[:len(prefix)]) != prefix {
		return 0
	}
	b = b[len(prefix):]
	for i, c := range b {
		if c == ' ' {
			b = b[:i]
			break
		}
	}
	id, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return 0
	}
	return id
}
