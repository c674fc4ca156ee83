// Package parse turns a Go execution trace into a compact model of what every
// goroutine did: when it ran, waited for a P, blocked (and on what), or sat in
// a system call; which goroutine ran on which P; GC and stop-the-world windows;
// user tasks, regions and logs; and how much parallelism the program had over
// time.
//
// The trace is streamed once through golang.org/x/exp/trace. No trace.Event is
// retained: state is kept as pointer-free spans and an interned stack table.
//
// All times in the model are nanoseconds since the start of the trace.
package parse

import (
	"time"
)

// GoID identifies a goroutine (the runtime's goid).
type GoID int64

// ProcID identifies a P.
type ProcID int32

// StackID indexes Trace.Stacks. StackID 0 means "no stack".
type StackID uint32

// FrameID indexes Trace.Frames. FrameID 0 is never used for a real frame.
type FrameID uint32

// State is what a goroutine is doing during a span.
type State uint8

const (
	StateNone     State = iota // not a valid span state
	StateRunning               // executing on a P
	StateRunnable              // ready, waiting for a P (scheduler latency)
	StateBlocked               // parked: see the span's Reason
	StateSyscall               // in a system call
	numStates
)

var stateNames = [numStates]string{"none", "running", "runnable", "blocked", "syscall"}

func (s State) String() string {
	if s < numStates {
		return stateNames[s]
	}
	return "unknown"
}

// States lists the valid span states in display order.
var States = []State{StateRunning, StateRunnable, StateBlocked, StateSyscall}

// Reason refines a span's state. For blocked spans it says what the goroutine
// waited on; the runtime's "sync" is split into mutex, rwmutex and waitgroup by
// the blocking stack. For runnable spans it is ReasonPreempted, ReasonYield or
// ReasonNone (woken up or just created).
type Reason uint8

const (
	ReasonNone Reason = iota
	ReasonChanSend
	ReasonChanRecv
	ReasonSelect
	ReasonSleep
	ReasonMutex
	ReasonRWMutex
	ReasonWaitGroup
	ReasonCond
	ReasonNetwork
	ReasonSyscall
	ReasonGC
	ReasonPreempted
	ReasonYield
	ReasonOther // the runtime's own words are kept in Trace.RawReasons
	NumReasons
)

var reasonNames = [NumReasons]string{
	"", "chan send", "chan receive", "select", "sleep", "mutex", "rwmutex",
	"waitgroup", "cond", "network", "syscall", "GC", "preempted", "yield", "other",
}

func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}

// BlockReasons lists the reasons a goroutine can be blocked for, in display order.
var BlockReasons = []Reason{
	ReasonChanRecv, ReasonChanSend, ReasonSelect, ReasonSleep, ReasonMutex,
	ReasonRWMutex, ReasonWaitGroup, ReasonCond, ReasonNetwork, ReasonSyscall,
	ReasonGC, ReasonPreempted, ReasonOther,
}

// ParseReason is the inverse of Reason.String. It reports false for unknown names.
func ParseReason(s string) (Reason, bool) {
	for i, n := range reasonNames {
		if n == s && i != 0 {
			return Reason(i), true
		}
	}
	return ReasonNone, false
}

// Span is one stretch of a goroutine in one state. It is pointer-free and 24
// bytes: goroutines are many and spans are most of the model.
type Span struct {
	Start, End int64   // ns since trace start; End >= Start
	Stack      StackID // where the goroutine blocked, entered the syscall or was preempted
	State      State
	Reason     Reason
	Raw        uint16 // for ReasonOther: index into Trace.RawReasons (0 = none)
}

// Duration of the span.
func (s Span) Duration() time.Duration { return time.Duration(s.End - s.Start) }

// Totals is time spent, in ns, by one goroutine or a group of them.
type Totals struct {
	Running  int64
	Runnable int64
	Syscall  int64
	Blocked  [NumReasons]int64 // by reason; ReasonSyscall is not used here (see Syscall)
	GCAssist int64             // part of Running spent assisting the GC
	// Own is time spent waiting in vizrun's own work inside the program
	// (the leak profile's garbage collection, see ownWait): not the
	// program's, so in none of the other totals.
	Own   int64
	Waits int64 // number of blocked spans
}

// BlockedTotal is the sum of Blocked over all reasons.
func (t *Totals) BlockedTotal() int64 {
	var s int64
	for _, v := range t.Blocked {
		s += v
	}
	return s
}

