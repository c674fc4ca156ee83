package html

import (
	"math"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
)

// Parallelism over time, in three charts that each answer one question:
// how many goroutines ran, against GOMAXPROCS (at most GOMAXPROCS: its own
// scale); how many waited for a P or sat in system calls (possibly
// thousands: apart, as lines, not stacked on the running ones); and how
// many were blocked, by reason (stacked: together they are the blocked
// goroutines). Then the heap and the GC's goal over time.

// maxPoints bounds the points of a series over time.
const maxPoints = 1024

// buildSeries fills d.Series.
func (b *builder) buildSeries() {
	t := b.t
	s := &t.Parallel
	// Neighbouring buckets are averaged: they are integrals, so this is
	// exact.
	k := 1
	for (s.N+k-1)/k > maxPoints {
		k *= 2
	}
	n := (s.N + k - 1) / k
	width := s.Width * int64(k)
	avg := func(dim parse.Dim) ([]float64, bool) {
		vals := make([]float64, n)
		nonzero := false
		for i := range vals {
			var sum float64
			for j := i * k; j < min((i+1)*k, s.N); j++ {
				sum += s.Avg(dim, j)
			}
			vals[i] = round3(sum / float64(k))
			nonzero = nonzero || vals[i] != 0
		}
		return vals, nonzero
	}
	detail := ""
	if width > 0 {
		detail = "averages over " + units.Duration(width)
	}
	sd := &b.d.Series
	running, _ := avg(parse.DimRunning)
	system, _ := avg(parse.DimRunningSystem)
	procs := make([]float64, n)
	ch, j, cur := t.GOMAXPROCSChanges, 0, float64(t.GOMAXPROCS)
	if len(ch) > 0 {
		cur = float64(ch[0].Value)
	}
	for i := range procs {
		for j < len(ch) && ch[j].Time <= int64(i)*width {
			cur = float64(ch[j].Value)
			j++
		}
		procs[i] = cur
	}
	sd.Running = lineBlock{Width: width, Unit: "goroutines", Detail: detail, Lines: []lineData{
		{Name: "user goroutines running", Code: catRunning, Stack: "p", Values: running},
		{Name: "runtime goroutines running", Code: catRuntime, Stack: "p", Values: system},
		{Name: "GOMAXPROCS", Code: -1, Values: procs},
	}}
	runnable, _ := avg(parse.DimRunnable)
	syscall, _ := avg(parse.DimSyscall)
	sd.Waiting = lineBlock{Width: width, Unit: "goroutines", Detail: detail, Lines: []lineData{
		{Name: "runnable (waiting for a P)", Code: catRunnable, Values: runnable},
		{Name: "in system calls", Code: catSyscall, Values: syscall},
	}}
	sd.Blocked = lineBlock{Width: width, Unit: "goroutines", Detail: detail}
	for _, r := range parse.BlockReasons {
		if r == parse.ReasonSyscall {
			continue // its own state, drawn with the waiting goroutines
		}
		if v, ok := avg(parse.BlockedDim(r)); ok {
			sd.Blocked.Lines = append(sd.Blocked.Lines, lineData{Name: r.String(), Code: reasonCat(r), Stack: "b", Values: v})
		}
	}
	b.chart("blocked").Series = nil
	for _, l := range sd.Blocked.Lines {
		b.chart("blocked").Series = append(b.chart("blocked").Series, l.Name)
	}
	sd.Heap = lineBlock{Unit: "bytes", Lines: []lineData{
		{Name: "live heap", Code: catHeap, Points: samplePoints(t.Heap, t.Duration, true)},
		{Name: "heap goal", Code: -1, Points: samplePoints(t.HeapGoal, t.Duration, false)},
	}}
}

// samplePoints turns metric samples into at most 2 × maxPoints points: in
// each of maxPoints stretches, the largest and the smallest value (peaks
// matter for the heap), or the last one.
func samplePoints(ss []parse.Sample, duration int64, extremes bool) [][2]float64 {
	out := [][2]float64{}
	if len(ss) <= 2*maxPoints || duration <= 0 {
		for _, s := range ss {
			out = append(out, [2]float64{float64(s.Time), float64(s.Value)})
		}
		return out
	}
	w := (duration + maxPoints - 1) / maxPoints
	for i := 0; i < len(ss); {
		b := ss[i].Time / w
		lo, hi := i, i
		j := i
		for ; j < len(ss) && ss[j].Time/w == b; j++ {
			if ss[j].Value < ss[lo].Value {
				lo = j
			}
			if ss[j].Value > ss[hi].Value {
				hi = j
			}
		}
		switch {
		case !extremes:
			out = append(out, [2]float64{float64(ss[j-1].Time), float64(ss[j-1].Value)})
		case lo == hi:
			out = append(out, [2]float64{float64(ss[lo].Time), float64(ss[lo].Value)})
		default:
			a, c := min(lo, hi), max(lo, hi)
			out = append(out, [2]float64{float64(ss[a].Time), float64(ss[a].Value)}, [2]float64{float64(ss[c].Time), float64(ss[c].Value)})
		}
		i = j
	}
	return out
}

// round3 keeps three decimals: series values need no more.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
