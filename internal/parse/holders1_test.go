package parse_test

import (
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/workload"
)

// TestHolderOneWaiter: the holder of a plain sync.Mutex is known when one
// goroutine at a time waits for it (a new user's bigcache test: a callback
// sleeping under a shard lock while the cleaner waits): the holder holds
// it 60 ms at a time, and a waiter comes in the middle of a hold.
func TestHolderOneWaiter(t *testing.T) {
	tr := causal(t, "holder-one-waiter", func() {
		var mu sync.Mutex
		var wg sync.WaitGroup
		wg.Add(2)
		workload.Go("holder", func() {
			defer wg.Done()
			for i := 0; i < 3; i++ {
				mu.Lock()
				time.Sleep(60 * time.Millisecond)
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
			}
		})
		workload.Go("waiter", func() {
			defer wg.Done()
			time.Sleep(10 * time.Millisecond)
			for i := 0; i < 3; i++ {
				mu.Lock()
				mu.Unlock()
				time.Sleep(80 * time.Millisecond)
			}
		})
		wg.Wait()
	})
	holder := parse.GoID(0)
	for _, g := range tr.Goroutines {
		if g.Name == "holder" {
			holder = g.ID
		}
	}
	found := false
	for _, s := range tr.Sites {
		if s.Reason != parse.ReasonMutex || s.Total < 40e6 {
			continue
		}
		found = true
		if len(s.Holders) == 0 || s.Holders[0].G != holder {
			t.Fatalf("site %s: holders %+v, want G%d (holder)", tr.Frames[s.Frame].Func, s.Holders, holder)
		}
		if b := s.Holders[0].Blame; float64(b) < 0.95*float64(s.Total) || b > s.Total {
			t.Errorf("the holder is blamed for %v of %v of waits", time.Duration(b), time.Duration(s.Total))
		}
	}
	if !found {
		t.Fatal("no mutex wait of 40 ms or more: record again (-record)")
	}
}
