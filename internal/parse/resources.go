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
	G       GoID
	Blame   int64   // ns other goroutines spent waiting while G held the lock
	Release StackID // where G released it, last seen (unnamed locks; 0 when unknown)
}

// Resource is one named mutex, RWMutex or channel.
type Resource struct {
	Kind        ResourceKind
	Name        string
	Ops         [NumOps]OpStats
	Waiters     int       // distinct goroutines that waited
	Holders     []Holder  // most blame first; at most maxHolders
	HolderCount int       // goroutines that held it while others waited
	Pending     int       // waits still going on when the trace ended
	Hist        Histogram // wait durations
	Idle        int64     // P·ns of the waterfall lost while goroutines waited on it
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
	release    StackID
}

// holderInfo is what a resState keeps of one holder.
type holderInfo struct {
	blame   int64
	release StackID
}

// resState follows one resource while streaming.
type resState struct {
	idx         int
	since       map[GoID]int64 // when a goroutine took the lock after waiting for it
	lastRelease int64          // of the write lock, logged
	holds       []hold         // released holds that open waits may still overlap
	open        []int64        // start times of waits in progress
	waiters     map[GoID]bool
	blame       map[GoID]holderInfo
}

func (b *builder) resource(kind ResourceKind, name string) *resState {
	k := resKey{kind, name}
	if rs := b.res[k]; rs != nil {
		return rs
	}
	rs := &resState{idx: len(b.t.Resources), since: map[GoID]int64{}, waiters: map[GoID]bool{}, blame: map[GoID]holderInfo{}}
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
	rs.blameHolders(g, start, end, begun || start > 0)
}

// blameHolders books the wait of g over [start, end) to the goroutines that
// held the lock meanwhile: every holder that kept a goroutine waiting
// released it while others waited, so the released holds tell. took says g
// took the lock at end.
func (rs *resState) blameHolders(g GoID, start, end int64, took bool) {
	for _, h := range rs.holds {
		if h.g != g && h.end > start && h.start < end {
			hi := rs.blame[h.g]
			hi.blame += min(h.end, end) - max(h.start, start)
			if h.release != 0 {
				hi.release = h.release
			}
			rs.blame[h.g] = hi
		}
	}
	if took {
		rs.since[g] = end // it holds the lock from now
		if len(rs.since) > maxSince {
			// Goroutines that took the lock after waiting and let it go
			// unseen (no one waiting): a hold that began before the last
			// release seen is over.
			for id, t := range rs.since {
				if t < rs.lastRelease {
					delete(rs.since, id)
				}
			}
		}
	}
	rs.prune()
}

// maxSince bounds the holders a resState follows before dropping stale ones.
const maxSince = 1024

// prune drops released holds that no wait in progress can overlap.
func (rs *resState) prune() {
	if len(rs.open) == 0 {
		rs.holds = rs.holds[:0]
		return
	}
	oldest := slices.Min(rs.open)
	rs.holds = slices.DeleteFunc(rs.holds, func(h hold) bool { return h.end <= oldest })
	if len(rs.holds) > maxHolds {
		// A wait that never ends (a goroutine stuck on the lock) would
		// keep every hold since: keep the latest.
		rs.holds = append(rs.holds[:0], rs.holds[len(rs.holds)-maxHolds/2:]...)
	}
}

// maxHolds bounds the released holds a resState keeps for waits in progress.
const maxHolds = 4096

// lockLog follows the release logs of named locks.
func (b *builder) lockLog(category, msg string, g GoID, t int64) {
	op, kind, name, ok := parseOpName(msg)
	if !ok || kind == KindChan || category != LogRelease {
		return
	}
	b.resource(kind, name).released(g, t, op == OpLock, 0)
}

// released books a release of the lock by g at t, others waiting (a writer's
// when exclusive).
func (rs *resState) released(g GoID, t int64, exclusive bool, stk StackID) {
	// When the hold began: when the goroutine took the lock after waiting;
	// else, for the write lock, when the last logged holder released it;
	// else (a reader, or a holder since before the trace) unknown: as early
	// as it gets. An exclusive hold cannot have begun before the last
	// release.
	start, ok := rs.since[g]
	delete(rs.since, g)
	if exclusive && (!ok || start < rs.lastRelease) {
		start = rs.lastRelease
	}
	if exclusive {
		rs.lastRelease = t
	}
	if len(rs.open) > 0 {
		rs.holds = append(rs.holds, hold{g, start, t, stk})
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
		r.Holders, r.HolderCount = holdersOf(rs)
	}
	slices.SortStableFunc(b.t.Resources, func(a, c Resource) int {
		return cmp.Or(cmp.Compare(c.WaitTotal(), a.WaitTotal()), strings.Compare(a.Name, c.Name), cmp.Compare(a.Kind, c.Kind))
	})
}
