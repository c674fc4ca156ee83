package parse

import (
	"cmp"
	"container/heap"
	"math/rand/v2"
	"slices"
	"testing"
)

// refHeap is longest as it was, a container/heap of the items themselves:
// the order the kept items come out in must not change, since the stable
// sort of the model's tasks and regions keeps it among equal ones.
type refHeap struct{ items []Region }

func (h *refHeap) Len() int           { return len(h.items) }
func (h *refHeap) Less(i, j int) bool { return dur(&h.items[i]) < dur(&h.items[j]) }
func (h *refHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *refHeap) Push(x any)         { h.items = append(h.items, x.(Region)) }
func (h *refHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

func dur(r *Region) int64 { return r.End - r.Start }

func (h *refHeap) add(x Region) bool {
	if len(h.items) < KeepAnnotations {
		h.items = append(h.items, x)
		if len(h.items) == KeepAnnotations {
			heap.Init(h)
		}
		return false
	}
	if dur(&x) <= dur(&h.items[0]) {
		return true
	}
	h.items[0] = x
	heap.Fix(h, 0)
	return true
}

func TestLongestKeepsHeapOrder(t *testing.T) {
	for _, n := range []int{10, KeepAnnotations, KeepAnnotations + 1, 3 * KeepAnnotations} {
		for _, spread := range []int64{5, 1000, 1 << 40} { // few durations (many ties) to all distinct
			rng := rand.New(rand.NewPCG(uint64(n), uint64(spread)))
			var got longest[Region]
			var want refHeap
			for i := range n {
				r := Region{Goroutine: GoID(i), Start: int64(i), End: int64(i) + rng.Int64N(spread)}
				d1, d2 := got.add(&r, r.End-r.Start), want.add(r)
				if d1 != d2 {
					t.Fatalf("n=%d spread=%d: item %d dropped=%v, want %v", n, spread, i, d1, d2)
				}
			}
			if !slices.Equal(got.list(), want.items) {
				t.Errorf("n=%d spread=%d: kept items differ from container/heap's, or their order does", n, spread)
			}
		}
	}
}

func TestSortedStableIsStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 17, 5000} {
		s := make([]Region, n)
		for i := range s {
			s[i] = Region{Goroutine: GoID(rng.IntN(3)), Start: rng.Int64N(10), End: rng.Int64N(10), Type: string(rune('a' + rng.IntN(26)))}
		}
		c := func(x, y *Region) int {
			return cmp.Or(cmp.Compare(x.Start, y.Start), cmp.Compare(x.Goroutine, y.Goroutine), cmp.Compare(y.End, x.End))
		}
		want := slices.Clone(s)
		slices.SortStableFunc(want, func(x, y Region) int { return c(&x, &y) })
		if got := sortedStable(slices.Clone(s), c); !slices.Equal(got, want) {
			t.Errorf("n=%d: not the order of slices.SortStableFunc", n)
		}
	}
}