// Add accumulates o into t.
func (t *Totals) Add(o *Totals) {
	t.Running += o.Running
	t.Runnable += o.Runnable
	t.Syscall += o.Syscall
	t.GCAssist += o.GCAssist
	t.Own += o.Own
	t.Waits += o.Waits
	for i := range t.Blocked {
		t.Blocked[i] += o.Blocked[i]
	}
}

// add books one span.
func (t *Totals) add(s *Span) {
	d := s.End - s.Start
	switch s.State {
	case StateRunning:
		t.Running += d
	case StateRunnable:
		t.Runnable += d
	case StateSyscall:
		t.Syscall += d
	case StateBlocked:
		t.Blocked[s.Reason] += d
		t.Waits++
	}
}

// EndState says how a goroutine's story ends in the trace.
type EndState uint8

const (
	EndExited  EndState = iota // the goroutine returned
	EndRunning                 // still running (or runnable) when the trace ended
	EndBlocked                 // still blocked when the trace ended: a leak candidate
	EndSyscall                 // still in a system call when the trace ended
)

var endNames = []string{"exited", "running", "blocked", "syscall"}

func (e EndState) String() string {
	if int(e) < len(endNames) {
		return endNames[e]
	}
	return "unknown"
}

// Goroutine is everything the model knows about one goroutine.
type Goroutine struct {
	ID          GoID
	Name        string  // the tracer-given name, else StartFunc
	Label       string  // the tracer-given name ("" when none)
	StartFunc   string  // function the goroutine started in ("" when unknown)
	Parent      GoID    // creator (0 when unknown, e.g. created before the trace)
	CreateStack StackID // stack of the go statement
	Created     int64   // creation time; 0 when it existed before the trace started
	PreExisting bool    // existed before the trace started
	Ended       int64   // exit time; -1 when still alive at the end of the trace
	System      bool    // a runtime goroutine (GC workers, finalizers, the trace reader)
	Group       int     // index into Trace.Groups
	Spans       []Span  // state spans in time order, covering [Created or 0, Ended or trace end]
	Wakes       []Wake  // how blocked spans ended, in time order (see WakeOf); none for runtime goroutines
	Totals      Totals

	// End of the story: how the goroutine was found when the trace ended.
	End       EndState
	EndReason Reason  // for EndBlocked
	EndRaw    uint16  // for EndBlocked with ReasonOther
	EndStack  StackID // for EndBlocked / EndSyscall: where it waits
	EndSince  int64   // since when it has been in its final state

	// Harness: blocked at the end inside the testing package, waiting for a
	// test or subtest to finish (as go test's main goroutine does): not a leak.
	Harness bool

	// EndIdle: blocked at the end in idle plumbing (a standard-library
	// goroutine waiting for input, a listener accepting): not a leak.
	EndIdle bool

	// EndServed: waiting at the end for input (a receive, a select, a
	// cond) where other goroutines handed work to a goroutine before (a
	// pooled worker waiting for its next job): not a leak. A goroutine
	// stuck sending is never that: nobody takes what it has.
	EndServed bool

	// EndAsleep: asleep at the end (time.Sleep) for the first time at that
	// call site: a timer will wake it, so it is still at work, not a leak.
	// A goroutine that slept there before is looping (a poller nobody
	// stops) and can be one.
	EndAsleep bool

	// Leak is what the model makes of the goroutine's end (see LeakState).
	Leak LeakState

	// Hog sums the runs the runtime had to preempt while goroutines that
	// had been woken up waited for a P (nil when none): see HogRuns.
	Hog *HogRuns

	// ProvenLeak: the runtime's goroutine leak profile, taken just before
	// tracing stopped, proved this goroutine leaked: it is blocked on
	// something no running goroutine can reach (see Trace.LeakChecked).
	ProvenLeak bool

	// StuckSeen: vizrun run's deadlock watch saw this goroutine, with
	// every other one of the program, waiting on what only another of them
	// could release (protocol.LogStuck), and it was still in that wait when
	// the trace ended: a leak candidate even in a cut trace.
	StuckSeen bool
}

// LeakState says whether a goroutine leaked.
type LeakState uint8

