package findings_test

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
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

// TestStuckLockInCutTrace: the same goroutines in a trace cut short (a
// program killed while it hung: here the first 200 ms as a window) are not
// proven stuck for good, but their waits, still going on where the trace
// ends, are not contention either: nobody can tell them from a deadlock.
func TestStuckLockInCutTrace(t *testing.T) {
	tr, err := parse.ReadFile(filepath.Join("testdata", "stuck-lock.trace.gz"), parse.Options{Window: [2]int64{0, 200e6}})
	if err != nil {
		t.Fatal(err)
	}
	if !tr.Cut {
		t.Fatal("a window is not marked cut")
	}
	var open int
	for _, g := range tr.Goroutines {
		if g.End == parse.EndBlocked && g.EndReason == parse.ReasonMutex && !g.System {
			open++
		}
	}
	if open == 0 {
		t.Fatal("no lock wait still open where the window ends")
	}
	for _, f := range findings.Analyze(tr, findings.Default) {
		if f.Kind == "lock-contention" {
			t.Errorf("a lock-contention finding for %d waits still open where a cut trace ends: %s", open, f.Message)
		}
	}
}
