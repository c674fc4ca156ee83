package parse

import (
	"cmp"
	"slices"
)

// Parallelism over time is kept as time-weighted integrals in a bounded number
// of equal buckets. When the trace outgrows the buckets, neighbours are merged
// and the width doubles, so memory does not grow with the trace and integrals
// stay exact at every resolution.

// Dim is one quantity tracked over time.
type Dim uint8

const (
	DimRunning       Dim = iota // user goroutines running
	DimRunningSystem            // runtime goroutines running (GC workers, ...)
	DimRunnable                 // user goroutines waiting for a P
	DimSyscall                  // user goroutines in a system call
	DimGC                       // 1 while the GC mark phase runs
	DimSTW                      // 1 while the world is stopped
	// DimWaiting counts the user goroutines blocked or in a system call
	// that are not idle plumbing (see Trace.IdleWait): the waits that can
	// hold the program back.
	DimWaiting
	// DimBlockedIdle is the Ps that sat idle while goroutines were
	// waiting (the waterfall's "idle, blocked"), in P·ns per bucket.
	DimBlockedIdle
	dimBlocked                                  // + Reason: user goroutines blocked, by reason
	dimWaitingOn = dimBlocked + Dim(NumReasons) // + Reason: DimWaiting, by what was waited on
	NumDims      = dimWaitingOn + Dim(NumReasons)
)

// BlockedDim is the dimension counting user goroutines blocked for r.
func BlockedDim(r Reason) Dim { return dimBlocked + Dim(r) }

// WaitingOnDim is the dimension counting the goroutines of DimWaiting by
// what they waited on: their own reason, or, while the goroutine that woke
// them was itself blocked or in a system call, that goroutine's reason (a
// goroutine waiting on a channel for a reader that waits on the network
// waits on the network). ReasonSyscall counts system calls.
func WaitingOnDim(r Reason) Dim { return dimWaitingOn + Dim(r) }

// seriesBuckets is the most buckets kept; the series ends up with between
// half of it and all of it for any trace longer than seriesBuckets µs.
const seriesBuckets = 2048

// Series is the parallelism of the program over time.
type Series struct {
	Width int64            // bucket width, ns
	N     int              // number of buckets
	Sum   [NumDims][]int64 // per bucket: integral of the count over time, ns

	// Top holds, per bucket, the largest contributors of each kind (see
	// TopKind): exact while at most TopN contribute to a bucket, the
	// usual case where one goroutine runs or one call site is waited at;
	// beyond, the heaviest ones, with their time overestimated by at most
	// the time of those left out.
	Top [numTopKinds][][TopN]Share
}

// TopKind is a kind of contributor the series ranks in each bucket.
type TopKind uint8

const (
	TopRunners TopKind = iota // user goroutines by running time; Share.Key is the GoID
	TopWaits                  // waits that can hold the program back (DimWaiting) by call site and reason; Share.Key is SiteKey
	numTopKinds
)

// TopN is how many contributors of each kind a bucket keeps.
const TopN = 4

// Share is one contributor's time in a bucket.
type Share struct {
	Key uint64
	Ns  int64
}

// SiteKey is the Share.Key of waits at frame f for reason r.
func SiteKey(f FrameID, r Reason) uint64 { return uint64(f)<<8 | uint64(r) }

// SplitSiteKey undoes SiteKey.
func SplitSiteKey(k uint64) (FrameID, Reason) { return FrameID(k >> 8), Reason(k & 0xff) }

// TopIn sums the contributors of kind k over buckets [from, to), heaviest
// first.
func (s *Series) TopIn(k TopKind, from, to int) []Share {
	sum := map[uint64]int64{}
	for i := max(from, 0); i < min(to, len(s.Top[k])); i++ {
		for _, sh := range s.Top[k][i] {
			if sh.Ns > 0 {
				sum[sh.Key] += sh.Ns
			}
		}
	}
	out := make([]Share, 0, len(sum))
	for key, ns := range sum {
		out = append(out, Share{key, ns})
	}
	slices.SortFunc(out, func(a, b Share) int { return cmp.Or(cmp.Compare(b.Ns, a.Ns), cmp.Compare(a.Key, b.Key)) })
	return out
}

// Avg is the average count of d in bucket i.
func (s *Series) Avg(d Dim, i int) float64 {
	if s.Width == 0 || i >= len(s.Sum[d]) {
		return 0
	}
	return float64(s.Sum[d][i]) / float64(s.Width)
}

// seriesAcc builds a Series while streaming. Each dimension integrates its
// count lazily: only when the count changes, so a transition costs O(1).
type seriesAcc struct {
	wf    *waterfallAcc // integrates the waterfall from the same counts
	width int64
	sum   [NumDims][]int64
	top   [numTopKinds][][TopN]Share
	count [NumDims]int64
	last  [NumDims]int64

	// The bucket the last add or addTop ended in: index cur, times [lo,
	// hi). Nearly every span booked lies within it (spans are short and
	// booked as time goes on), and then needs neither fit nor a division.
	// fit forgets it (hi = 0) when the width changes.
	cur    int
	lo, hi int64
}

