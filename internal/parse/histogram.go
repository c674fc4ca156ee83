package parse

import "math/bits"

// Histogram counts durations in logarithmic buckets: four per power of two,
// so a quantile is known within 19%, in a fixed 2 KiB whatever the count.
type Histogram struct {
	Counts [histBuckets]int64
	N      int64
	Max    int64
}

const (
	histSub     = 4 // buckets per power of two
	histBuckets = 64 * histSub
)

// bucketOf returns the bucket of d >= 0.
func bucketOf(d int64) int {
	if d < histSub {
		return int(max(d, 0))
	}
	exp := bits.Len64(uint64(d)) - 1 // 2^exp <= d < 2^(exp+1)
	sub := int(d>>(exp-2)) & (histSub - 1)
	return exp*histSub + sub - (2*histSub - histSub) // continuous after the small values
}

// bucketLow is the smallest duration in bucket i.
func bucketLow(i int) int64 {
	if i < histSub {
		return int64(i)
	}
	i += histSub
	exp, sub := i/histSub, i%histSub
	return int64(histSub+sub) << (exp - 2)
}

// Add counts one duration.
func (h *Histogram) Add(d int64) {
	if d < 0 {
		d = 0
	}
	h.Counts[min(bucketOf(d), histBuckets-1)]++
	h.N++
	h.Max = max(h.Max, d)
}

// Remove takes back one Add(d); Max stays.
func (h *Histogram) Remove(d int64) {
	if i := min(bucketOf(max(d, 0)), histBuckets-1); h.Counts[i] > 0 {
		h.Counts[i]--
		h.N--
	}
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.Counts {
		h.Counts[i] += c
	}
	h.N += o.N
	h.Max = max(h.Max, o.Max)
}

// Quantile returns an upper estimate of the q-quantile (0 < q <= 1): the
// upper bound of the bucket holding it, never more than Max.
func (h *Histogram) Quantile(q float64) int64 {
	if h.N == 0 {
		return 0
	}
	rank := int64(q*float64(h.N) + 0.5)
	rank = min(max(rank, 1), h.N)
	var seen int64
	for i, c := range h.Counts {
		seen += c
		if seen >= rank {
			if i+1 < histBuckets {
				return min(bucketLow(i+1)-1, h.Max)
			}
			return h.Max
		}
	}
	return h.Max
}

// Buckets calls fn with the bounds [low, high) and count of every non-empty
// bucket, in order (for charts of the distribution).
func (h *Histogram) Buckets(fn func(low, high, count int64)) {
	for i, c := range h.Counts {
		if c > 0 {
			high := h.Max + 1
			if i+1 < histBuckets {
				high = min(bucketLow(i+1), h.Max+1)
			}
			fn(bucketLow(i), high, c)
		}
	}
}
