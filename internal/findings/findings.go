// Package findings explains a trace in plain words: it looks for goroutine
// leaks, lock contention, serial bottlenecks, stalls, scheduler latency, CPU
// hogs, time lost to system calls and network waits, and GC pressure, and says
// what it found with the evidence and the moment in the trace to look at.
//
// Every rule has a threshold in Thresholds; Default documents them. A
// well-behaved program yields no findings.
package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
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
	KindLatency    = "scheduler-latency"
	KindHog        = "cpu-hog"
	KindSyscall    = "syscall-bound"
	KindNetwork    = "network-bound"
	KindGC         = "gc-pressure"
	KindStall      = "stall"
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

	// The moment to look at, ns since the trace start, and the goroutines
	// concerned (at most 20).
	From       int64   `json:"from_ns"`
	To         int64   `json:"to_ns"`
	Goroutines []int64 `json:"goroutines"`
}

// Key identifies a finding across traces (for diff): its kind and subject.
func (f *Finding) Key() string { return f.Kind + " " + f.Subject }

// Thresholds tune the rules. The zero value means Default for every field.
type Thresholds struct {
	// LeakMinBlocked: a goroutine still blocked at the end of the trace is
	// a leak candidate when it has been blocked at least this long.
	LeakMinBlocked time.Duration
	// LeakCritical: that many leaked goroutines of one kind make it critical.
	LeakCritical int

	// ContentionMinWait and ContentionMinShare: a lock is contended when
	// goroutines waited on it at least this long in all, and on average at
	// least this share of a goroutine was waiting on it over the trace.
	ContentionMinWait  time.Duration
	ContentionMinShare float64

	// SerialMinDuration and SerialMinShare: a serial bottleneck is a stretch
	// at least this long (and this share of the trace) during which about
	// one goroutine ran, Ps sat idle, and at least SerialMinWaiting others
	// waited on locks or channels.
	SerialMinDuration time.Duration
	SerialMinShare    float64
	SerialMinWaiting  float64

	// StallMinDuration, StallMinShare and StallMinWaiting: a stall is a
	// stretch at least this long (and this share of the trace) during which
	// tasks were in progress, almost nothing ran (under 0.1 goroutines on
	// average) and at least StallMinWaiting goroutines on average waited on
	// channels or locks: work held back, by a rate limit, a back-off or a
	// goroutine handing it out slowly.
	StallMinDuration time.Duration
	StallMinShare    float64
	StallMinWaiting  float64

	// LatencyP99, LatencyMax, LatencyMinTotal and LatencyMinShare: runnable
	// goroutines waited for a P too long when the 99th percentile of those
	// waits, or the longest, exceeds these, and the waits add up to
	// LatencyMinTotal and to LatencyMinShare of the trace (goroutines
	// waiting on average).
	LatencyP99      time.Duration
	LatencyMax      time.Duration
	LatencyMinTotal time.Duration
	LatencyMinShare float64

	// HogMinRun and HogMinTotal: a goroutine hogs a CPU when it ran at least
	// HogMinRun at a stretch while others were runnable, for at least
	// HogMinTotal in all.
	HogMinRun   time.Duration
	HogMinTotal time.Duration

	// IOMinShare: system calls or network waits dominate when, for at least
	// this share of the trace, nothing ran while goroutines waited on them.
	IOMinShare float64

	// GCMaxPause, GCMaxPauseShare and GCMaxAssistShare: GC pressure is a
	// stop-the-world pause this long, pauses taking this share of the trace
	// (and GCMaxPause in all), or GC assists taking this share of the
	// program's running time.
	GCMaxPause       time.Duration
	GCMaxPauseShare  float64
	GCMaxAssistShare float64
}

// Default thresholds.
var Default = Thresholds{
	LeakMinBlocked:     10 * time.Millisecond,
	LeakCritical:       10,
	ContentionMinWait:  10 * time.Millisecond,
	ContentionMinShare: 0.2,
	SerialMinDuration:  50 * time.Millisecond,
	SerialMinShare:     0.2,
	SerialMinWaiting:   1.5,
	StallMinDuration:   200 * time.Millisecond,
	StallMinShare:      0.1,
	StallMinWaiting:    2,
	LatencyP99:         5 * time.Millisecond,
	LatencyMax:         20 * time.Millisecond,
	LatencyMinTotal:    20 * time.Millisecond,
	LatencyMinShare:    0.25,
	HogMinRun:          5 * time.Millisecond,
	HogMinTotal:        50 * time.Millisecond,
	IOMinShare:         0.5,
	GCMaxPause:         5 * time.Millisecond,
	GCMaxPauseShare:    0.05,
	GCMaxAssistShare:   0.1,
}

