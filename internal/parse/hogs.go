package parse

// CPU hogs. A goroutine that keeps a P until the runtime preempts it, while
// goroutines that were just woken up (a timer fired, a message arrived) wait
// for a P, delays their work: that is a CPU hog. Goroutines preempted while
// only other preempted goroutines wait are ordinary time-slicing. The
// preempted runs are summed while streaming, so the finding does not depend
// on the model's level of detail.

// HogCutoffs are the run lengths, in ns, at which preempted runs are summed
// (HogRuns): a threshold between two of them counts from the lower one.
var HogCutoffs = [...]int64{1e6, 2e6, 5e6, 10e6, 20e6, 50e6, 100e6, 200e6, 500e6, 1e9}

// HogRuns sums the runs of one goroutine that the runtime ended by
// preemption, by run length: entry i counts the runs at least HogCutoffs[i]
// long. N, Total and Waiting count those during which goroutines that had
// been woken up waited for a P; Preempted counts them all.
type HogRuns struct {
	N         [len(HogCutoffs)]int64 // runs
	Total     [len(HogCutoffs)]int64 // their running time, ns
	Waiting   [len(HogCutoffs)]int64 // woken goroutines waiting at their preemptions, summed
	Preempted [len(HogCutoffs)]int64 // running time of every preempted run, ns

	// The longest of them.
	LongestStart, LongestEnd int64
	LongestWaiting           int64
	LongestStack             StackID // where it was preempted
}

// Cutoff is the index of the largest cutoff not above d, or -1.
func HogCutoff(d int64) int {
	i := -1
	for j, c := range HogCutoffs {
		if c <= d {
			i = j
		}
	}
	return i
}

// preempted books the running span s of gs, which the runtime has just
// preempted with the goroutine at stack stk.
func (b *builder) preempted(gs *gstate, s *Span, t int64, stk StackID) {
	d := t - s.Start
	if gs.g.System || d < HogCutoffs[0] {
		return
	}
	if stk != 0 && b.info(stk).raw {
		return // the kernel's time (fork, exec, a raw system call)
	}
	h := gs.g.Hog
	if h == nil {
		h = &HogRuns{}
		gs.g.Hog = h
	}
	for i, c := range HogCutoffs {
		if d < c {
			break
		}
		h.Preempted[i] += d
		if b.woken <= 0 {
			continue
		}
		h.N[i]++
		h.Total[i] += d
		h.Waiting[i] += b.woken
	}
	if b.woken > 0 && d > h.LongestEnd-h.LongestStart {
		h.LongestStart, h.LongestEnd, h.LongestWaiting, h.LongestStack = s.Start, t, b.woken, stk
	}
}
