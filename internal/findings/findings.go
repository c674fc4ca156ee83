// Package findings explains a trace in plain words: it looks for goroutine
// leaks, lock contention, serial bottlenecks, stalls, scheduler latency, CPU
// hogs, time lost to system calls and network waits, and GC pressure, and says
// what it found with the evidence and the moment in the trace to look at.
//
// Rules is the table of every kind of finding, with its thresholds; the
// budget format, its documentation and the "nothing found" sentence derive
// from it. A well-behaved program yields no findings.
//
// Every rule reads what the parser booked while streaming (totals, sites,
// the parallelism series and its per-bucket top contributors, preempted
// runs), never the spans, which the model merges on large traces: a
// finding does not depend on the model's level of detail.
package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/internal/units"
)

// Severity ranks findings.
type Severity int

const (
	Info Severity = iota
	Warning
	Critical
)

func (s Severity) String() string {
	switch s {
	case Critical:
		return "critical"
	case Warning:
		return "warning"
	}
	return "info"
}

// Kinds of findings.
const (
	KindLeak       = "goroutine-leak"
	KindContention = "lock-contention"
	KindSerial     = "serial-bottleneck"
	KindStall      = "stall"
	KindLatency    = "scheduler-latency"
	KindHog        = "cpu-hog"
	KindSyscall    = "syscall-bound"
	KindNetwork    = "network-bound"
	KindGC         = "gc-pressure"
)

// Finding is one thing worth knowing about a trace.
type Finding struct {
	Kind     string   `json:"kind"`
	Severity Severity `json:"-"`
	Level    string   `json:"severity"` // Severity in words
	Title    string   `json:"title"`
	Message  string   `json:"message"`  // one sentence in plain words
	Evidence []string `json:"evidence"` // goroutines, times, stacks, names
	Subject  string   `json:"subject"`  // what it is about: a lock, a group, a call site

	// CostNs is what the finding cost the program, in goroutine or P time
	// (waits, idle Ps, blocked time): findings of one severity are ranked
	// by it.
	CostNs int64 `json:"cost_ns"`

	// Proven: for leaks, the runtime's leak profile proved at least one of
	// the goroutines can never go on (else they were still blocked when the
	// trace ended).
	Proven bool `json:"proven,omitempty"`

	// Site is the place in the program the finding blames, when it blames
	// one (where goroutines leaked, waited for a lock, hogged a CPU): for
	// annotations at a source line.
	Site *Location `json:"site,omitempty"`

	// The moment to look at, ns since the trace start, and the goroutines
	// concerned (at most 20).
	From       int64   `json:"from_ns"`
	To         int64   `json:"to_ns"`
	Goroutines []int64 `json:"goroutines"`
}

