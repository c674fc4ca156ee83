package parse

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestHistogramBuckets(t *testing.T) {
	// Buckets are contiguous and ordered: every value falls in the bucket
	// whose bounds hold it.
	for _, d := range []int64{0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 1000, 1 << 20, 1<<20 + 1, 123456789, 1 << 62} {
		i := bucketOf(d)
		if lo := bucketLow(i); lo > d {
			t.Errorf("d=%d in bucket %d whose low is %d", d, i, lo)
		}
		if hi := bucketLow(i + 1); hi <= d {
			t.Errorf("d=%d in bucket %d but the next starts at %d", d, i, hi)
		}
	}
}

func TestHistogramQuantile(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	var h Histogram
	var all []int64
	for range 10000 {
		d := int64(r.ExpFloat64() * 1e6)
		h.Add(d)
		all = append(all, d)
	}
	slices.Sort(all)
	for _, q := range []float64{0.5, 0.9, 0.99, 1} {
		exact := all[int(q*float64(len(all)))-1]
		got := h.Quantile(q)
		// Upper estimate, within one bucket (19%).
		if got < exact || float64(got) > float64(exact)*1.2+1 {
			t.Errorf("q%.2f: %d, exact %d", q, got, exact)
		}
	}
	if h.Quantile(1) != h.Max || h.N != 10000 {
		t.Errorf("max %d, quantile(1) %d, n %d", h.Max, h.Quantile(1), h.N)
	}
	var empty Histogram
	if empty.Quantile(0.99) != 0 {
		t.Error("empty histogram has a quantile")
	}
}

func TestHistogramBucketsFunc(t *testing.T) {
	var h Histogram
	for _, d := range []int64{0, 3, 5, 100, 1000, 1001, 1 << 40} {
		h.Add(d)
	}
	var n, prevHigh int64
	h.Buckets(func(low, high, count int64) {
		if low >= high || low < prevHigh {
			t.Errorf("bucket [%d, %d) after one ending at %d", low, high, prevHigh)
		}
		prevHigh = high
		n += count
	})
	if n != h.N || prevHigh != h.Max+1 {
		t.Errorf("buckets count %d of %d values, end at %d (max %d)", n, h.N, prevHigh, h.Max)
	}
}
