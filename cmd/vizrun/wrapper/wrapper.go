// Package wrapper is the code vizrun run and vizrun test add to the program
// they build (go build -overlay), kept here as a real package so that it is
// compiled, vetted and tested with vizrun. vizrun copies this file into the
// program's package, with the package clause changed and a few declarations
// of its own added (the program's main, or its TestMain): every top-level
// name and import starts with vizrun_ so that none can clash with the
// program's. It imports only the standard library, so the program's module
// needs no new dependency.
//
// The strings vizrun writes into traces (vizrun.start, vizrun.stop,
// vizrun.leaked, vizrun.deadlock, vizrun.stuck) and the environment it sets are those of
// internal/protocol, which a program of another module cannot import; a test
// keeps them equal.
package wrapper

import (
	vizrun_bytes "bytes"
	vizrun_context "context"
	vizrun_errors "errors"
	vizrun_fs "io/fs"
	vizrun_os "os"
	vizrun_runtime "runtime"
	vizrun_metrics "runtime/metrics"
	vizrun_pprof "runtime/pprof"
	vizrun_trace "runtime/trace"
	vizrun_strings "strings"
	vizrun_sync "sync"
	vizrun_time "time"
)

var (
	vizrun_file *vizrun_os.File
	vizrun_once vizrun_sync.Once

	// How the trace starts and stops: vizrun's build changes these when
	// it lets the program's own trace.Start join the recording.
	vizrun_traceStart = vizrun_trace.Start
	vizrun_traceStop  = vizrun_trace.Stop
)

// vizrun_start starts the execution tracer into the file named by
// $VIZRUN_TRACE_OUT, which it creates. Only the first process to get there
// traces: a program that starts itself again (tests that run their own
// binary do) finds the file made and leaves it alone.
func vizrun_start() {
	vizrun_path := vizrun_os.Getenv("VIZRUN_TRACE_OUT")
	if vizrun_path == "" {
		return
	}
	f, err := vizrun_os.OpenFile(vizrun_path, vizrun_os.O_WRONLY|vizrun_os.O_CREATE|vizrun_os.O_EXCL, 0o600)
	if err != nil {
		if !vizrun_errors.Is(err, vizrun_fs.ErrExist) {
			println("vizrun: cannot write the trace:", err.Error())
		}
		return
	}
	if err := vizrun_traceStart(f); err != nil {
		println("vizrun: cannot start the execution tracer:", err.Error())
		f.Close()
		return
	}
	vizrun_file = f
	vizrun_trace.Log(vizrun_context.Background(), "vizrun.start", "")
	if out := vizrun_os.Getenv("VIZRUN_DEADLOCK_OUT"); out != "" {
		go vizrun_watch(out)
	}
}

// vizrun_stop ends the trace, once: it logs the goroutines the runtime
// proves leaked, then the stop mark, and stops the tracer.
func vizrun_stop() {
	vizrun_once.Do(func() {
		if vizrun_file == nil {
			return
		}
		vizrun_logLeaks()
		vizrun_trace.Log(vizrun_context.Background(), "vizrun.stop", "")
		vizrun_traceStop()
		vizrun_file.Close()
	})
}

// vizrun_logLeaks logs the ids of the goroutines the runtime proves
// leaked, when it has the goroutine leak profile. The garbage collection
// that proves them is vizrun's work, not the program's (vizrun.own).
func vizrun_logLeaks() {
	ctx := vizrun_context.Background()
	defer vizrun_trace.StartRegion(ctx, "vizrun.own").End()
	if dump, ok := vizrun_leakDump(); ok {
		vizrun_trace.Log(ctx, "vizrun.leaked", vizrun_strings.Join(vizrun_leakedIDs(vizrun_parseDump(dump)), " "))
	}
}

// vizrun_leakDump returns the runtime's goroutine leak profile at debug
// level 2: every goroutine's stack, those proven leaked marked "(leaked)"
// in their header. The profile exists from Go 1.27, and in Go 1.26 built
// with GOEXPERIMENT=goroutineleakprofile; ok is false without it.
func vizrun_leakDump() (dump string, ok bool) {
	p := vizrun_pprof.Lookup("goroutineleak")
	if p == nil {
		return "", false
	}
	var b vizrun_bytes.Buffer
	if err := p.WriteTo(&b, 2); err != nil {
		return "", false
	}
	return b.String(), true
}

// vizrun_g is one goroutine of a dump.
type vizrun_g struct {
	id     string
	status string // "chan receive", without "(leaked)" and the minutes
	leaked bool
	text   string // header and stack, as the runtime wrote them
}

