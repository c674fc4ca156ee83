package corpus

import (
	"path/filepath"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestWaterfallBlame: the lost-parallelism waterfall blames only waits
// that held the program's work back (issue 16.5). The truth for each trace
// is in its label's "source" and "why": what the workload's goroutines do.
func TestWaterfallBlame(t *testing.T) {
	share := func(w *parse.Waterfall, v int64) float64 { return float64(v) / float64(w.Capacity) }
	cases := []struct {
		trace string
		why   string
		check func(w *parse.Waterfall) bool
	}{
		{"net-idle", "a background reader waits on the network while main's sleeps and work decide the pace: the network holds nothing back",
			func(w *parse.Waterfall) bool {
				return share(w, w.Blocked[parse.ReasonNetwork]+w.Blocked[parse.ReasonSyscall]) < 0.01 && share(w, w.Blocked[parse.ReasonSleep]) > 0.5
			}},
		{"signal-plumbing", "the os/signal receiver and a keep-alive reader wait all the time; main's sleeps pace the program",
			func(w *parse.Waterfall) bool {
				return share(w, w.Blocked[parse.ReasonChanRecv]+w.Blocked[parse.ReasonNetwork]) < 0.01
			}},
		{"net-load", "a load test whose main only sleeps until the time is up: the paths do not stand for the work, the workers' network waits are what they wait on",
			func(w *parse.Waterfall) bool { return top(w) == parse.ReasonNetwork && w.PathOnly == 0 }},
		{"pipeline-slow-stage", "the stages wait on channels for the slow stage, which runs: only the critical path ran",
			func(w *parse.Waterfall) bool { return w.PathOnly > 20*w.BlockedTotal() }},
		{"http-mutex", "handlers wait on one mutex: lock waits keep their share whatever the paths did",
			func(w *parse.Waterfall) bool {
				return top(w) == parse.ReasonMutex && share(w, w.Blocked[parse.ReasonMutex]) > 0.2
			}},
		{"child-wait", "main waits for child processes (a system call); its WaitGroup wait is woken by the waiters, not the cause",
			func(w *parse.Waterfall) bool {
				return top(w) == parse.ReasonSyscall && w.Blocked[parse.ReasonWaitGroup] == 0
			}},
	}
	for _, c := range cases {
		tr, err := parse.ReadFile(filepath.Join(dir, c.trace+".trace.gz"), parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Check(); err != nil {
			t.Errorf("%s: %v", c.trace, err)
		}
		if w := &tr.Waterfall; !c.check(w) {
			t.Errorf("%s: %s; got %+v", c.trace, c.why, *w)
		}
	}
}

func top(w *parse.Waterfall) parse.Reason {
	best := parse.ReasonNone
	for r, v := range w.Blocked {
		if v > w.Blocked[best] {
			best = parse.Reason(r)
		}
	}
	return best
}
