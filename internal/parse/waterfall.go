package parse

// Lost parallelism. The program could have kept GOMAXPROCS Ps busy for the
// whole trace; the waterfall says where that capacity went, moment by
// moment, integrated exactly while streaming:
//
//   - Ps running the program's goroutines (user code);
//   - Ps running the runtime's goroutines, and GC assists (GC and runtime);
//   - idle Ps while goroutines were runnable (scheduler latency);
//   - idle Ps while goroutines waited (blocked or in system calls), split
//     among what they waited on (see below), and the tracer's named locks
//     and channels;
//   - idle Ps while goroutines waited but only the critical paths of the
//     program's work had work: they ran, and nothing they waited on held
//     them back (see below);
//   - idle Ps with nothing to do.
//
// At each moment, with P Ps, r goroutines running, q runnable and w waiting:
// idle = P - r; min(idle, q) is lost to the scheduler; of the rest, min(rest,
// w) is lost to waiting; the remainder had nothing to do. Only waits that can
// hold the program back count in w: idle plumbing (the os/signal receiver, an
// HTTP server waiting for requests or connections, the test harness waiting
// for a test; see Trace.IdleWait) is "nothing to do".
//
// The idle time lost to waiting is split among what the waiting goroutines
// waited on, within each bucket of the parallelism series: first to lock
// waits (Mutex, RWMutex), up to the goroutines waiting on locks, since a
// goroutine waiting for a lock has its work ready and only the lock holds it
// back, while one waiting for input (a channel, the network, a timer) would
// have nothing to run if the wait were gone; the rest in proportion to how
// many waited on each. What a goroutine waited on is its own reason, or,
// while the goroutine that woke it up was itself blocked or in a system
// call, that goroutine's reason: a request goroutine waiting on a channel for
// a connection reader that waits on the network waits on the network.
//
// Not every wait held work back: a keep-alive reader waits on the network
// whatever the program does. Once the model is built, the split is made
// again by the critical paths of the program's work (Trace.WorkPaths), when
// they stand for it (PathSet.StandsForWork): in the part of each bucket the
// paths explain, the time not given to locks goes to what the paths waited
// on, and, where they did not wait, to PathOnly. Where no path says what
// held the work back, the counts decide as above.

// Waterfall is GOMAXPROCS × wall time, split by where it went (P·ns).
type Waterfall struct {
	Capacity int64             // GOMAXPROCS × wall time
	User     int64             // running the program's goroutines (GC assists excluded)
	Runtime  int64             // running the runtime's goroutines and GC assists
	Runnable int64             // idle while goroutines were runnable
	Blocked  [NumReasons]int64 // idle while goroutines waited, by what they waited on (ReasonSyscall: system calls)
	PathOnly int64             // idle while only the work's critical paths had work (see Trace.blameOnPaths)
	Idle     int64             // idle with nothing to do
}

// BlockedTotal is the idle capacity lost to waiting.
func (w *Waterfall) BlockedTotal() int64 {
	var s int64
	for _, v := range w.Blocked {
		s += v
	}
	return s
}

// waterfallAcc integrates the waterfall from the series' counts.
type waterfallAcc struct {
	series  *seriesAcc
	last    int64
	procs   int64
	cap     float64
	user    float64
	runtime float64
	runq    float64
	idle    float64

	// pre holds the counts' integrals while GOMAXPROCS is unknown.
	pre struct {
		run, sys, runq, wait float64
	}

	// Named resources with goroutines waiting on them: index into
	// Trace.Resources (before sorting) -> waiters.
	waiting map[int]int64
	resIdle map[int]float64
}

func newWaterfallAcc(s *seriesAcc) *waterfallAcc {
	return &waterfallAcc{series: s, waiting: map[int]int64{}, resIdle: map[int]float64{}}
}

// advance integrates [last, t) with the counts as they were.
func (w *waterfallAcc) advance(t int64, count *[NumDims]int64) {
	from := w.last
	dt := t - from
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
		w.pre.wait += float64(count[DimWaiting]) * f
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
	b := count[DimWaiting]
	blockedP := min(rest, b)
	w.idle += float64(rest-blockedP) * f
	if blockedP == 0 {
		return
	}
	w.series.add(DimBlockedIdle, from, t, blockedP)
	share := float64(blockedP) * f / float64(b)
	for i, n := range w.waiting {
		w.resIdle[i] += share * float64(min(n, b))
	}
}