const (
	NotLeaked     LeakState = iota
	LeakCandidate           // still blocked when the trace ended, for a reason that can be a leak
	LeakProven              // the runtime's leak profile proved it leaked (ProvenLeak)
)

// Leaked reports whether the goroutine is a leak candidate or a proven leak.
//
// A candidate is a user goroutine still blocked when the program's trace
// ended, except the test harness waiting for a test, idle plumbing (a
// standard-library goroutine waiting for input, such as an HTTP connection
// waiting for its next request, or a listener accepting: waiting for the
// outside world, not stuck), a goroutine waiting for input where other
// goroutines have been handed work before (a pooled worker waiting for its
// next job: EndServed), a goroutine asleep in a sleep it had not slept
// before (a timer will wake it: EndAsleep), a goroutine that existed before the trace began (a daemon
// started earlier: nothing in the trace says it was meant to end), and
// every goroutine of a live or cut trace (the program was not done: see
// Trace.Live, Trace.Cut). A goroutine
// the runtime proved leaked is a leak whatever else holds.
func (g *Goroutine) Leaked() bool { return g.Leak != NotLeaked }

// leakState decides Goroutine.Leak once the trace has been read.
func (t *Trace) leakState(g *Goroutine) LeakState {
	switch {
	case g.System:
		return NotLeaked
	case g.ProvenLeak:
		return LeakProven
	case g.StuckSeen:
		return LeakCandidate
	case !g.stuckAtEnd() || t.Live || t.Cut:
		return NotLeaked
	}
	return LeakCandidate
}

// stuckAtEnd reports whether a user goroutine's end makes it a leak
// candidate in a whole trace: blocked, and not the harness, idle plumbing,
// a served worker, a first sleep or a daemon from before the trace.
func (g *Goroutine) stuckAtEnd() bool {
	return !g.System && g.End == EndBlocked && !g.Harness && !g.EndIdle && !g.EndServed && !g.EndAsleep && !g.PreExisting
}

// Group is the goroutines sharing one name.
type Group struct {
	Name       string
	System     bool
	Goroutines []GoID // sorted
	Totals     Totals
	Leaked     int // members still blocked at the end
}

// ProcSpan is one goroutine running on one P. In a coarsened model (see
// Trace.Coarsened) G < 0 marks a span that merged several: goroutines ran
// -G ns of it.
type ProcSpan struct {
	Start, End int64
	G          GoID
}

// Proc is one P and what ran on it.
type Proc struct {
	ID    ProcID
	Spans []ProcSpan
	Busy  int64 // total running time, ns
}

// WindowKind tells GC windows apart.
type WindowKind uint8

const (
	WindowGC  WindowKind = iota // GC concurrent mark phase
	WindowSTW                   // stop-the-world pause
)

func (k WindowKind) String() string {
	if k == WindowSTW {
		return "stop-the-world"
	}
	return "GC"
}

// Window is a GC or stop-the-world interval.
type Window struct {
	Start, End int64
	Kind       WindowKind
	Reason     string // for STW: the runtime's reason, e.g. "GC mark termination"
}

// TaskID identifies a user task (runtime/trace.NewTask).
type TaskID uint64

// Task is a runtime/trace task.
type Task struct {
	ID         TaskID
	Parent     TaskID
	Type       string
	Start, End int64 // Start is 0 when the task began before the trace; End is the trace end if unfinished
	Goroutine  GoID  // goroutine that created it (0 when unknown)
	Ender      GoID  // goroutine that ended it (0 when unknown or unfinished)
	Unfinished bool
}

// Region is a runtime/trace region on one goroutine.
type Region struct {
	Goroutine  GoID
	Task       TaskID
	Type       string
	Start, End int64 // Start is 0 if it began before the trace; End is the trace end if unfinished
	Stack      StackID
	Unfinished bool
}

// Log is a runtime/trace log message.
type Log struct {
	Time      int64
	Goroutine GoID
	Task      TaskID
	Category  string
	Message   string
}

// Frame is one stack frame.
type Frame struct {
	Func string
	File string
	Line int
}

// Stack is a list of frames, innermost first.
type Stack struct {
	Frames []FrameID
}

// Sample is one value of a metric over time.
type Sample struct {
	Time  int64
	Value uint64
}

