package parse

import (
	"cmp"
	"slices"
	"strings"
)

// Named resources: the tracer's mutexes, RWMutexes and channels announce
// themselves with regions and logs (see the conventions below). The parser
// turns them into per-resource statistics: how often and how long goroutines
// waited, and which goroutines held a lock while others waited for it.

// ResourceKind is what a named resource is.
type ResourceKind uint8

const (
	KindMutex ResourceKind = iota
	KindRWMutex
	KindChan
)

func (k ResourceKind) String() string {
	switch k {
	case KindMutex:
		return "mutex"
	case KindRWMutex:
		return "rwmutex"
	}
	return "chan"
}

// Op is an operation on a named resource.
type Op uint8

const (
	OpLock  Op = iota // Mutex.Lock, RWMutex.Lock
	OpRLock           // RWMutex.RLock
	OpSend            // channel send
	OpRecv            // channel receive
	NumOps
)

var opNames = [NumOps]string{"lock", "rlock", "send", "recv"}

func (o Op) String() string {
	if o < NumOps {
		return opNames[o]
	}
	return "unknown"
}

// opKinds maps the op names of the conventions to ops and resource kinds:
// "mutex" is a Mutex's lock, "lock" and "rlock" an RWMutex's.
var opKinds = map[string]struct {
	op   Op
	kind ResourceKind
}{
	"mutex": {OpLock, KindMutex},
	"lock":  {OpLock, KindRWMutex},
	"rlock": {OpRLock, KindRWMutex},
	"send":  {OpSend, KindChan},
	"recv":  {OpRecv, KindChan},
}

// parseOpName splits "<op>:<name>".
func parseOpName(s string) (op Op, kind ResourceKind, name string, ok bool) {
	o, name, found := strings.Cut(s, ":")
	k, known := opKinds[o]
	if !found || !known || name == "" {
		return 0, 0, "", false
	}
	return k.op, k.kind, name, true
}

// OpStats sums the waits of one operation.
type OpStats struct {
	Waits int64
	Total int64 // ns
	Max   int64 // ns
	MaxAt int64 // when the longest wait began
}

// Holder is a goroutine that held a named lock while others waited for it.
type Holder struct {
	G     GoID
	Blame int64 // ns other goroutines spent waiting while G held the lock
}

// Resource is one named mutex, RWMutex or channel.
type Resource struct {
	Kind    ResourceKind
	Name    string
	Ops     [NumOps]OpStats
	Waiters int       // distinct goroutines that waited
	Holders []Holder  // most blame first; at most maxHolders
	Pending int       // waits still going on when the trace ended
	Hist    Histogram // wait durations
	Idle    int64     // P·ns of the waterfall lost while goroutines waited on it
}

// Waits is the number of waits on the resource.
func (r *Resource) Waits() int64 {
	var n int64
	for _, o := range r.Ops {
		n += o.Waits
	}
	return n
}

// WaitTotal is the time spent waiting on the resource.
func (r *Resource) WaitTotal() int64 {
	var n int64
	for _, o := range r.Ops {
		n += o.Total
	}
	return n
}

// MaxWait is the longest single wait.
func (r *Resource) MaxWait() int64 {
	var n int64
	for _, o := range r.Ops {
		n = max(n, o.Max)
	}
	return n
}

const maxHolders = 10

type resKey struct {
	kind ResourceKind
	name string
}

type hold struct {
	g          GoID
	start, end int64
}

// resState follows one resource while streaming.
type resState struct {
	idx         int
	since       map[GoID]int64 // when a goroutine took the lock after waiting for it
	lastRelease int64          // of the write lock, logged
	holds       []hold         // released holds that open waits may still overlap
	open        []int64        // start times of waits in progress
	waiters     map[GoID]bool
	blame       map[GoID]int64
}

func (b *builder) resource(kind ResourceKind, name string) *resState {
	k := resKey{kind, name}
	if rs := b.res[k]; rs != nil {
		return rs
	}
	rs := &resState{idx: len(b.t.Resources), since: map[GoID]int64{}, waiters: map[GoID]bool{}, blame: map[GoID]int64{}}
	b.t.Resources = append(b.t.Resources, Resource{Kind: kind, Name: name})
	b.res[k] = rs
	return rs
}

