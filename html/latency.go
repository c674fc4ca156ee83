package html

import (
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
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
	d := units.Duration
	for i, r := range rows {
		b.v.Latency = append(b.v.Latency, latencyView{Kind: r.Kind, Name: r.Name, Count: group(itoa(r.Count)),
			P50: d(r.P50), P90: d(r.P90), P99: d(r.P99), Max: d(r.Max), Index: i})
	}
}
