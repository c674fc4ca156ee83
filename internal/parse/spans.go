package parse

// Span storage. Appends grow the capacity by half (append grows large
// slices by a quarter, copying each span several times over a long trace;
// see grow), and when
// the model holds more spans than Options.MaxSpans, runs of spans shorter
// than a resolution are merged into one, so memory follows the report's
// level of detail and not the trace's length. Totals, sites, histograms,
// the series and the waterfall are booked as spans close, so they stay
// exact; only the spans themselves lose detail.

// DefaultMaxSpans bounds the spans the model keeps (goroutine and proc
// spans together, 24 bytes each) unless Options.MaxSpans says otherwise.
const DefaultMaxSpans = 4 << 20

// RawMerged marks a span that stands for a run of shorter spans: its state
// and reason are those that took most of its time.
const RawMerged = 1<<16 - 1

// Merged reports whether s stands for several spans.
func (s Span) Merged() bool { return s.Raw == RawMerged }

// grow appends x, growing the slice by half: the capacity left unused
// (a third at most) is memory the model holds for nothing.
func grow[T any](s []T, x T) []T {
	if len(s) == cap(s) {
		n := make([]T, len(s), max(cap(s)+cap(s)/2, 8))
		copy(n, s)
		s = n
	}
	return append(s, x)
}

// shrink gives back the capacity a merge freed: merging in place halves
// the spans but not the array that holds them, and the arrays would
// otherwise keep the model at its largest.
func shrink[T any](s []T) []T {
	if cap(s) <= 64 || cap(s) <= 2*len(s) {
		return s
	}
	n := make([]T, len(s), len(s)+len(s)/2)
	copy(n, s)
	return n
}

// mergeSpans merges, in place, the runs of spans shorter than res.
func mergeSpans(spans []Span, res int64) []Span {
	out := spans[:0]
	var (
		run     Span
		inRun   bool
		n       int
		byCode  [numStates][NumReasons]int64
		touched []uint16
	)
	flush := func() {
		if !inRun {
			return
		}
		best, bestT := uint16(0), int64(-1)
		for _, c := range touched {
			st, r := c>>8, c&0xff
			if t := byCode[st][r]; t > bestT {
				best, bestT = c, t
			}
			byCode[st][r] = 0 // also for a run of one: the next run starts clean
		}
		if n == 1 {
			out = append(out, run)
		} else {
			out = append(out, Span{Start: run.Start, End: run.End, State: State(best >> 8), Reason: Reason(best & 0xff), Raw: RawMerged})
		}
		touched = touched[:0]
		inRun, n = false, 0
	}
	for _, s := range spans {
		if s.End-s.Start >= res {
			flush()
			out = append(out, s)
			continue
		}
		if !inRun {
			run, inRun = s, true
		}
		run.End = s.End
		n++
		c := uint16(s.State)<<8 | uint16(s.Reason)
		if byCode[s.State][s.Reason] == 0 {
			touched = append(touched, c)
		}
		byCode[s.State][s.Reason] += s.End - s.Start
		if run.End-run.Start >= res {
			flush()
		}
	}
	flush()
	return out
}

// mergeProcSpans merges, in place, runs of proc spans shorter than res and
// the gaps between them. A merged span has G < 0: -G is the time goroutines
// ran in it.
func mergeProcSpans(spans []ProcSpan, res int64) []ProcSpan {
	out := spans[:0]
	var run ProcSpan
	var busy int64
	n := 0
	flush := func() {
		if n == 1 {
			out = append(out, run)
		} else if n > 1 {
			out = append(out, ProcSpan{Start: run.Start, End: run.End, G: -GoID(max(busy, 1))})
		}
		n, busy = 0, 0
	}
	busyOf := func(s ProcSpan) int64 {
		if s.G < 0 {
			return int64(-s.G)
		}
		return s.End - s.Start
	}
	for _, s := range spans {
		long := s.End-s.Start >= res
		if n > 0 && (long || s.Start-run.End >= res || s.End-run.Start >= res) {
			flush()
		}
		if long {
			out = append(out, s)
			continue
		}
		if n == 0 {
			run = s
		}
		run.End = s.End
		busy += busyOf(s)
		n++
	}
	flush()
	return out
}

// coarsen merges spans until the model holds at most half of maxSpans. The
// resolution never exceeds the trace so far: when even that leaves more
// spans than the budget (more goroutines than spans allowed, each with a
// span of its own), the budget grows to twice what is left, so that
// merging does not run again at every span.
func (b *builder) coarsen() {
	res := max(b.t.Coarsened*2, 1000)
	if res > b.now {
		res = max(b.t.Coarsened, 1000)
	}
	for {
		total := 0
		for _, gs := range b.all() {
			gs.g.Spans = shrink(mergeSpans(gs.g.Spans, res))
			gs.g.Wakes = shrink(keepWakes(gs.g.Spans, gs.g.Wakes))
			total += len(gs.g.Spans) + len(gs.g.Wakes)
		}
		for _, ps := range b.procs {
			if ps != nil {
				ps.proc.Spans = shrink(mergeProcSpans(ps.proc.Spans, res))
				total += len(ps.proc.Spans)
			}
		}
		b.t.Coarsened = res
		b.nspans = total
		if total <= b.maxSpans/2 {
			b.limit = b.maxSpans
			return
		}
		if res >= b.now {
			b.limit = max(b.maxSpans, 2*total)
			return
		}
		res = min(res*2, max(b.now, 1000))
	}
}

// all lists every goroutine's state.
func (b *builder) all() []*gstate {
	out := make([]*gstate, 0, len(b.t.Goroutines))
	for _, gs := range b.gs {
		if gs != nil {
			out = append(out, gs)
		}
	}
	for _, gs := range b.gmap {
		out = append(out, gs)
	}
	return out
}
