package parse

import "math/bits"

// Lost parallelism. The program could have kept GOMAXPROCS Ps busy for the
// whole trace; the waterfall says where that capacity went, moment by
// moment, integrated exactly while streaming:
//
//   - Ps running the program's goroutines (user code);
//   - Ps running the runtime's goroutines, and GC assists (GC and runtime);
//   - idle Ps while goroutines were runnable (scheduler latency);
//   - idle Ps while goroutines were blocked, split among the blocking
//     reasons (and the tracer's named locks and channels) in proportion to
//     how many goroutines waited on each;
//   - idle Ps with nothing to do.
//
// At each moment, with P Ps, r goroutines running, q runnable and b blocked
// (system calls included): idle = P - r; min(idle, q) is lost to the
// scheduler; of the rest, min(rest, b) is lost to blocking; the remainder
// had nothing to do.

// Waterfall is GOMAXPROCS × wall time, split by where it went (P·ns).
type Waterfall struct {
	Capacity int64             // GOMAXPROCS × wall time
	User     int64             // running the program's goroutines (GC assists excluded)
	Runtime  int64             // running the runtime's goroutines and GC assists
	Runnable int64             // idle while goroutines were runnable
	Blocked  [NumReasons]int64 // idle while goroutines were blocked, by reason
	Idle     int64             // idle with nothing to do
}

// BlockedTotal is the idle capacity lost to blocking.
func (w *Waterfall) BlockedTotal() int64 {
	var s int64
	for _, v := range w.Blocked {
		s += v
	}
	return s
}

// waterfallAcc integrates the waterfall from the series' counts.
type waterfallAcc struct {
	last    int64
	procs   int64
	cap     float64
	user    float64
	runtime float64
	runq    float64
	blocked [NumReasons]float64
	idle    float64

	// blockedN is the number of goroutines blocked (any reason) and
	// blockedMask has bit r set while some are blocked for reason r; the
	// series keeps them as counts change.
	blockedN    int64
	blockedMask uint32

	// pre holds the counts' integrals while GOMAXPROCS is unknown.
	pre struct {
		run, sys, runq, sync float64
		blocked              [NumReasons]float64
	}

	// Named resources with goroutines waiting on them: index into
	// Trace.Resources (before sorting) -> waiters.
	waiting map[int]int64
	resIdle map[int]float64
}

func newWaterfallAcc() *waterfallAcc {
	return &waterfallAcc{waiting: map[int]int64{}, resIdle: map[int]float64{}}
}

// advance integrates [last, t) with the counts as they were.
func (w *waterfallAcc) advance(t int64, count *[NumDims]int64) {
	dt := t - w.last
	if dt <= 0 {
		return
	}
	w.last = t
	p := w.procs
	if p <= 0 {
		// GOMAXPROCS is not known yet (its first report may come a little
		// after the trace starts): keep the counts' integrals, to share out
		// once it is (see setProcs).
		f := float64(dt)
		w.pre.run += float64(count[DimRunning]) * f
		w.pre.sys += float64(count[DimRunningSystem]) * f
		w.pre.runq += float64(count[DimRunnable]) * f
		w.pre.sync += float64(count[DimSyscall]) * f
		for r := Reason(1); r < NumReasons; r++ {
			w.pre.blocked[r] += float64(count[BlockedDim(r)]) * f
		}
		return
	}
	f := float64(dt)
	w.cap += float64(p) * f
	run := min(count[DimRunning], p)
	sys := min(count[DimRunningSystem], p-run)
	w.user += float64(run) * f
	w.runtime += float64(sys) * f
	idle := p - run - sys
	if idle <= 0 {
		return
	}
	lost := min(idle, count[DimRunnable])
	w.runq += float64(lost) * f
	rest := idle - lost
	b := w.blockedN + count[DimSyscall]
	blockedP := min(rest, b)
	w.idle += float64(rest-blockedP) * f
	if blockedP == 0 {
		return
	}
	share := float64(blockedP) * f / float64(b)
	for m := w.blockedMask; m != 0; m &= m - 1 {
		r := Reason(bits.TrailingZeros32(m))
		w.blocked[r] += share * float64(count[BlockedDim(r)])
	}
	if n := count[DimSyscall]; n > 0 {
		w.blocked[ReasonSyscall] += share * float64(n)
	}
	for i, n := range w.waiting {
		w.resIdle[i] += share * float64(min(n, b))
	}
}

// setProcs records GOMAXPROCS from time t on. The first time, the stretch
// before it is assumed to have had the same GOMAXPROCS, and its counts'
// integrals are shared out as advance would have, in bulk.
func (w *waterfallAcc) setProcs(t int64, count *[NumDims]int64, procs int64) {
	w.advance(t, count)
	if w.procs == 0 && procs > 0 && t > 0 {
		c := float64(procs) * float64(t)
		w.cap += c
		run := min(w.pre.run, c)
		sys := min(w.pre.sys, c-run)
		w.user += run
		w.runtime += sys
		idle := c - run - sys
		lost := min(idle, w.pre.runq)
		w.runq += lost
		rest := idle - lost
		b := w.pre.sync
		for _, v := range w.pre.blocked {
			b += v
		}
		blocked := min(rest, b)
		if b > 0 {
			for r, v := range w.pre.blocked {
				w.blocked[r] += blocked * v / b
			}
			w.blocked[ReasonSyscall] += blocked * w.pre.sync / b
		}
		w.idle += rest - blocked
	}
	w.procs = procs
}

func (w *waterfallAcc) finish() Waterfall {
	r := func(f float64) int64 { return int64(f + 0.5) }
	out := Waterfall{Capacity: r(w.cap), User: r(w.user), Runtime: r(w.runtime), Runnable: r(w.runq), Idle: r(w.idle)}
	for i, v := range w.blocked {
		out.Blocked[i] = r(v)
	}
	return out
}
