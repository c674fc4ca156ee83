package parse

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
	dimBlocked                  // + Reason: user goroutines blocked, by reason
	NumDims          = dimBlocked + Dim(NumReasons)
)

// BlockedDim is the dimension counting user goroutines blocked for r.
func BlockedDim(r Reason) Dim { return dimBlocked + Dim(r) }

// seriesBuckets is the most buckets kept; the series ends up with between
// half of it and all of it for any trace longer than seriesBuckets µs.
const seriesBuckets = 2048

// Series is the parallelism of the program over time.
type Series struct {
	Width int64            // bucket width, ns
	N     int              // number of buckets
	Sum   [NumDims][]int64 // per bucket: integral of the count over time, ns
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
	count [NumDims]int64
	last  [NumDims]int64
}

func newSeriesAcc() *seriesAcc {
	a := &seriesAcc{width: 1000, wf: newWaterfallAcc()}
	for d := range a.sum {
		a.sum[d] = make([]int64, seriesBuckets)
	}
	return a
}

// change adds delta to the count of d at time t.
func (a *seriesAcc) change(d Dim, t int64, delta int64) {
	if a.wf != nil {
		a.wf.advance(t, &a.count)
	}
	if c := a.count[d]; c != 0 && t > a.last[d] {
		a.add(d, a.last[d], t, c)
	}
	a.count[d] += delta
	if t > a.last[d] {
		a.last[d] = t
	}
	if d >= dimBlocked && a.wf != nil {
		r := d - dimBlocked
		a.wf.blockedN += delta
		if a.count[d] > 0 {
			a.wf.blockedMask |= 1 << r
		} else {
			a.wf.blockedMask &^= 1 << r
		}
	}
}

// add adds weight w to d over [from, to).
func (a *seriesAcc) add(d Dim, from, to, w int64) {
	if to <= from {
		return
	}
	a.fit(to)
	sum := a.sum[d]
	for from < to {
		i := from / a.width
		end := min((i+1)*a.width, to)
		sum[i] += w * (end - from)
		from = end
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
		a.width *= 2
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
	return s
}
