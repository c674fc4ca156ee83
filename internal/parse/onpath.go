package parse

import (
	"cmp"
	"slices"
)

// What held the program back, by its critical paths. A stretch where
// nothing ran while a goroutine waited on the network is not, by itself,
// a program bound by the network: a client library's background reader
// waits on the network all the time, whatever the program is doing. The
// wait held something back only if it was on the critical path of work
// the program did: the program as a whole (main's lifetime), a task, a
// region, or a test. PathSet is the union of those paths, to ask of a
// stretch what the paths were doing meanwhile.

// Bounds on the paths walked for a PathSet: the longest tasks and regions
// (those decide the most), each walk bounded in steps.
const (
	maxSetTasks   = 64
	maxSetRegions = 64
	maxSetTests   = 64
	maxSetSteps   = 1 << 16
)

// ProgramRange is the span of the program's own work: main's lifetime,
// ended where vizrun's own work on main begins (the leak profile taken
// just before tracing stops). ok is false without a main goroutine.
func (t *Trace) ProgramRange() (g GoID, from, to int64, ok bool) {
	m := t.MainGoroutine()
	if m == nil {
		return 0, 0, 0, false
	}
	end := t.Duration
	if m.Ended >= 0 {
		end = m.Ended
	}
	for i := range m.Spans {
		if s := &m.Spans[i]; s.Start < end && t.OwnWait(s) {
			end = s.Start
			break
		}
	}
	return m.ID, m.Created, end, end > m.Created
}

// PathSet is the union of the critical paths of the program, of its
// longest finished tasks, of its longest finished regions and, in a test
// binary, of its longest finished tests.
type PathSet struct {
	t    *Trace
	segs []pathSeg // all segments of all paths, by start
	N    int       // paths walked
	work map[StackID]bool
	on   map[GoID]bool // goroutines on the paths (see On)

	ran, explained [][2]int64 // see unions
	stands         int8       // StandsForWork, once known: 1 yes, -1 no
}

// pathSeg is a segment of a path in a PathSet; neutral when it explains
// nothing: a wait still going on where the path's range ends (what it
// waits for is not known), or a timer wait covering at least half of the
// path's range (a program that runs for a set time: its end says nothing
// of what its goroutines did meanwhile).
type pathSeg struct {
	PathSegment
	neutral bool
}

func (ps *PathSet) waitForWork(stk StackID) bool {
	w, ok := ps.work[stk]
	if !ok {
		w = ps.t.WaitForWork(stk)
		ps.work[stk] = w
	}
	return w
}

// WorkPaths walks the critical paths of the program's work (see PathSet),
// once: the model keeps them for the findings.
func (t *Trace) WorkPaths() *PathSet {
	if t.paths != nil {
		return t.paths
	}
	ps := &PathSet{t: t, work: map[StackID]bool{}}
	defer func() { t.paths = ps }()
	add := func(g GoID, from, to int64, limit int) {
		if to <= from || t.Goroutine(g) == nil {
			return
		}
		p := t.CriticalPathLimit(g, from, to, limit)
		for _, s := range p.Segments {
			neutral := s.State == StateBlocked && (s.Wake == WakeNone || s.Wake == WakeTimer && 2*(s.End-s.Start) >= to-from)
			ps.segs = append(ps.segs, pathSeg{s, neutral})
		}
		ps.N++
	}
	if g, from, to, ok := t.ProgramRange(); ok {
		add(g, from, to, maxPathSteps)
	}
	tasks := make([]*Task, 0, len(t.Tasks))
	for i := range t.Tasks {
		if tk := &t.Tasks[i]; !tk.Unfinished && tk.Ender != 0 {
			tasks = append(tasks, tk)
		}
	}
	slices.SortFunc(tasks, func(a, b *Task) int {
		return cmp.Or(cmp.Compare(b.End-b.Start, a.End-a.Start), cmp.Compare(a.ID, b.ID))
	})
	for _, tk := range tasks[:min(len(tasks), maxSetTasks)] {
		add(tk.Ender, tk.Start, tk.End, maxSetSteps)
	}
	regions := make([]*Region, 0, len(t.Regions))
	for i := range t.Regions {
		if r := &t.Regions[i]; !r.Unfinished {
			regions = append(regions, r)
		}
	}
	slices.SortFunc(regions, func(a, b *Region) int {
		return cmp.Or(cmp.Compare(b.End-b.Start, a.End-a.Start), cmp.Compare(a.Goroutine, b.Goroutine), cmp.Compare(a.Start, b.Start))
	})
	for _, r := range regions[:min(len(regions), maxSetRegions)] {
		add(r.Goroutine, r.Start, r.End, maxSetSteps)
	}
	// In a test binary main waits for the harness: the work is the tests',
	// each run by a goroutine of the testing package's.
	var tests []*Goroutine
	for _, g := range t.Goroutines {
		if !g.System && isTestRunner(g.StartFunc) && g.Ended >= 0 {
			tests = append(tests, g)
		}
	}
	slices.SortFunc(tests, func(a, b *Goroutine) int {
		return cmp.Or(cmp.Compare(b.Ended-b.Created, a.Ended-a.Created), cmp.Compare(a.ID, b.ID))
	})
	for _, g := range tests[:min(len(tests), maxSetTests)] {
		add(g.ID, max(g.Created, 0), g.Ended, maxSetSteps)
	}
	slices.SortStableFunc(ps.segs, func(a, b pathSeg) int { return cmp.Compare(a.Start, b.Start) })
	return ps
}

