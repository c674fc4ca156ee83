package parse

import (
	"strings"

	"github.com/vizrun/vizrun/internal/protocol"
)

// Blocking reasons: the runtime's words are mapped in one switch, then refined
// by the blocking stack where the runtime is vague ("sync", or no reason at
// all for goroutines that were already blocked when the trace started).

// reasonFromRuntime maps the runtime's reason string for a transition to
// Waiting. needStack is true when the stack has to decide (sync, or no reason).
func reasonFromRuntime(raw string) (r Reason, needStack bool) {
	switch raw {
	case "chan receive":
		return ReasonChanRecv, false
	case "chan send":
		return ReasonChanSend, false
	case "select":
		return ReasonSelect, false
	case "sleep":
		return ReasonSleep, false
	case "sync":
		return ReasonOther, true
	case "sync.(*Cond).Wait":
		return ReasonCond, false
	case "network":
		return ReasonNetwork, false
	case "preempted":
		return ReasonPreempted, false
	case "":
		return ReasonOther, true
	}
	if strings.HasPrefix(raw, "GC ") || raw == "wait until GC ends" {
		return ReasonGC, false
	}
	return ReasonOther, false
}

// runnableReason maps the runtime's reason for Running -> Runnable.
func runnableReason(raw string) Reason {
	switch raw {
	case "preempted":
		return ReasonPreempted
	case "runtime.Gosched", "yield":
		return ReasonYield
	}
	return ReasonNone
}

// syncKind decides what a "sync" wait was from the blocking stack. Frames are
// innermost first; the outermost sync type before the first frame outside
// sync, internal/sync and runtime wins, so a writer waiting on the mutex inside
// an RWMutex counts as rwmutex and a sync.Once as mutex.
//
// The runtime's own semaphores (the GC's start, mark-done and
// stop-the-world semaphores) also say "sync": a wait in them, with no sync
// type above, is a wait on the GC.
func syncKind(frames []Frame) Reason {
	kind := ReasonNone
	gc := false
	for _, f := range frames {
		fn := f.Func
		inSync := strings.HasPrefix(fn, "sync.") || strings.HasPrefix(fn, "internal/sync.")
		if !inSync && !strings.HasPrefix(fn, "runtime.") {
			break
		}
		if !inSync {
			gc = gc || isGCFunc(fn)
			continue
		}
		switch {
		case strings.Contains(fn, "(*RWMutex)"):
			kind = ReasonRWMutex
		case strings.Contains(fn, "(*Mutex)"), strings.Contains(fn, "(*Once)"):
			kind = ReasonMutex
		case strings.Contains(fn, "(*WaitGroup)"):
			kind = ReasonWaitGroup
		case strings.Contains(fn, "(*Cond)"):
			kind = ReasonCond
		}
	}
	if kind == ReasonNone && gc {
		return ReasonGC
	}
	return kind
}