// waitBegin notes a wait starting; waitEnd books it.
func (b *builder) waitBegin(typ string, t int64) {
	_, kind, name, ok := parseOpName(strings.TrimPrefix(typ, RegionWait))
	if !ok {
		return
	}
	rs := b.resource(kind, name)
	rs.open = append(rs.open, t)
	b.series.wf.advance(t, &b.series.count)
	b.series.wf.waiting[rs.idx]++
}

func (b *builder) waitEnd(typ string, g GoID, start, end int64, begun bool) {
	op, kind, name, ok := parseOpName(strings.TrimPrefix(typ, RegionWait))
	if !ok {
		return
	}
	rs := b.resource(kind, name)
	if begun {
		if i := slices.Index(rs.open, start); i >= 0 {
			rs.open = slices.Delete(rs.open, i, i+1)
			wf := b.series.wf
			wf.advance(end, &b.series.count)
			if wf.waiting[rs.idx]--; wf.waiting[rs.idx] <= 0 {
				delete(wf.waiting, rs.idx)
			}
		}
	}
	r := &b.t.Resources[rs.idx]
	d := end - start
	st := &r.Ops[op]
	st.Waits++
	st.Total += d
	if d > st.Max {
		st.Max, st.MaxAt = d, start
	}
	r.Hist.Add(d)
	rs.waiters[g] = true
	if kind == KindChan {
		return
	}
	// Blame: who held the lock during [start, end). Every holder that kept
	// a goroutine waiting logged its release, so the released holds tell.
	for _, h := range rs.holds {
		if h.g != g && h.end > start && h.start < end {
			rs.blame[h.g] += min(h.end, end) - max(h.start, start)
		}
	}
	if begun || start > 0 {
		rs.since[g] = end // it holds the lock from now
	}
	rs.prune()
}

// prune drops released holds that no wait in progress can overlap.
func (rs *resState) prune() {
	if len(rs.open) == 0 {
		rs.holds = rs.holds[:0]
		return
	}
	oldest := slices.Min(rs.open)
	rs.holds = slices.DeleteFunc(rs.holds, func(h hold) bool { return h.end <= oldest })
}

// lockLog follows the release logs of named locks.
func (b *builder) lockLog(category, msg string, g GoID, t int64) {
	op, kind, name, ok := parseOpName(msg)
	if !ok || kind == KindChan || category != LogRelease {
		return
	}
	rs := b.resource(kind, name)
	// When the hold began: when the goroutine took the lock after waiting;
	// else, for the write lock, when the last logged holder released it;
	// else (a reader, or a holder since before the trace) unknown: as early
	// as it gets.
	start, ok := rs.since[g]
	delete(rs.since, g)
	if !ok && op == OpLock {
		start = rs.lastRelease
	}
	if op == OpLock {
		rs.lastRelease = t
	}
	if len(rs.open) > 0 {
		rs.holds = append(rs.holds, hold{g, start, t})
	}
}

// pendingWait counts a wait that was still going on when the trace ended.
func (b *builder) pendingWait(typ string) {
	if _, kind, name, ok := parseOpName(strings.TrimPrefix(typ, RegionWait)); ok {
		b.t.Resources[b.resource(kind, name).idx].Pending++
	}
}

// finishResources closes what is still open and ranks holders.
func (b *builder) finishResources(end int64) {
	keys := make([]resKey, 0, len(b.res))
	for k := range b.res {
		keys = append(keys, k)
	}
	for _, k := range keys {
		rs := b.res[k]
		r := &b.t.Resources[rs.idx]
		r.Idle = int64(b.series.wf.resIdle[rs.idx] + 0.5)
		r.Waiters = len(rs.waiters)
		for g, v := range rs.blame {
			if v > 0 {
				r.Holders = append(r.Holders, Holder{g, v})
			}
		}
		slices.SortFunc(r.Holders, func(a, c Holder) int { return cmp.Or(cmp.Compare(c.Blame, a.Blame), cmp.Compare(a.G, c.G)) })
		if len(r.Holders) > maxHolders {
			r.Holders = r.Holders[:maxHolders]
		}
	}
	slices.SortStableFunc(b.t.Resources, func(a, c Resource) int {
		return cmp.Or(cmp.Compare(c.WaitTotal(), a.WaitTotal()), strings.Compare(a.Name, c.Name), cmp.Compare(a.Kind, c.Kind))
	})
}