func newSeriesAcc() *seriesAcc {
	a := &seriesAcc{width: 1000}
	a.wf = newWaterfallAcc(a)
	for d := range a.sum {
		a.sum[d] = make([]int64, seriesBuckets)
	}
	for k := range a.top {
		a.top[k] = make([][TopN]Share, seriesBuckets)
	}
	return a
}

// addTop books ns of contributor key of kind k over [from, to).
func (a *seriesAcc) addTop(k TopKind, key uint64, from, to int64) {
	if to <= from {
		return
	}
	if from >= a.lo && to <= a.hi {
		bookTop(&a.top[k][a.cur], key, to-from)
		return
	}
	a.fit(to)
	top := a.top[k]
	// One division: the buckets after the first start at multiples of
	// the width.
	i := from / a.width
	for end := (i + 1) * a.width; end < to; end += a.width {
		bookTop(&top[i], key, end-from)
		from = end
		i++
	}
	bookTop(&top[i], key, to-from)
	a.at(i)
}

// at remembers bucket i as the one the last booking ended in.
func (a *seriesAcc) at(i int64) {
	a.cur, a.lo, a.hi = int(i), i*a.width, (i+1)*a.width
}

// bookTop adds ns to key among a bucket's contributors; a new key takes the
// place of the lightest when all are taken (and its time, as an upper bound:
// the space-saving sketch).
func bookTop(b *[TopN]Share, key uint64, ns int64) {
	low := 0
	for j := range b {
		switch {
		case b[j].Key == key && b[j].Ns > 0: // the key first: it mostly differs
			b[j].Ns += ns
			return
		case b[j].Ns == 0:
			b[j] = Share{key, ns}
			return
		case b[j].Ns < b[low].Ns:
			low = j
		}
	}
	b[low] = Share{key, b[low].Ns + ns}
}

// change adds delta to the count of d at time t.
func (a *seriesAcc) change(d Dim, t int64, delta int64) {
	if a.wf != nil && t > a.wf.last { // advance does nothing otherwise: spare the call
		a.wf.advance(t, &a.count)
	}
	if c, from := a.count[d], a.last[d]; c != 0 && t > from {
		if from >= a.lo && t <= a.hi { // add's first case, without the call
			a.sum[d][a.cur] += c * (t - from)
		} else {
			a.add(d, from, t, c)
		}
	}
	a.count[d] += delta
	if t > a.last[d] {
		a.last[d] = t
	}
}

// add adds weight w to d over [from, to).
func (a *seriesAcc) add(d Dim, from, to, w int64) {
	if to <= from {
		return
	}
	if from >= a.lo && to <= a.hi { // as in addTop
		a.sum[d][a.cur] += w * (to - from)
		return
	}
	a.fit(to)
	sum := a.sum[d]
	i := from / a.width // one division, as in addTop
	for end := (i + 1) * a.width; end < to; end += a.width {
		sum[i] += w * (end - from)
		from = end
		i++
	}
	sum[i] += w * (to - from)
	a.at(i)
}

// addTotal adds total to d over [from, to), spread in proportion to time.
func (a *seriesAcc) addTotal(d Dim, from, to, total int64) {
	if to <= from || total == 0 {
		return
	}
	a.fit(to)
	sum := a.sum[d]
	left := total
	for f := from; f < to; {
		i := f / a.width
		end := min((i+1)*a.width, to)
		v := total * (end - f) / (to - from)
		if end == to {
			v = left
		}
		sum[i] += v
		left -= v
		f = end
	}
}

// fit merges buckets until time t fits.
func (a *seriesAcc) fit(t int64) {
	for t > a.width*seriesBuckets {
		for d := range a.sum {
			s := a.sum[d]
			for j := 0; j < seriesBuckets/2; j++ {
				s[j] = s[2*j] + s[2*j+1]
			}
			clear(s[seriesBuckets/2:])
		}
		for k := range a.top {
			s := a.top[k]
			for j := 0; j < seriesBuckets/2; j++ {
				m := s[2*j]
				for _, sh := range s[2*j+1] {
					if sh.Ns > 0 {
						bookTop(&m, sh.Key, sh.Ns)
					}
				}
				s[j] = m
			}
			clear(s[seriesBuckets/2:])
		}
		a.width *= 2
		a.lo, a.hi = 0, 0
	}
}

// finish integrates every dimension up to end and returns the series.
func (a *seriesAcc) finish(end int64) Series {
	for d := range a.sum {
		if c := a.count[d]; c != 0 {
			a.add(Dim(d), a.last[d], end, c)
		}
	}
	a.fit(max(end, 1))
	n := int((end + a.width - 1) / a.width)
	n = max(1, min(n, seriesBuckets))
	s := Series{Width: a.width, N: n}
	for d := range a.sum {
		s.Sum[d] = a.sum[d][:n:n]
	}
	for k := range a.top {
		s.Top[k] = a.top[k][:n:n]
	}
	return s
}