// Location is a place in the program's source.
type Location struct {
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// Key identifies a finding across traces (for diff): its kind and subject.
func (f *Finding) Key() string { return f.Kind + " " + f.Subject }

// Rule is one kind of finding.
type Rule struct {
	Kind   string
	Title  string
	Noun   string  // what "nothing found" names it: "no leak, contention, ..."
	Doc    string  // what the thresholds mean together, for BUDGET.md
	Params []Param // its thresholds
	find   func(a *analysis)
}

// Rules lists every kind of finding, in the order they are looked for.
var Rules = []Rule{
	{KindLeak, "Goroutine leak", "leak",
		"a goroutine still blocked at the end (or proven leaked by the runtime) counts when blocked at least `leak_min_blocked`; this many of one kind make the finding critical",
		[]Param{durParam("leak_min_blocked", func(t *Thresholds) *time.Duration { return &t.LeakMinBlocked }),
			intParam("leak_critical", func(t *Thresholds) *int { return &t.LeakCritical })},
		(*analysis).leaks},
	{KindContention, "Lock contention", "contention",
		"a lock is contended when waits on it add up to this, and to this share of the trace (average goroutines waiting); critical from a share of 1, a convoy from 2",
		[]Param{durParam("contention_min_wait", func(t *Thresholds) *time.Duration { return &t.ContentionMinWait }),
			floatParam("contention_min_share", func(t *Thresholds) *float64 { return &t.ContentionMinShare })},
		(*analysis).contention},
	{KindSerial, "Serial bottleneck", "serial stretch",
		"a serial bottleneck: stretches this long (and this share of the trace in all) where about one goroutine ran, a P sat idle and this many goroutines on average waited on locks or channels (idle plumbing aside)",
		[]Param{durParam("serial_min_duration", func(t *Thresholds) *time.Duration { return &t.SerialMinDuration }),
			floatParam("serial_min_share", func(t *Thresholds) *float64 { return &t.SerialMinShare }),
			floatParam("serial_min_waiting", func(t *Thresholds) *float64 { return &t.SerialMinWaiting })},
		(*analysis).serial},
	{KindStall, "Stalled: waiting, not working", "stall",
		"a stall: stretches this long (and this share of the trace in all) where tasks were in progress, almost nothing ran (under 0.1 goroutines on average) and this many goroutines on average waited on channels or locks: work held back by a rate limit, a back-off or a goroutine handing it out slowly; a warning from a quarter of the trace",
		[]Param{durParam("stall_min_duration", func(t *Thresholds) *time.Duration { return &t.StallMinDuration }),
			floatParam("stall_min_share", func(t *Thresholds) *float64 { return &t.StallMinShare }),
			floatParam("stall_min_waiting", func(t *Thresholds) *float64 { return &t.StallMinWaiting })},
		(*analysis).stall},
	{KindLatency, "Scheduler latency", "latency",
		"scheduler latency: p99 or longest runnable wait over these, and all runnable waits adding up to at least `latency_min_total` and to `latency_min_share` of the trace (goroutines waiting on average); critical when p99 is 4 × `latency_p99`, unless more goroutines ran until preempted than there are Ps (time-slicing: a warning)",
		[]Param{durParam("latency_p99", func(t *Thresholds) *time.Duration { return &t.LatencyP99 }),
			durParam("latency_max", func(t *Thresholds) *time.Duration { return &t.LatencyMax }),
			durParam("latency_min_total", func(t *Thresholds) *time.Duration { return &t.LatencyMinTotal }),
			floatParam("latency_min_share", func(t *Thresholds) *float64 { return &t.LatencyMinShare })},
		(*analysis).latency},
	{KindHog, "CPU hog", "hog",
		"a CPU hog ran stretches this long until the runtime preempted it while goroutines that had just been woken up waited for a P, this long in all; `hog_min_run` counts from the largest of 1, 2, 5, 10, 20, 50, 100, 200, 500 ms and 1 s not above it; no hog when more goroutines did so than there are Ps (that is time-slicing: see scheduler latency)",
		[]Param{durParam("hog_min_run", func(t *Thresholds) *time.Duration { return &t.HogMinRun }),
			durParam("hog_min_total", func(t *Thresholds) *time.Duration { return &t.HogMinTotal })},
		(*analysis).hogs},
	{KindSyscall, "Bound by system calls", "I/O",
		"bound by system calls or the network: almost nothing ran (under half a goroutine on average) while goroutines waited on them (idle plumbing aside) for this share of the trace",
		[]Param{floatParam("io_min_share", func(t *Thresholds) *float64 { return &t.IOMinShare })},
		(*analysis).syscalls},
	{KindNetwork, "Bound by the network", "",
		"", nil, // io_min_share, as syscall-bound
		(*analysis).network},
	{KindGC, "GC pressure", "GC",
		"GC pressure: a stop-the-world pause this long; pauses taking this share of the trace (and `gc_max_pause` in all); GC assists taking this share of the program's running time (and `gc_max_pause_share` of the trace). Where the critical paths of the program's work stand for it, only pauses while a path ran or waited for a P count, and only the assists of goroutines on the paths",
		[]Param{durParam("gc_max_pause", func(t *Thresholds) *time.Duration { return &t.GCMaxPause }),
			floatParam("gc_max_pause_share", func(t *Thresholds) *float64 { return &t.GCMaxPauseShare }),
			floatParam("gc_max_assist_share", func(t *Thresholds) *float64 { return &t.GCMaxAssistShare })},
		(*analysis).gc},
}

// Kinds lists the kinds of findings in the order of Rules.
func Kinds() []string {
	out := make([]string, len(Rules))
	for i, r := range Rules {
		out[i] = r.Kind
	}
	return out
}

// NothingFound is the sentence for a trace without findings.
func NothingFound() string {
	var nouns []string
	for _, r := range Rules {
		if r.Noun != "" {
			nouns = append(nouns, r.Noun)
		}
	}
	last := len(nouns) - 1
	return "none: no " + strings.Join(nouns[:last], ", ") + " or " + nouns[last] + " problem above the thresholds"
}

// Analyze returns the findings of t under th (Default for the defaults),
// most severe first, then by what they cost.
func Analyze(t *parse.Trace, th Thresholds) []Finding {
	a := &analysis{t: t, th: th}
	if t.Duration > 0 {
		for _, r := range Rules {
			a.kind, a.title = r.Kind, r.Title
			r.find(a)
		}
	}
	for i := range a.out {
		f := &a.out[i]
		f.Level = f.Severity.String()
		if f.Evidence == nil {
			f.Evidence = []string{}
		}
		if f.Goroutines == nil {
			f.Goroutines = []int64{}
		}
	}
	slices.SortStableFunc(a.out, func(x, y Finding) int {
		return cmp.Or(cmp.Compare(y.Severity, x.Severity), cmp.Compare(y.CostNs, x.CostNs))
	})
	return a.out
}

type analysis struct {
	t           *parse.Trace
	th          Thresholds
	kind, title string // of the rule running
	out         []Finding
	paths       *parse.PathSet // the work's critical paths, walked when a rule first asks
}

// add books a finding of the rule running.
func (a *analysis) add(f Finding) {
	f.Kind = a.kind
	if f.Title == "" {
		f.Title = a.title
	}
	a.out = append(a.out, f)
}

func dur(ns int64) string { return units.Duration(ns) }

// gname is a goroutine as the findings name it: "G12 worker".
func (a *analysis) gname(id parse.GoID) string {
	if g := a.t.Goroutine(id); g != nil {
		return fmt.Sprintf("G%d %s", id, g.Name)
	}
	return fmt.Sprintf("G%d", id)
}

// place is a frame in words: "main.handler (http/main.go:23)".
func (a *analysis) place(f parse.FrameID) string {
	if f == 0 || int(f) >= len(a.t.Frames) {
		return "(no stack)"
	}
	fr := a.t.Frames[f]
	if fr.File == "" {
		return fr.Func
	}
	return fmt.Sprintf("%s (%s:%d)", fr.Func, shortFile(fr.File), fr.Line)
}

// site is a frame as a finding's Location (nil for none).
func (a *analysis) site(f parse.FrameID) *Location {
	if f == 0 || int(f) >= len(a.t.Frames) {
		return nil
	}
	fr := a.t.Frames[f]
	return &Location{Function: fr.Func, File: fr.File, Line: fr.Line}
}

// funcOf is the function of a frame: the stable part of a subject.
func (a *analysis) funcOf(f parse.FrameID) string {
	if f == 0 || int(f) >= len(a.t.Frames) {
		return "(no stack)"
	}
	return a.t.Frames[f].Func
}

// shortFile keeps the last two elements of a path.
func shortFile(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 2 {
		return strings.Join(parts[len(parts)-2:], "/")
	}
	return p
}

// stackLines are the frames of a stack as evidence, the tracer's own
// wrappers left out, at most n.
func (a *analysis) stackLines(id parse.StackID, n int) []string {
	var out []string
	for _, f := range a.t.StackFrames(id) {
		if len(out) == n {
			break
		}
		if protocol.TracerFunc(f.Func) {
			continue
		}
		out = append(out, "  "+f.Func)
	}
	return out
}

func goids(ids []parse.GoID) []int64 {
	out := make([]int64, 0, min(len(ids), 20))
	for i, id := range ids {
		if i == 20 {
			break
		}
		out = append(out, int64(id))
	}
	return out
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
