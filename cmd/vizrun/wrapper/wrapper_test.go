package wrapper

import (
	"strings"
	"testing"
)

// A goroutine leak profile at debug=2, as Go 1.26 (with the experiment)
// and 1.27 write it.
const dump = `goroutine 7 [running]:
runtime/pprof.writeGoroutineStacks({0x514988, 0x69920390018})
	/usr/local/go/src/runtime/pprof/pprof.go:819 +0x6b
main.vizrun_watch({0x1, 0x2})
	/p/zz_vizrun_main.go:209 +0x119

goroutine 1 [sync.WaitGroup.Wait (leaked), 2 minutes]:
sync.(*WaitGroup).Wait(0x3e57e8782020)
	/usr/local/go/src/sync/waitgroup.go:206 +0x85
main.vizrunUserMain()
	/p/main.go:14 +0xfb
main.main()
	/p/zz_vizrun_main.go:256 +0x35

goroutine 23 gp=0xf2d6ae812c0 m=nil [trace reader (blocked)]:
runtime.ReadTrace()
	/usr/local/go/src/runtime/trace.go:893 +0x45
created by runtime/trace.(*traceMultiplexer).startLocked in goroutine 1
	/usr/local/go/src/runtime/trace/subscribe.go:157 +0x132

goroutine 18 [chan send (leaked)]:
main.vizrunUserMain.func1()
	/p/main.go:12 +0x65
created by main.vizrunUserMain in goroutine 1
	/p/main.go:12 +0x93
`

func TestParseDump(t *testing.T) {
	gs := vizrun_parseDump(dump)
	if len(gs) != 4 {
		t.Fatalf("%d goroutines, want 4", len(gs))
	}
	want := []vizrun_g{{id: "7", status: "running"}, {id: "1", status: "sync.WaitGroup.Wait", leaked: true}, {id: "23", status: "trace reader (blocked)"}, {id: "18", status: "chan send", leaked: true}}
	for i, g := range gs {
		if g.id != want[i].id || g.status != want[i].status || g.leaked != want[i].leaked {
			t.Errorf("goroutine %d: %+v, want %+v", i, g, want[i])
		}
	}
	if ids := strings.Join(vizrun_leakedIDs(gs), " "); ids != "1 18" {
		t.Errorf("leaked ids %q", ids)
	}
	if !vizrun_own(gs[2]) || vizrun_own(gs[1]) {
		t.Error("the trace reader is not told from the program's goroutines")
	}
}

// TestDeadlocked: a deadlock is every goroutine of the program proven
// leaked, the caller and the trace reader aside; one goroutine that is
// not (sleeping, waiting on a global) means there is none.
func TestDeadlocked(t *testing.T) {
	stuck, ok := vizrun_deadlocked(dump, "7")
	if !ok || len(stuck) != 2 || stuck[0].id != "1" || stuck[1].id != "18" {
		t.Errorf("deadlocked: %v, %+v", ok, stuck)
	}
	if _, ok := vizrun_deadlocked(dump+"\ngoroutine 30 [sleep]:\ntime.Sleep(0x1)\n", "7"); ok {
		t.Error("a sleeping goroutine did not rule the deadlock out")
	}
	if _, ok := vizrun_deadlocked(dump, "99"); ok {
		t.Error("a running goroutine did not rule the deadlock out")
	}
	if _, ok := vizrun_deadlocked("", "7"); ok {
		t.Error("no goroutine at all is no deadlock")
	}
}

func TestClean(t *testing.T) {
	gs := vizrun_parseDump(dump)
	got := vizrun_clean(gs[1].text)
	want := "goroutine 1 [sync.WaitGroup.Wait (leaked), 2 minutes]:\nsync.(*WaitGroup).Wait(0x3e57e8782020)\n\t/usr/local/go/src/sync/waitgroup.go:206 +0x85\nmain.main()\n\t/p/main.go:14 +0xfb"
	if got != want {
		t.Errorf("cleaned:\n%s\nwant:\n%s", got, want)
	}
}

// TestSyncStuck: goroutines that only wait on each other's locks (not
// proven leaked: the locks are globals) look deadlocked; one that sleeps,
// or waits on a channel a timer could feed, rules it out.
func TestSyncStuck(t *testing.T) {
	const locks = `goroutine 1 [sync.WaitGroup.Wait, 1 minutes]:
sync.(*WaitGroup).Wait(0x1)
main.main()

goroutine 23 gp=0xf2d6ae812c0 m=nil [trace reader (blocked)]:
runtime.ReadTrace()
created by runtime/trace.(*traceMultiplexer).startLocked in goroutine 1

goroutine 24 [sync.Mutex.Lock]:
sync.(*Mutex).Lock(0x2)
main.lockBoth()

goroutine 25 [sync.Mutex.Lock]:
sync.(*Mutex).Lock(0x3)
main.lockBoth()
`
	stuck, ok := vizrun_syncStuck(locks, "7")
	if !ok || len(stuck) != 3 || stuck[0].id != "1" || stuck[2].id != "25" {
		t.Errorf("stuck: %v, %+v", ok, stuck)
	}
	if _, ok := vizrun_deadlocked(locks, "7"); ok {
		t.Error("not proven, yet deadlocked")
	}
	for _, other := range []string{"goroutine 30 [sleep]:\ntime.Sleep(0x1)\n", "goroutine 30 [chan receive]:\nmain.f()\n", "goroutine 30 [select]:\nmain.f()\n", "goroutine 30 [IO wait]:\nnet.f()\n"} {
		if _, ok := vizrun_syncStuck(locks+"\n"+other, "7"); ok {
			t.Errorf("%q did not rule it out", other)
		}
	}
	if _, ok := vizrun_syncStuck(dump, "7"); !ok {
		t.Error("goroutines proven leaked count as stuck too")
	}
}