// Site is a place in the program where goroutines blocked: the innermost frame
// of the blocking stack that belongs to the program rather than to the runtime
// or the standard library's blocking primitives.
type Site struct {
	Frame  FrameID
	Reason Reason
	Count  int64 // blocked spans
	Total  int64 // ns
	Max    int64 // longest single wait, ns
	MaxAt  int64 // when the longest wait began
	Stack  StackID

	// Holders, for Mutex and RWMutex waits: the goroutines that held the
	// lock while others waited here (known from who woke the waiters),
	// most blame first; at most 10 of HolderCount.
	Holders     []Holder
	HolderCount int
}

// Trace is the model of one execution trace.
type Trace struct {
	Duration          int64 // ns from the first to the last event
	AbsStart          int64 // the trace clock at the first event (for correlating with other data)
	GOMAXPROCS        int   // the largest GOMAXPROCS seen
	Procs             []Proc
	GOMAXPROCSChanges []Sample

	Goroutines []*Goroutine // sorted by ID
	Groups     []Group      // sorted by name
	Created    int          // goroutines created during the trace
	MaxAlive   int          // most user goroutines alive at once

	GC []Window
	// Tasks, Regions and Logs are every instance while there are at most
	// KeepAnnotations of each; beyond, the longest tasks and regions and the
	// first logs, and the Dropped counts say how many more there were.
	// TaskTypes and RegionTypes are exact, longest total first.
	Tasks          []Task   // sorted by start
	Regions        []Region // sorted by start
	Logs           []Log    // in time order
	TaskTypes      []TypeStats
	RegionTypes    []TypeStats
	TasksDropped   int64
	RegionsDropped int64
	LogsDropped    int64

	Heap      []Sample  // live heap bytes (/memory/classes/heap/objects:bytes)
	HeapGoal  []Sample  // /gc/heap/goal:bytes
	Parallel  Series    // counts over time
	Sites     []Site    // blocking sites, longest total first
	Waterfall Waterfall // where GOMAXPROCS × wall time went
	Latency   Histogram // how long user goroutines stayed runnable (scheduler latency)
	// WaitHist is how long user goroutines stayed blocked, by reason (and
	// in system calls, under ReasonSyscall), one wait at a time.
	WaitHist [NumReasons]Histogram
	// LatencyMaxAt and LatencyMaxG say when and where the longest runnable wait began.
	LatencyMaxAt int64
	LatencyMaxG  GoID
	Resources    []Resource // the tracer's named mutexes, RWMutexes and channels, most waited on first

	Frames     []Frame  // Frames[0] is unused
	Stacks     []Stack  // Stacks[0] is the empty stack
	RawReasons []string // RawReasons[0] is ""

	// Live: the traced program went on after the trace ended (a live
	// capture or a flight-recorder snapshot, protocol.LogLive): goroutines
	// blocked at the end were not necessarily done, so only proven leaks
	// count.
	Live bool

	// Deadlock: vizrun run ended the program because the runtime proved
	// every goroutine asleep for good (protocol.LogDeadlock), as Go does
	// without tracing; a warning says who waits on what.
	Deadlock bool

	// StuckAt: when vizrun run's deadlock watch saw every goroutine of the
	// program wait on what only another of them could release, though the
	// runtime could not prove it (protocol.LogStuck); 0 if it did not. A
	// warning names those still waiting at the end (Goroutine.StuckSeen).
	StuckAt int64

	// Cut: the trace ends before the program did: the file was cut short,
	// the program was killed (a vizrun trace without its stop mark), or the
	// model is of a window (Options.Window) that ends before the trace. As
	// in a live trace, goroutines blocked at its end were not necessarily
	// done, so only proven leaks count (see MarkCut).
	Cut bool

	// LeakChecked: the trace carries the runtime's goroutine leak profile
	// (protocol.LogLeaked), so Goroutine.ProvenLeak is known for every
	// goroutine; else no leak is proven or disproven.
	LeakChecked bool

	// Own is where the tracer did its own work inside the recording
	// (protocol.RegionOwn: a report written while a flight recorder
	// records), in time order.
	Own []Window

	// Window is zero for the model of a whole trace; else the model is of
	// [Window[0], Window[1]) of the trace (Options.Window), ns since the
	// trace's start, and its own times count from Window[0].
	Window [2]int64

	// Coarsened is 0 when every span is kept; else spans were merged, up to
	// this resolution in ns, to keep the model within Options.MaxSpans
	// (totals and statistics stay exact).
	Coarsened int64

	Events      int64 // events read
	Bytes       int64 // bytes read
	Generations int   // complete generations read
	Warnings    []string

	byID  map[GoID]*Goroutine
	paths *PathSet // the work's critical paths, once walked (see WorkPaths)
}