// vizrun_parseDump splits a goroutine dump (runtime.Stack(buf, true), the
// goroutine profile at debug=2) into goroutines. Headers look like
// "goroutine 7 [chan receive (leaked), 2 minutes]:", with more words
// between the id and the bracket under some GOTRACEBACK settings.
func vizrun_parseDump(dump string) []vizrun_g {
	var out []vizrun_g
	for _, block := range vizrun_strings.Split(dump, "\n\n") {
		block = vizrun_strings.Trim(block, "\n")
		header, _, _ := vizrun_strings.Cut(block, "\n")
		f := vizrun_strings.Fields(header)
		if len(f) < 3 || f[0] != "goroutine" {
			continue
		}
		open, end := vizrun_strings.IndexByte(header, '['), vizrun_strings.LastIndexByte(header, ']')
		if open < 0 || end < open {
			continue
		}
		status := header[open+1 : end]
		status, _, _ = vizrun_strings.Cut(status, ",")
		g := vizrun_g{id: f[1], text: block}
		g.status, g.leaked = vizrun_strings.CutSuffix(status, " (leaked)")
		out = append(out, g)
	}
	return out
}

// vizrun_leakedIDs lists the ids of the goroutines marked leaked.
func vizrun_leakedIDs(gs []vizrun_g) []string {
	ids := []string{}
	for _, g := range gs {
		if g.leaked {
			ids = append(ids, g.id)
		}
	}
	return ids
}

// vizrun_goid is the calling goroutine's id.
func vizrun_goid() string {
	var buf [64]byte
	s := string(buf[:vizrun_runtime.Stack(buf[:], false)])
	if f := vizrun_strings.Fields(s); len(f) > 1 {
		return f[1]
	}
	return ""
}

// vizrun_own tells the goroutines vizrun added from the program's: those
// runtime/trace starts to write the trace (its reader), which are no
// system goroutines, so goroutine dumps show them.
func vizrun_own(g vizrun_g) bool {
	return vizrun_strings.Contains(g.text, "\ncreated by runtime/trace.")
}

// vizrun_deadlocked reports whether dump shows a deadlock: every goroutine
// of the program blocked on something the runtime proved no goroutine can
// reach, so that none can ever run again. It returns those goroutines as
// the runtime would print them. self is the caller, left out.
func vizrun_deadlocked(dump, self string) (stuck []vizrun_g, ok bool) {
	return vizrun_all(dump, self, func(g vizrun_g) bool { return g.leaked })
}

// vizrun_all returns the goroutines of the program in dump (self and
// vizrun's own aside) if there are some and stuck holds for every one.
func vizrun_all(dump, self string, stuck func(vizrun_g) bool) (gs []vizrun_g, ok bool) {
	for _, g := range vizrun_parseDump(dump) {
		if g.id == self || vizrun_own(g) {
			continue
		}
		if !stuck(g) {
			return nil, false
		}
		gs = append(gs, g)
	}
	return gs, len(gs) > 0
}

// vizrun_syncOnly lists the waits only another goroutine of the program can
// end: no timer, signal, network or system call does.
var vizrun_syncOnly = map[string]bool{
	"sync.Mutex.Lock": true, "sync.RWMutex.Lock": true, "sync.RWMutex.RLock": true,
	"sync.WaitGroup.Wait": true, "sync.Cond.Wait": true, "semacquire": true,
	"chan receive (nil chan)": true, "chan send (nil chan)": true, "select (no cases)": true,
}

// vizrun_syncStuck reports whether dump shows every goroutine of the
// program (self and vizrun's own aside) proven leaked or waiting on
// something only another of them could end (vizrun_syncOnly): none can
// run again, unless a timer's function (time.AfterFunc) ends a wait. The
// runtime's detector counts pending timers and this cannot, so it is a
// warning, not the end of the program: locks reachable from a global, which
// the leak profile cannot prove, deadlock so.
func vizrun_syncStuck(dump, self string) (stuck []vizrun_g, ok bool) {
	return vizrun_all(dump, self, func(g vizrun_g) bool { return g.leaked || vizrun_syncOnly[g.status] })
}

// vizrun_warnStuck says once, in the trace (vizrun.stuck, the goroutines'
// ids) and then on stderr, that the program looks deadlocked.
func vizrun_warnStuck(stuck []vizrun_g) {
	var ids, who []string
	for i, g := range stuck {
		ids = append(ids, g.id)
		if i < 5 {
			who = append(who, "goroutine "+g.id+" ["+g.status+"]")
		}
	}
	if len(stuck) > 5 {
		who = append(who, "...")
	}
	vizrun_trace.Log(vizrun_context.Background(), "vizrun.stuck", vizrun_strings.Join(ids, " "))
	// The mark must be in a finished generation (vizrun run closes one
	// every 200 ms) before the user is told to press Ctrl-C, which kills
	// the program and loses the generation in progress.
	vizrun_time.Sleep(vizrun_time.Second)
	vizrun_os.Stderr.WriteString("vizrun: the program looks deadlocked: every goroutine waits on a lock, a WaitGroup or a Cond that only another of them could release (" +
		vizrun_strings.Join(who, ", ") + "); Go would have stopped it without tracing, unless a timer was due. Press Ctrl-C for the report.\n")
}

