package html

import (
	"github.com/vizrun/vizrun/internal/parse"
)

// Latency: how long things took one at a time, as histograms with their
// 50th, 90th and 99th percentiles: waiting for a P, each kind of blocking
// wait, waits on each named lock or channel, and each type of task and
// region. The model keeps these histograms exactly (four buckets per power
// of two, so a percentile is the upper bound of its bucket, within 19%).

type latencyView struct {
	Kind, Name, Count, P50, P90, P99, Max string
	Index                                 int
}

const maxLatencyRows = 60

func (b *builder) buildLatency() {
	t := b.t
	var rows []latencyRow
	add := func(kind, name string, h *parse.Histogram) {
		if h.N == 0 || len(rows) >= maxLatencyRows {
			return
		}
		r := latencyRow{Kind: kind, Name: shorten(name, maxName), Count: h.N,
			P50: h.Quantile(0.5), P90: h.Quantile(0.9), P99: h.Quantile(0.99), Max: h.Max}
		h.Buckets(func(low, high, count int64) { r.Buckets = append(r.Buckets, [2]int64{low, count}) })
		rows = append(rows, r)
	}
	add("scheduling", "waiting for a P (runnable)", &t.Latency)
	for _, r := range parse.BlockReasons {
		name := "blocked on " + r.String()
		if r == parse.ReasonSyscall {
			name = "in a system call"
		}
		add("wait", name, &t.WaitHist[r])
	}
	for i := range t.Resources {
		if i == maxNamed {
			break
		}
		r := &t.Resources[i]
		kind := "lock"
		if r.Kind == parse.KindChan {
			kind = "chan"
		}
		add(kind, r.Kind.String()+" "+r.Name, &r.Hist)
	}
	for i := range t.TaskTypes {
		if i == 20 {
			break
		}
		add("task", "task "+t.TaskTypes[i].Type, &t.TaskTypes[i].Hist)
	}
	n := 0
	for i := range t.RegionTypes {
		if isTracerRegion(t.RegionTypes[i].Type) {
			continue
		}
		if n++; n > 20 {
			break
		}
		add("region", "region "+t.RegionTypes[i].Type, &t.RegionTypes[i].Hist)
	}
	b.d.Latency.Rows = rows
	cols := make([][]int64, 4)
	for _, r := range rows {
		cols[0] = append(cols[0], r.P50)
		cols[1] = append(cols[1], r.P90)
		cols[2] = append(cols[2], r.P99)
		cols[3] = append(cols[3], r.Max)
	}
	c50, c90, c99, cmax := durColumn(cols[0]), durColumn(cols[1]), durColumn(cols[2]), durColumn(cols[3])
	for i, r := range rows {
		b.v.Latency = append(b.v.Latency, latencyView{Kind: r.Kind, Name: r.Name, Count: group(itoa(r.Count)),
			P50: c50(r.P50), P90: c90(r.P90), P99: c99(r.P99), Max: cmax(r.Max), Index: i})
	}
}