// Goroutine returns the goroutine with the given id, or nil.
func (t *Trace) Goroutine(id GoID) *Goroutine { return t.byID[id] }

// StackFrames returns the frames of a stack, innermost first.
func (t *Trace) StackFrames(id StackID) []Frame {
	if int(id) >= len(t.Stacks) {
		return nil
	}
	ids := t.Stacks[id].Frames
	out := make([]Frame, len(ids))
	for i, f := range ids {
		out[i] = t.Frames[f]
	}
	return out
}

// ReasonText is the reason of a span in words, with the runtime's raw string
// for ReasonOther.
func (t *Trace) ReasonText(r Reason, raw uint16) string {
	if r == ReasonOther && raw != 0 && int(raw) < len(t.RawReasons) {
		return t.RawReasons[raw]
	}
	return r.String()
}

// Leaks returns the leak candidates: user goroutines blocked at the end.
func (t *Trace) Leaks() []*Goroutine {
	var out []*Goroutine
	for _, g := range t.Goroutines {
		if g.Leaked() {
			out = append(out, g)
		}
	}
	return out
}

// UserTotals is the sum of Totals over all user (non-system) goroutines.
func (t *Trace) UserTotals() Totals {
	var tot Totals
	for _, g := range t.Goroutines {
		if !g.System {
			tot.Add(&g.Totals)
		}
	}
	return tot
}

// AvgParallelism is the average number of goroutines running at once over the
// whole trace (all goroutines, system ones included: they occupy Ps too).
func (t *Trace) AvgParallelism() float64 {
	if t.Duration <= 0 {
		return 0
	}
	var busy int64
	for _, p := range t.Procs {
		busy += p.Busy
	}
	return float64(busy) / float64(t.Duration)
}

// AvgRunning is the average number of user goroutines running during
// [from, to), measured from their spans.
func (t *Trace) AvgRunning(from, to int64) float64 {
	if to <= from {
		return 0
	}
	var sum int64
	for _, g := range t.Goroutines {
		if g.System {
			continue
		}
		for _, s := range g.Spans {
			if s.State == StateRunning && s.End > from && s.Start < to {
				sum += min(s.End, to) - max(s.Start, from)
			}
		}
	}
	return float64(sum) / float64(to-from)
}

// SiteOf is the blocking call site of a stack: its innermost frame of the
// program's own code (see Site). It is 0 for the empty stack.
func (t *Trace) SiteOf(stack StackID) FrameID {
	if stack == 0 || int(stack) >= len(t.Stacks) {
		return 0
	}
	return siteFrame(t.Stacks[stack].Frames, t.Frames)
}

// AvgGOMAXPROCS is GOMAXPROCS averaged over the trace's duration (it can
// change while the program runs); GOMAXPROCS when it never changed.
func (t *Trace) AvgGOMAXPROCS() float64 {
	ch := t.GOMAXPROCSChanges
	if len(ch) == 0 || t.Duration <= 0 {
		return float64(t.GOMAXPROCS)
	}
	var sum float64
	for i, c := range ch {
		from := c.Time
		if i == 0 {
			from = 0 // the first value was in force from the start
		}
		to := t.Duration
		if i+1 < len(ch) {
			to = ch[i+1].Time
		}
		sum += float64(c.Value) * float64(to-from)
	}
	return sum / float64(t.Duration)
}

// Rate is the trace data the program wrote per second of trace, in bytes:
// the tracer's own cost grows with it (see HighRate).
func (t *Trace) Rate() float64 {
	if t.Duration <= 0 {
		return 0
	}
	return float64(t.Bytes) / (float64(t.Duration) / 1e9)
}

// MarkCut says the trace ends before the program did, for what the trace
// itself cannot tell (a test binary killed by a signal, traced without
// vizrun's start and stop marks): goroutines still blocked are no longer
// leak candidates, only proven leaks are leaks.
func (t *Trace) MarkCut() {
	if t.Cut {
		return
	}
	t.Cut = true
	for _, g := range t.Goroutines {
		g.Leak = t.leakState(g)
	}
	t.unjudgedWarning()
}