// withDefaults fills zero fields from Default.
func (th Thresholds) withDefaults() Thresholds {
	d := Default
	set := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	setF := func(v *float64, def float64) {
		if *v == 0 {
			*v = def
		}
	}
	set(&th.LeakMinBlocked, d.LeakMinBlocked)
	if th.LeakCritical == 0 {
		th.LeakCritical = d.LeakCritical
	}
	set(&th.ContentionMinWait, d.ContentionMinWait)
	setF(&th.ContentionMinShare, d.ContentionMinShare)
	set(&th.SerialMinDuration, d.SerialMinDuration)
	setF(&th.SerialMinShare, d.SerialMinShare)
	setF(&th.SerialMinWaiting, d.SerialMinWaiting)
	set(&th.StallMinDuration, d.StallMinDuration)
	setF(&th.StallMinShare, d.StallMinShare)
	setF(&th.StallMinWaiting, d.StallMinWaiting)
	set(&th.LatencyP99, d.LatencyP99)
	set(&th.LatencyMax, d.LatencyMax)
	set(&th.LatencyMinTotal, d.LatencyMinTotal)
	setF(&th.LatencyMinShare, d.LatencyMinShare)
	set(&th.HogMinRun, d.HogMinRun)
	set(&th.HogMinTotal, d.HogMinTotal)
	setF(&th.IOMinShare, d.IOMinShare)
	set(&th.GCMaxPause, d.GCMaxPause)
	setF(&th.GCMaxPauseShare, d.GCMaxPauseShare)
	setF(&th.GCMaxAssistShare, d.GCMaxAssistShare)
	return th
}

// Analyze returns the findings of t, most severe first.
func Analyze(t *parse.Trace, th Thresholds) []Finding {
	th = th.withDefaults()
	a := &analysis{t: t, th: th}
	a.leaks()
	a.contention()
	a.serial()
	a.stall()
	a.latency()
	a.hogs()
	a.io()
	a.gc()
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
	slices.SortStableFunc(a.out, func(x, y Finding) int { return cmp.Compare(y.Severity, x.Severity) })
	return a.out
}

type analysis struct {
	t   *parse.Trace
	th  Thresholds
	out []Finding
}

func (a *analysis) add(f Finding) { a.out = append(a.out, f) }

func dur(ns int64) string { return units.Duration(ns) }

// gname is a goroutine as the findings name it: "G12 worker".
func (a *analysis) gname(id parse.GoID) string {
	if g := a.t.Goroutine(id); g != nil {
		return fmt.Sprintf("G%d %s", id, g.Name)
	}
	return fmt.Sprintf("G%d", id)
}

func (a *analysis) place(f parse.FrameID) string {
	fr := a.t.Frames[f]
	if fr.File == "" {
		return fr.Func
	}
	return fmt.Sprintf("%s (%s:%d)", fr.Func, shortFile(fr.File), fr.Line)
}

// shortFile keeps the last two elements of a path.
func shortFile(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 2 {
		return strings.Join(parts[len(parts)-2:], "/")
	}
	return p
}

func ids(gs []*parse.Goroutine) []int64 {
	var out []int64
	for i, g := range gs {
		if i == 20 {
			break
		}
		out = append(out, int64(g.ID))
	}
	return out
}

// leaks: user goroutines still blocked at the end, grouped by blocking stack
// and creation site.
func (a *analysis) leaks() {
	type key struct {
		end, create parse.FrameID
		reason      string
	}
	groups := map[key][]*parse.Goroutine{}
	var order []key
	for _, g := range a.t.Leaks() {
		if a.t.Duration-g.EndSince < int64(a.th.LeakMinBlocked) {
			continue
		}
		k := key{a.t.SiteOf(g.EndStack), a.t.SiteOf(g.CreateStack), a.t.ReasonText(g.EndReason, g.EndRaw)}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], g)
	}
	for _, k := range order {
		gs := groups[k]
		first := gs[0]
		since := first.EndSince
		for _, g := range gs {
			since = min(since, g.EndSince)
		}
		sev := Warning
		if len(gs) >= a.th.LeakCritical {
			sev = Critical
		}
		where := "(no stack)"
		if first.EndStack != 0 {
			where = a.place(k.end)
		}
		msg := fmt.Sprintf("%d goroutine%s (%s) never finished: still blocked on %s at %s when the trace ended, the oldest for %s.",
			len(gs), plural(len(gs)), first.Name, k.reason, where, dur(a.t.Duration-since))
		ev := []string{fmt.Sprintf("blocked on %s since %s", k.reason, dur(since))}
		if first.CreateStack != 0 {
			ev = append(ev, "created at "+a.place(k.create))
		}
		for _, f := range a.t.StackFrames(first.EndStack) {
			if len(ev) >= 8 {
				break
			}
			ev = append(ev, "  "+f.Func)
		}
		var names []string
		for i, g := range gs {
			if i == 5 {
				names = append(names, fmt.Sprintf("and %d more", len(gs)-5))
				break
			}
			names = append(names, a.gname(g.ID))
		}
		ev = append(ev, "goroutines: "+strings.Join(names, ", "))
		a.add(Finding{
			Kind: KindLeak, Severity: sev, Title: "Goroutine leak", Message: msg, Evidence: ev,
			Subject: first.Name + " @ " + where, From: since, To: a.t.Duration, Goroutines: ids(gs),
		})
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