// addPre adds v (count × ns) of dimension d to the integrals kept while
// GOMAXPROCS is unknown; waits says the span also counts as waiting.
func (w *waterfallAcc) addPre(d Dim, waits bool, v float64) {
	switch d {
	case DimRunning:
		w.pre.run += v
	case DimRunningSystem:
		w.pre.sys += v
	case DimRunnable:
		w.pre.runq += v
	}
	if waits {
		w.pre.wait += v
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
		blocked := min(rest, w.pre.wait)
		w.series.addTotal(DimBlockedIdle, 0, t, int64(blocked+0.5))
		w.idle += rest - blocked
	}
	w.procs = procs
}

// isLockWait reports whether goroutines waiting for r have work ready that
// only a lock holds back.
func isLockWait(r Reason) bool { return r == ReasonMutex || r == ReasonRWMutex }

// finish rounds the waterfall and splits its idle time lost to waiting by
// what was waited on, bucket by bucket of the finished series s (see
// splitLost; the split is made again by the work's critical paths once the
// model is built, see Trace.blameOnPaths).
func (w *waterfallAcc) finish(s *Series) Waterfall {
	out := Waterfall{Capacity: round(w.cap), User: round(w.user), Runtime: round(w.runtime), Runnable: round(w.runq), Idle: round(w.idle)}
	var freed int64
	out.Blocked, freed, _ = splitLost(s, nil)
	out.Idle += freed
	return out
}

func round(f float64) int64 { return int64(f + 0.5) }

// splitLost splits the idle time lost to waiting, bucket by bucket of s,
// among what was waited on. Lock waits come first (see isLockWait). The
// rest goes to the other waits by how many goroutines waited on each, or,
// in the part of a bucket the work's critical paths explain (path: their
// waits by reason, and their cover, bucket by bucket), by how long the
// paths waited on each: where they did not wait, they ran, and the rest is
// pathOnly, idle while only the paths had work. idle is the time found to
// be nothing to do after all: buckets where only goroutines stuck for good
// waited.
func splitLost(s *Series, path *pathWaits) (out [NumReasons]int64, idle, pathOnly int64) {
	var total int64
	var share [NumReasons]float64
	var only float64
	for i := 0; i < s.N; i++ {
		lost := s.Sum[DimBlockedIdle][i]
		if lost == 0 {
			continue
		}
		total += lost
		var locks, others int64
		for rs := Reason(0); rs < NumReasons; rs++ {
			if isLockWait(rs) {
				locks += s.Sum[WaitingOnDim(rs)][i]
			} else {
				others += s.Sum[WaitingOnDim(rs)][i]
			}
		}
		if locks+others == 0 {
			// Only goroutines stuck for good waited (leaks): nothing
			// the program could have done.
			idle += lost
			continue
		}
		toLocks := min(lost, locks)
		if others == 0 {
			toLocks = lost
		}
		for rs := Reason(0); rs < NumReasons; rs++ {
			if v := s.Sum[WaitingOnDim(rs)][i]; v > 0 && isLockWait(rs) {
				share[rs] += float64(toLocks) * float64(v) / float64(locks)
			}
		}
		rest := float64(lost - toLocks)
		if rest == 0 {
			continue
		}
		if path != nil && s.Width > 0 {
			c := min(path.covered[i]/float64(s.Width), 1)
			var waited float64
			for rs := range path.waits {
				waited += path.waits[rs][i]
			}
			if waited == 0 {
				only += rest * c
			} else {
				for rs := range path.waits {
					if v := path.waits[rs][i]; v > 0 {
						share[rs] += rest * c * v / waited
					}
				}
			}
			rest *= 1 - c
		}
		for rs := Reason(0); rs < NumReasons; rs++ {
			if v := s.Sum[WaitingOnDim(rs)][i]; v > 0 && !isLockWait(rs) {
				share[rs] += rest * float64(v) / float64(others)
			}
		}
	}
	// Round so that the parts add up to the total exactly.
	pathOnly = round(only)
	var sum int64
	top := ReasonOther
	for rs := range share {
		out[rs] = round(share[rs])
		sum += out[rs]
		if out[rs] > out[top] {
			top = Reason(rs)
		}
	}
	out[top] += total - idle - pathOnly - sum
	return out, idle, pathOnly
}