// On reports whether goroutine g is on one of the paths.
func (ps *PathSet) On(g GoID) bool {
	if ps.on == nil {
		ps.on = map[GoID]bool{}
		for i := range ps.segs {
			ps.on[ps.segs[i].G] = true
		}
	}
	return ps.on[g]
}

// WaitForWork reports whether a wait at stack stk is a listener waiting
// for connections or the test harness waiting for a test (see
// waitForWork): on a critical path, such a wait says only that the
// program waited for work to arrive.
func (t *Trace) WaitForWork(stk StackID) bool {
	if stk == 0 || int(stk) >= len(t.Stacks) {
		return false
	}
	return waitForWork(t.frames(stk), t.Frames[siteFrame(t.Stacks[stk].Frames, t.Frames)].Func)
}

// Cover measures what the paths did during the windows ws (sorted, not
// overlapping): on is the time some path spent in a segment in says yes
// to; other the time, outside that, some path spent otherwise (running,
// waiting for a P, or waiting on something else). Waits for work to arrive
// (see Trace.WaitForWork) and neutral segments (see pathSeg) explain
// nothing and count in neither, like time no path covers.
func (ps *PathSet) Cover(ws [][2]int64, in func(s *PathSegment) bool) (on, other int64) {
	var yes, no []PathSegment
	for i := range ps.segs {
		s := &ps.segs[i].PathSegment
		switch {
		case !ps.explains(i):
		case in(s):
			yes = append(yes, *s)
		default:
			no = append(no, *s)
		}
	}
	a, o := union(yes), union(no)
	w := make([][2]int64, len(ws))
	copy(w, ws)
	aw := intersect(a, w)
	return length(aw), length(intersect(o, w)) - length(intersect(o, aw))
}

// union merges segments (by start) into sorted disjoint intervals.
func union(segs []PathSegment) [][2]int64 {
	var out [][2]int64
	for _, s := range segs {
		if n := len(out); n > 0 && s.Start <= out[n-1][1] {
			out[n-1][1] = max(out[n-1][1], s.End)
			continue
		}
		out = append(out, [2]int64{s.Start, s.End})
	}
	return out
}

// intersect is the intersection of two sorted lists of disjoint intervals.
func intersect(a, b [][2]int64) [][2]int64 {
	var out [][2]int64
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
		if lo < hi {
			out = append(out, [2]int64{lo, hi})
		}
		if a[i][1] < b[j][1] {
			i++
		} else {
			j++
		}
	}
	return out
}

func length(xs [][2]int64) int64 {
	var n int64
	for _, x := range xs {
		n += x[1] - x[0]
	}
	return n
}

// StandsForWork reports whether what the paths did is what held the
// program's work back: the goroutines on the paths did at least half of
// the program's running, or the others waited mostly for them (a producer
// on the path that paces its workers: their waits are ended by it). It is
// not so for a load test whose main sleeps until the time is up while
// workers, woken by the network, do everything, or a server whose main
// waits in ListenAndServe.
func (ps *PathSet) StandsForWork() bool {
	if ps.stands != 0 {
		return ps.stands > 0
	}
	var onPaths, all, woken, paced int64
	for _, g := range ps.t.Goroutines {
		if g.System {
			continue
		}
		all += g.Totals.Running
		if ps.On(g.ID) {
			onPaths += g.Totals.Running
			continue
		}
		for _, w := range g.Wakes {
			if w.Source != WakeGoroutine {
				continue
			}
			if by := ps.t.Goroutine(w.By); by != nil && !by.System {
				woken++
				if ps.On(w.By) {
					paced++
				}
			}
		}
	}
	ps.stands = -1
	if all > 0 && (2*onPaths >= all || woken > 0 && 2*paced >= woken) {
		ps.stands = 1
	}
	return ps.stands > 0
}

// explains reports whether segment s says what held its path back: not a
// neutral segment, nor a wait for work to arrive.
func (ps *PathSet) explains(i int) bool {
	s := &ps.segs[i]
	return !s.neutral && !((s.State == StateBlocked || s.State == StateSyscall) && ps.waitForWork(s.Stack))
}

