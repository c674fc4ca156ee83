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

// Conventions shared with the tracer package.
const (
	// RegionWait prefixes a region a goroutine spends waiting on a named
	// resource: "vizrun.wait.<op>:<name>", where op is one of the Op names.
	RegionWait = "vizrun.wait."

	// LogAcquire and LogRelease are logged by the goroutine that acquires
	// or releases a named lock; the message is "<op>:<name>".
	LogAcquire = "vizrun.acquire"
	LogRelease = "vizrun.release"
)

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
	Kind     ResourceKind
	Name     string
	Ops      [NumOps]OpStats
	Waiters  int       // distinct goroutines that waited
	Holders  []Holder  // most blame first; at most maxHolders
	Acquired int64     // times the lock was taken (locks only)
	Held     int64     // ns the lock was held in all (locks only; read holds overlap)
	Pending  int       // waits still going on when the trace ended
	Hist     Histogram // wait durations
	Idle     int64     // P·ns of the waterfall lost while goroutines waited on it
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
	idx     int
	holding map[GoID][]int64 // holder -> acquire times (a reader may hold twice)
	holds   []hold           // released holds that open waits may still overlap
	open    []int64          // start times of waits in progress
	waiters map[GoID]bool
	blame   map[GoID]int64
}

func (b *builder) resource(kind ResourceKind, name string) *resState {
	k := resKey{kind, name}
	if rs := b.res[k]; rs != nil {
		return rs
	}
	rs := &resState{idx: len(b.t.Resources), holding: map[GoID][]int64{}, waiters: map[GoID]bool{}, blame: map[GoID]int64{}}
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
	// Blame: who held the lock during [start, end).
	for _, h := range rs.holds {
		if h.g != g && h.end > start && h.start < end {
			rs.blame[h.g] += min(h.end, end) - max(h.start, start)
		}
	}
	for hg, since := range rs.holding {
		if hg == g {
			continue
		}
		for _, s := range since {
			if s < end {
				rs.blame[hg] += end - max(s, start)
			}
		}
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

// lockLog follows acquire and release logs of named locks.
func (b *builder) lockLog(category, msg string, g GoID, t int64) {
	_, kind, name, ok := parseOpName(msg)
	if !ok || kind == KindChan {
		return
	}
	rs := b.resource(kind, name)
	r := &b.t.Resources[rs.idx]
	if category == LogAcquire {
		rs.holding[g] = append(rs.holding[g], t)
		r.Acquired++
		return
	}
	since := rs.holding[g]
	start := int64(0) // acquired before the trace started
	if n := len(since); n > 0 {
		start = since[n-1]
		if n == 1 {
			delete(rs.holding, g)
		} else {
			rs.holding[g] = since[:n-1]
		}
	} else if len(rs.holding) > 0 && kind == KindMutex {
		// A Mutex may be unlocked by another goroutine than the one that
		// locked it: the release ends the only hold.
		for hg, s := range rs.holding {
			g, start = hg, s[0]
			delete(rs.holding, hg)
		}
	}
	r.Held += t - start
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
		for _, since := range rs.holding {
			for _, s := range since {
				r.Held += end - s
			}
		}
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
