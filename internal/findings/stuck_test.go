package findings_test

import (
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/workload"
)

// TestStuckLockIsNotContention: goroutines stuck on a lock for good (one
// locked a mutex twice; another waits behind it) are a leak or a deadlock,
// not contention: nothing ever let them in. One finding says so (the
// leak), not two.
func TestStuckLockIsNotContention(t *testing.T) {
	_, fs := analyze(t, "stuck-lock", func() {
		var mu sync.Mutex
		workload.Go("relocker", func() {
			mu.Lock()
			mu.Lock() // never returns
		})
		time.Sleep(10 * time.Millisecond)
		workload.Go("behind", func() {
			mu.Lock() // never returns
		})
		time.Sleep(300 * time.Millisecond)
	})
	got := kinds(fs)
	hasLeak := false
	for _, k := range got {
		if k == "lock-contention" {
			t.Errorf("findings %v: a lock-contention finding for goroutines stuck for good", got)
		}
		hasLeak = hasLeak || k == "goroutine-leak"
	}
	if !hasLeak {
		t.Errorf("findings %v: want the leak of the stuck goroutines", got)
	}
}