// pathWaits is what the paths did in each bucket of a series: the time
// they waited, by reason (ReasonSyscall for system calls; a wait on several
// paths, a task's and the program's, counts once), and the time some path
// explained at all (see explains).
type pathWaits struct {
	waits   [NumReasons][]float64
	covered []float64
}

func (ps *PathSet) waits(s *Series) *pathWaits {
	type wait struct {
		g          GoID
		r          Reason
		start, end int64
	}
	var ws []wait
	for i := range ps.segs {
		seg := &ps.segs[i]
		if !ps.explains(i) || seg.State != StateBlocked && seg.State != StateSyscall {
			continue
		}
		r := seg.Reason
		if seg.State == StateSyscall {
			r = ReasonSyscall
		}
		ws = append(ws, wait{seg.G, r, seg.Start, seg.End})
	}
	slices.SortFunc(ws, func(a, b wait) int {
		return cmp.Or(cmp.Compare(a.g, b.g), cmp.Compare(a.r, b.r), cmp.Compare(a.start, b.start))
	})
	out := &pathWaits{covered: make([]float64, s.N)}
	for r := range out.waits {
		out.waits[r] = make([]float64, s.N)
	}
	book := func(into []float64, from, to int64) {
		for from < to && s.Width > 0 {
			i := from / s.Width
			if i >= int64(s.N) {
				return
			}
			end := min((i+1)*s.Width, to)
			into[i] += float64(end - from)
			from = end
		}
	}
	for j := 0; j < len(ws); {
		w := ws[j]
		for j++; j < len(ws) && ws[j].g == w.g && ws[j].r == w.r && ws[j].start <= w.end; j++ {
			w.end = max(w.end, ws[j].end)
		}
		book(out.waits[w.r], w.start, w.end)
	}
	_, explained := ps.unions()
	for _, c := range explained {
		book(out.covered, c[0], c[1])
	}
	return out
}

// unions are the times some path explained (see explains), and of those
// the times some path ran or waited for a P, as sorted disjoint intervals,
// made once.
func (ps *PathSet) unions() (ran, explained [][2]int64) {
	if ps.explained == nil {
		var r, all []PathSegment
		for i := range ps.segs {
			if !ps.explains(i) {
				continue
			}
			s := ps.segs[i].PathSegment
			all = append(all, s)
			if s.State == StateRunning || s.State == StateRunnable {
				r = append(r, s)
			}
		}
		ps.ran, ps.explained = union(r), union(all)
		if ps.explained == nil {
			ps.explained = [][2]int64{}
		}
	}
	return ps.ran, ps.explained
}

// blameOnPaths splits the waterfall's idle time lost to waiting again (see
// splitLost), by what the critical paths of the program's work waited on,
// when they stand for that work: a keep-alive reader waiting on the network
// while main computes then holds nothing back, and neither do the stages of
// a pipeline waiting for its slowest: while the paths ran, the idle Ps are
// Waterfall.PathOnly, idle while only the paths had work. Lock waits keep
// their share. The named channels' share shrinks with the channel waits'.
func (t *Trace) blameOnPaths() {
	w := &t.Waterfall
	if w.BlockedTotal() == 0 {
		return
	}
	ps := t.WorkPaths()
	if ps.N == 0 || !ps.StandsForWork() {
		return
	}
	chans := func(b *[NumReasons]int64) int64 { return b[ReasonChanSend] + b[ReasonChanRecv] + b[ReasonSelect] }
	before := chans(&w.Blocked)
	// What the first split found to be nothing to do depends on the counts
	// only, and stays in Idle.
	w.Blocked, _, w.PathOnly = splitLost(&t.Parallel, ps.waits(&t.Parallel))
	if before > 0 {
		after := float64(chans(&w.Blocked)) / float64(before)
		for i := range t.Resources {
			if r := &t.Resources[i]; r.Kind == KindChan {
				r.Idle = round(float64(r.Idle) * after)
			}
		}
	}
}

// Held reports whether something happening in [from, to) (the world
// stopped, say) could hold the paths back: a path ran or waited for a P
// then, or no path says what held the work back then. It cannot if every
// path was waiting (on a timer, the network, another goroutine).
func (ps *PathSet) Held(from, to int64) bool {
	ran, explained := ps.unions()
	overlaps := func(xs [][2]int64) bool {
		i, _ := slices.BinarySearchFunc(xs, from, func(x [2]int64, t int64) int { return cmp.Compare(x[1], t+1) })
		return i < len(xs) && xs[i][0] < to && xs[i][1] > from
	}
	return overlaps(ran) || !overlaps(explained)
}