// vizrun_idle says whether, by the scheduler's counters, nothing but the
// caller runs: no other goroutine running or runnable, none in a system
// call or in C. made is how many goroutines were ever created.
func vizrun_idle(s []vizrun_metrics.Sample) (idle bool, made uint64, ok bool) {
	vizrun_metrics.Read(s)
	for _, x := range s {
		if x.Value.Kind() != vizrun_metrics.KindUint64 {
			return false, 0, false
		}
	}
	running, runnable, notInGo := s[0].Value.Uint64(), s[1].Value.Uint64(), s[2].Value.Uint64()
	return running <= 1 && runnable == 0 && notInGo == 0, s[3].Value.Uint64(), true
}

// vizrun_watch stands in for the runtime's deadlock detector, which never
// fires while the execution tracer runs (the tracer's own timers count as
// something that will wake the program). When the program has been idle
// for a while (no goroutine created, and in nearly every look nothing but
// the runtime's periodic work running) it takes the goroutine leak profile;
// if the runtime proves every goroutine leaked, the program is deadlocked:
// the watch says so as the runtime would, writes the goroutines to the
// file out for vizrun run, completes the trace and exits with status 2. If
// they only wait on each other's locks (vizrun_syncStuck), it says the
// program looks deadlocked, once, and lets it be.
// After each fruitless check it waits twice as long, up to 30 s: each
// check costs a garbage collection.
func vizrun_watch(out string) {
	if vizrun_pprof.Lookup("goroutineleak") == nil {
		return
	}
	// The watch is vizrun's, not the program's: a name with the tracer's
	// prefix makes it a system goroutine in the report.
	vizrun_trace.Log(vizrun_context.Background(), "vizrun.name", "vizrun.deadlock-watch")
	s := []vizrun_metrics.Sample{
		{Name: "/sched/goroutines/running:goroutines"},
		{Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/not-in-go:goroutines"},
		{Name: "/sched/goroutines-created:goroutines"},
	}
	self := vizrun_goid()
	const every = 50 * vizrun_time.Millisecond
	patience := vizrun_time.Second
	var looks, busy int
	var made uint64
	warned := false
	since := vizrun_time.Now()
	for {
		vizrun_time.Sleep(every)
		idle, n, ok := vizrun_idle(s)
		if !ok {
			return
		}
		if n != made {
			// New goroutines: the program is doing something.
			made, looks, busy, since = n, 0, 0, vizrun_time.Now()
			continue
		}
		looks++
		if !idle {
			busy++
		}
		if vizrun_time.Since(since) < patience {
			continue
		}
		if busy*4 <= looks {
			r := vizrun_trace.StartRegion(vizrun_context.Background(), "vizrun.own")
			dump, _ := vizrun_leakDump()
			r.End()
			if stuck, ok := vizrun_deadlocked(dump, self); ok {
				vizrun_die(out, stuck)
			}
			if stuck, ok := vizrun_syncStuck(dump, self); ok && !warned {
				warned = true
				vizrun_warnStuck(stuck)
			}
			if patience *= 2; patience > 30*vizrun_time.Second {
				patience = 30 * vizrun_time.Second
			}
		}
		looks, busy, since = 0, 0, vizrun_time.Now()
	}
}

// vizrun_die ends a deadlocked program as the runtime would have.
func vizrun_die(out string, stuck []vizrun_g) {
	var b vizrun_strings.Builder
	for i, g := range stuck {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(vizrun_clean(g.text))
	}
	b.WriteString("\n")
	vizrun_os.WriteFile(out, []byte(b.String()), 0o600)
	vizrun_trace.Log(vizrun_context.Background(), "vizrun.deadlock", "")
	vizrun_stop()
	vizrun_os.Stderr.WriteString("fatal error: all goroutines are asleep - deadlock!\n\n" + b.String())
	vizrun_os.Exit(2)
}

// vizrun_clean shows a goroutine's stack as in the program's source:
// without the wrapper's frames, and main by its name.
func vizrun_clean(text string) string {
	lines := vizrun_strings.Split(text, "\n")
	out := lines[:0]
	for i := 0; i < len(lines); i++ {
		if i+1 < len(lines) && vizrun_strings.Contains(lines[i+1], "/zz_vizrun_main.go:") {
			i++ // a wrapper function and its file line
			continue
		}
		out = append(out, vizrun_strings.ReplaceAll(lines[i], "vizrunUserMain", "main"))
	}
	return vizrun_strings.Join(out, "\n")
}