// isGCFunc reports whether a runtime function is part of the garbage
// collector or stops the world for it.
func isGCFunc(fn string) bool {
	for _, p := range []string{"runtime.gc", "runtime.GC", "runtime.stopTheWorld", "runtime.startTheWorld", "runtime.forEachP", "runtime.bgsweep", "runtime.bgscavenge", "runtime.markroot", "runtime.sweepone", "runtime.deductSweepCredit"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// tracerWait is the channel operation of a wait inside the tracer's Send or
// Recv, which the runtime reports as a select; ReasonNone otherwise.
func tracerWait(frames []Frame) Reason {
	for _, f := range frames {
		fn := f.Func
		if strings.HasPrefix(fn, "runtime.") {
			continue
		}
		if rest, ok := strings.CutPrefix(fn, protocol.TracerPkg+"."); ok {
			switch {
			case strings.HasPrefix(rest, "Send["), rest == "Send":
				return ReasonChanSend
			case strings.HasPrefix(rest, "Recv["), rest == "Recv":
				return ReasonChanRecv
			}
		}
		return ReasonNone
	}
	return ReasonNone
}

// inferReason guesses the reason of a wait the runtime did not name (a
// goroutine already blocked when the trace started) from its stack.
func inferReason(frames []Frame) (Reason, string) {
	for _, f := range frames {
		fn := f.Func
		switch {
		case fn == "runtime.gopark" || fn == "runtime.goparkunlock" || fn == "runtime.park_m":
			continue
		case strings.HasPrefix(fn, "runtime.chanrecv"):
			return ReasonChanRecv, ""
		case strings.HasPrefix(fn, "runtime.chansend"):
			return ReasonChanSend, ""
		case fn == "runtime.selectgo":
			return ReasonSelect, ""
		case fn == "runtime.block":
			return ReasonOther, "forever"
		case fn == "time.Sleep":
			return ReasonSleep, ""
		case strings.HasPrefix(fn, "internal/poll."):
			return ReasonNetwork, ""
		case fn == "runtime.notifyListWait" || fn == "sync.(*Cond).Wait":
			return ReasonCond, ""
		case strings.HasPrefix(fn, "runtime.semacquire") || strings.HasPrefix(fn, "sync.") || strings.HasPrefix(fn, "internal/sync."):
			if k := syncKind(frames); k != ReasonNone {
				return k, ""
			}
			return ReasonOther, "sync"
		case strings.HasPrefix(fn, "runtime."):
			continue
		default:
			return ReasonOther, "unknown"
		}
	}
	return ReasonOther, "unknown"
}

// isSystemFunc reports whether a goroutine starting in fn belongs to the
// runtime (GC workers, finalizers, the trace reader) or to vizrun's own
// tracer (its wall-clock sampler and fgprof's) rather than the program.
func isSystemFunc(fn string) bool {
	if fn == "runtime.main" {
		return false
	}
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "runtime/trace.") ||
		strings.HasPrefix(fn, "github.com/felixge/fgprof.") ||
		strings.HasPrefix(fn, protocol.TracerPkg+".(*wallClock)") ||
		strings.HasPrefix(fn, protocol.TracerPkg+"/wallclock.")
}

// inRawSyscall reports whether a goroutine stopped with these frames was in
// a system call the tracer does not see as one (fork and exec, raw system
// calls): its running time there was the kernel's, not a CPU loop.
func inRawSyscall(frames []Frame) bool {
	for _, f := range frames {
		switch {
		case strings.HasPrefix(f.Func, "syscall.forkExec"), strings.HasPrefix(f.Func, "syscall.RawSyscall"),
			strings.HasPrefix(f.Func, "syscall.rawVforkSyscall"), strings.HasPrefix(f.Func, "syscall.rawSyscall"),
			strings.HasPrefix(f.Func, "internal/runtime/syscall."), strings.HasPrefix(f.Func, "os.StartProcess"):
			return true
		}
	}
	return false
}

// pkgOf returns the import path of the package a function belongs to:
// "net/http.(*conn).serve" -> "net/http", "main.main.func1" -> "main".
func pkgOf(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}

// isPrimitivePkg reports whether frames of pkg are part of a blocking
// primitive rather than the program's own code, so that the blocking call
// site is the first frame outside them.
func isPrimitivePkg(pkg string) bool {
	switch pkg {
	case "runtime", "runtime/trace", "sync", "sync/atomic", "time", "net", "os", "syscall",
		"io", "bufio", "context", "os/exec", "os/signal", "net/http", "crypto/tls",
		"github.com/vizrun/vizrun/tracer":
		return true
	}
	if strings.HasSuffix(pkg, "_test") {
		return false // a package's own tests (golang.org/x/sync/semaphore_test) are the program
	}
	return strings.HasPrefix(pkg, "internal/") || strings.HasPrefix(pkg, "golang.org/x/sync/") ||
		strings.HasPrefix(pkg, "vendor/") || strings.HasPrefix(pkg, protocol.TracerPkg+"/")
}

// siteFrame picks the blocking call site in a stack: the innermost frame
// outside the blocking primitives; failing that (a goroutine living entirely
// in the standard library, like an HTTP connection reader) the innermost frame
// outside the runtime and sync; failing that the innermost frame.
func siteFrame(ids []FrameID, frames []Frame) FrameID {
	for _, id := range ids {
		if !isPrimitivePkg(pkgOf(frames[id].Func)) {
			return id
		}
	}
	for _, id := range ids {
		switch pkg := pkgOf(frames[id].Func); {
		case pkg == "runtime", pkg == "sync", strings.HasPrefix(pkg, "internal/"):
		default:
			return id
		}
	}
	if len(ids) > 0 {
		return ids[0]
	}
	return 0
}

// waitsForInput reports whether a goroutine blocked for r waits for
// something to arrive (rather than for something it has to be taken).
func waitsForInput(r Reason) bool {
	return r == ReasonChanRecv || r == ReasonSelect || r == ReasonCond
}

// isUserPkg reports whether frames of pkg are the program's own code: its
// main package or any package outside the standard library (third-party
// code is part of the program), the tracer's wrappers excepted.
func isUserPkg(pkg string) bool {
	if pkg == "main" {
		return true
	}
	first, _, _ := strings.Cut(pkg, "/")
	return strings.Contains(first, ".") && pkg != protocol.TracerPkg && !strings.HasPrefix(pkg, protocol.TracerPkg+"/") &&
		!strings.HasPrefix(pkg, "github.com/felixge/fgprof")
}

// isUserFrame reports whether a frame is the program's own code (see
// isUserPkg). A package whose path has no dot is the standard library's
// only when its file is in the standard library's tree: the packages of a
// module named "myapp" have no dot either. A file under GOROOT/src is
// .../src/<import path>/<file>; with -trimpath (a relative file) or
// without a file it cannot be told, and the path decides.
func isUserFrame(f Frame) bool {
	pkg := pkgOf(f.Func)
	if isUserPkg(pkg) {
		return true
	}
	first, _, _ := strings.Cut(pkg, "/")
	if strings.Contains(first, ".") || pkg == "" || !absFile(f.File) {
		return false
	}
	return !strings.Contains(f.File, "/src/"+pkg+"/")
}

// absFile reports whether a frame's file is an absolute path (Unix or
// Windows): a build without -trimpath.
func absFile(file string) bool {
	return strings.HasPrefix(file, "/") || len(file) > 2 && file[1] == ':' && (file[2] == '/' || file[2] == '\\')
}

// idleWait reports whether a wait with these frames (innermost first) is idle
// plumbing rather than something that can hold the program back: a
// goroutine living entirely in the standard library waiting for input (the
// os/signal receiver, an HTTP connection waiting for the next request, a
// keep-alive reader, the testing package copying an example's output), a
// listener waiting for connections, or the test harness waiting for a test.
// site is the wait's call site (see siteFrame).
func idleWait(frames []Frame, site string) bool {
	if waitForWork(frames, site) {
		return true
	}
	for _, f := range frames {
		if isUserFrame(f) {
			return false
		}
	}
	return true
}

// waitForWork reports whether a wait with these frames is a listener
// waiting for connections, the os/signal receiver waiting for a signal, or
// the test harness waiting for a test: waiting
// for work to arrive, not for the work in hand. Unlike the rest of idle
// plumbing, which is idle only while no work waits on it (an HTTP client's
// keep-alive reader is the very wait of a request that needs its answer),
// such a wait explains nothing even on a critical path.
func waitForWork(frames []Frame, site string) bool {
	if isHarness(site) {
		return true
	}
	for _, f := range frames {
		switch f.Func {
		case "net.(*TCPListener).Accept", "net.(*UnixListener).Accept", "net.(*netFD).accept":
			return true
		}
		if pkgOf(f.Func) == "os/signal" {
			return true // the os/signal receiver waits for a signal
		}
	}
	return false
}

// isHarness reports whether a goroutine blocked at fn is the testing
// package waiting for a test to finish.
func isHarness(fn string) bool {
	if pkgOf(fn) != "testing" {
		return false
	}
	for _, w := range []string{"testing.(*T).Run", "testing.(*B).Run", "testing.(*M).Run", "testing.runTests",
		"testing.tRunner", "testing.(*T).Parallel", "testing.(*F).Fuzz", "testing.runExamples", "testing.(*B).doBench", "testing.(*B).launch"} {
		if strings.HasPrefix(fn, w) {
			return true
		}
	}
	return false
}
