// Package summary condenses a parsed trace into the facts `vizrun summary`
// prints, as text or as JSON with a stable schema (see SCHEMA.md).
package summary

import (
	"cmp"
	"math"
	"slices"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
)

// Schema names the JSON layout; it changes only when a field is removed or
// changes meaning (new fields may be added without a change).
const Schema = "vizrun.summary/v1"

// Limits on list lengths, so the summary of any trace stays readable.
const (
	MaxGroups = 20
	MaxSites  = 20
	MaxLeaks  = 20
	MaxTypes  = 20
)

// Summary is the JSON document of `vizrun summary -json`.
type Summary struct {
	Schema         string  `json:"schema"`
	Source         string  `json:"source,omitempty"`
	DurationNs     int64   `json:"duration_ns"`
	ProgramNs      int64   `json:"program_ns,omitempty"` // where vizrun's leak check began, when the trace goes on with it
	GOMAXPROCS     int     `json:"gomaxprocs"`
	AvgGOMAXPROCS  float64 `json:"avg_gomaxprocs"`
	AvgParallelism float64 `json:"avg_parallelism"`
	Utilization    float64 `json:"utilization"` // avg_parallelism / avg_gomaxprocs

	Findings    []findings.Finding `json:"findings"` // most severe first
	Waterfall   Waterfall          `json:"waterfall"`
	Trace       TraceInfo          `json:"trace"`
	Goroutines  GoroutineCount     `json:"goroutines"`
	Time        StateTime          `json:"time"`
	Blocked     []ReasonTime       `json:"blocked_by_reason"`
	Groups      []Group            `json:"groups"`       // the busiest MaxGroups
	GroupsTotal int                `json:"groups_total"` // user goroutine groups in all
	Sites       []Site             `json:"sites"`
	Resources   []Resource         `json:"resources"` // named with the vizrun tracer, most waited on first
	Leaks       []Leak             `json:"leaks"`
	Paths       []CriticalPath     `json:"critical_paths"`
	LeakChecked bool               `json:"leak_checked"` // the trace holds the runtime's leak profile: leaks[].proven is known
	GC          GC                 `json:"gc"`
	Tasks       []TypeStats        `json:"tasks"`
	Regions     []TypeStats        `json:"regions"`
	Warnings    []string           `json:"warnings"`
}

// Waterfall is where GOMAXPROCS × wall time went (P·ns).
type Waterfall struct {
	CapacityNs int64            `json:"capacity_ns"`  // GOMAXPROCS × wall time
	UserNs     int64            `json:"user_ns"`      // running the program's goroutines
	RuntimeNs  int64            `json:"runtime_ns"`   // running the runtime's goroutines and GC assists
	RunnableNs int64            `json:"runnable_ns"`  // idle while goroutines were runnable
	BlockedNs  map[string]int64 `json:"blocked_ns"`   // idle while goroutines were blocked, by reason
	NamedNs    map[string]int64 `json:"named_ns"`     // part of blocked_ns while goroutines waited on named locks and channels ("kind name")
	PathOnlyNs int64            `json:"path_only_ns"` // idle while goroutines waited only on the critical paths' work, which ran
	IdleNs     int64            `json:"idle_ns"`      // idle with nothing to do
}

// TraceInfo describes the input.
type TraceInfo struct {
	Bytes       int64   `json:"bytes"`
	Events      int64   `json:"events"`
	Generations int     `json:"generations"`
	RateMBps    float64 `json:"rate_mb_per_s"` // trace written per second of program: tracing's own cost grows with it
}

// GoroutineCount counts goroutines.
type GoroutineCount struct {
	Total    int `json:"total"`     // goroutines seen in the trace, runtime ones included
	User     int `json:"user"`      // goroutines of the program (not the runtime's)
	Created  int `json:"created"`   // created while tracing
	MaxAlive int `json:"max_alive"` // most user goroutines alive at once
	Leaked   int `json:"leaked"`    // leak candidates and proven leaks (see leaks)
	// BlockedAtEnd is every user goroutine still blocked when the trace
	// ended, leaks or not (idle workers, plumbing, daemons, sleepers).
	BlockedAtEnd int `json:"blocked_at_end"`
}

// StateTime is the time user goroutines spent in each state, summed.
type StateTime struct {
	RunningNs  int64 `json:"running_ns"`
	RunnableNs int64 `json:"runnable_ns"`
	BlockedNs  int64 `json:"blocked_ns"`
	SyscallNs  int64 `json:"syscall_ns"`
}

// ReasonTime is blocked time for one reason.
type ReasonTime struct {
	Reason  string `json:"reason"`
	TotalNs int64  `json:"total_ns"`
}

// Group is the goroutines sharing a name.
type Group struct {
	Name       string `json:"name"`
	Goroutines int    `json:"goroutines"`
	RunningNs  int64  `json:"running_ns"`
	RunnableNs int64  `json:"runnable_ns"`
	BlockedNs  int64  `json:"blocked_ns"`
	SyscallNs  int64  `json:"syscall_ns"`
	TopReason  string `json:"top_reason,omitempty"` // what it blocked on most
	Leaked     int    `json:"leaked"`
}

// Frame is a place in the program.
type Frame struct {
	Function string `json:"function"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
}

// Site is a place where user goroutines blocked.
type Site struct {
	Frame
	Reason  string `json:"reason"`
	Count   int64  `json:"count"`
	TotalNs int64  `json:"total_ns"`
	MaxNs   int64  `json:"max_ns"`
	// Holders: for mutex and rwmutex waits, who held the lock meanwhile,
	// known from who woke the waiters (at most 10, most blame first).
	Holders []Holder `json:"holders,omitempty"`

	Stack parse.StackID `json:"-"` // the stack with the most blocked time
}

// Resource is a mutex, RWMutex or channel named with the vizrun tracer.
type Resource struct {
	Name    string   `json:"name"`
	Kind    string   `json:"kind"` // mutex, rwmutex or chan
	Waits   int64    `json:"waits"`
	TotalNs int64    `json:"total_ns"`
	MaxNs   int64    `json:"max_ns"`
	Waiters int      `json:"waiters"` // distinct goroutines that waited
	Pending int      `json:"pending"` // waits still going on at the end
	Ops     []OpWait `json:"ops"`     // waits by operation
	Holders []Holder `json:"holders"` // locks: who held it while others waited, most first
}

// OpWait is the waits of one operation on a resource.
type OpWait struct {
	Op      string `json:"op"` // lock, rlock, send or recv
	Waits   int64  `json:"waits"`
	TotalNs int64  `json:"total_ns"`
	MaxNs   int64  `json:"max_ns"`
}

// Holder is a goroutine that held a lock while others waited for it.
type Holder struct {
	Goroutine int64  `json:"goroutine"`
	Name      string `json:"name"`
	BlameNs   int64  `json:"blame_ns"`              // time others waited while it held the lock
	Released  *Frame `json:"released_at,omitempty"` // where it released it (unnamed locks)
}

// Leak is user goroutines still blocked at the end of the trace, grouped by
// name, reason and blocking stack.
type Leak struct {
	Name       string  `json:"name"`
	Count      int     `json:"count"`
	Proven     int     `json:"proven"` // of them, proven leaked by the runtime's leak profile
	Reason     string  `json:"reason"`
	SinceNs    int64   `json:"since_ns"` // the earliest of them blocked at this time
	Where      Frame   `json:"where"`
	CreatedAt  *Frame  `json:"created_at,omitempty"` // where the first was created
	Goroutines []int64 `json:"goroutines"`           // ids, at most 10

	Stack parse.StackID `json:"-"` // the blocking stack
}

// GC sums garbage collection.
type GC struct {
	Cycles     int   `json:"cycles"`
	MarkNs     int64 `json:"mark_ns"`
	Pauses     int   `json:"stw_pauses"`
	PauseNs    int64 `json:"stw_ns"`
	MaxPauseNs int64 `json:"stw_max_ns"`
	AssistNs   int64 `json:"assist_ns"` // user goroutines' time spent assisting the GC
}

// TypeStats sums the tasks or regions of one type.
type TypeStats struct {
	Type       string `json:"type"`
	Count      int    `json:"count"`
	TotalNs    int64  `json:"total_ns"`
	MaxNs      int64  `json:"max_ns"`
	Unfinished int    `json:"unfinished"`
}

// Build summarises t with the default thresholds for findings. source says
// where the trace came from ("" for none).
func Build(t *parse.Trace, source string) *Summary {
	return BuildWith(t, source, findings.Default)
}

// BuildWith is Build with thresholds for the findings.
func BuildWith(t *parse.Trace, source string, th findings.Thresholds) *Summary {
	tot := t.UserTotals()
	s := &Summary{
		Schema:         Schema,
		Source:         source,
		DurationNs:     t.Duration,
		ProgramNs:      programEnd(t),
		GOMAXPROCS:     t.GOMAXPROCS,
		AvgGOMAXPROCS:  round3(t.AvgGOMAXPROCS()),
		AvgParallelism: round3(t.AvgParallelism()),
		Trace:          TraceInfo{Bytes: t.Bytes, Events: t.Events, Generations: t.Generations, RateMBps: round3(t.Rate() / 1e6)},
		Time: StateTime{
			RunningNs: tot.Running, RunnableNs: tot.Runnable,
			BlockedNs: tot.BlockedTotal(), SyscallNs: tot.Syscall,
		},
		Blocked:   []ReasonTime{},
		Groups:    []Group{},
		Sites:     []Site{},
		Resources: []Resource{},
		Leaks:     []Leak{},
		Tasks:     []TypeStats{},
		Regions:   []TypeStats{},
		Warnings:  append([]string{}, t.Warnings...),
	}
	if p := t.AvgGOMAXPROCS(); p > 0 {
		s.Utilization = round3(t.AvgParallelism() / p)
	}
	s.Goroutines = GoroutineCount{Total: len(t.Goroutines), Created: t.Created, MaxAlive: t.MaxAlive}
	for _, g := range t.Goroutines {
		if !g.System {
			s.Goroutines.User++
			s.GC.AssistNs += g.Totals.GCAssist
		}
	}
	for _, r := range parse.BlockReasons {
		if v := tot.Blocked[r]; v > 0 {
			s.Blocked = append(s.Blocked, ReasonTime{r.String(), v})
		}
	}
	slices.SortStableFunc(s.Blocked, func(a, b ReasonTime) int { return cmp.Compare(b.TotalNs, a.TotalNs) })
	s.Groups = groups(t)
	s.GroupsTotal = len(s.Groups)
	if len(s.Groups) > MaxGroups {
		s.Groups = s.Groups[:MaxGroups]
	}
	s.Sites = sites(t)
	s.Leaks, s.Goroutines.Leaked = leaks(t, int64(th.LeakMinBlocked))
	for _, g := range t.Goroutines {
		if !g.System && g.End == parse.EndBlocked {
			s.Goroutines.BlockedAtEnd++
		}
	}
	s.LeakChecked = t.LeakChecked
	s.Resources = resources(t)
	s.Findings = findings.Analyze(t, th)
	s.Waterfall = waterfall(t)
	for _, w := range t.GC {
		d := w.End - w.Start
		if w.Kind == parse.WindowGC {
			s.GC.Cycles++
			s.GC.MarkNs += d
		} else {
			s.GC.Pauses++
			s.GC.PauseNs += d
			s.GC.MaxPauseNs = max(s.GC.MaxPauseNs, d)
		}
	}
	s.Paths = criticalPaths(t)
	s.Tasks = typeStats(t.TaskTypes)
	s.Regions = typeStats(t.RegionTypes)
	return s
}

func isTracer(typ string) bool {
	return len(typ) >= len(parse.Prefix) && typ[:len(parse.Prefix)] == parse.Prefix
}

func topReason(tot *parse.Totals) string {
	top, topT := parse.ReasonNone, int64(0)
	for _, r := range parse.BlockReasons {
		if tot.Blocked[r] > topT {
			top, topT = r, tot.Blocked[r]
		}
	}
	if topT == 0 {
		return ""
	}
	return top.String()
}

func groups(t *parse.Trace) []Group {
	out := []Group{}
	for _, g := range t.Groups {
		if g.System {
			continue
		}
		out = append(out, Group{
			Name: g.Name, Goroutines: len(g.Goroutines),
			RunningNs: g.Totals.Running, RunnableNs: g.Totals.Runnable,
			BlockedNs: g.Totals.BlockedTotal(), SyscallNs: g.Totals.Syscall,
			TopReason: topReason(&g.Totals), Leaked: g.Leaked,
		})
	}
	weight := func(g Group) int64 { return g.RunningNs + g.RunnableNs + g.BlockedNs + g.SyscallNs }
	slices.SortStableFunc(out, func(a, b Group) int {
		return cmp.Or(cmp.Compare(weight(b), weight(a)), cmp.Compare(a.Name, b.Name))
	})
	return out
}

func frameOf(f parse.Frame) Frame { return Frame{Function: f.Func, File: f.File, Line: f.Line} }

func sites(t *parse.Trace) []Site {
	out := []Site{}
	for _, st := range t.Sites {
		if len(out) == MaxSites {
			break
		}
		f := frameOf(t.Frames[st.Frame])
		if st.Frame == 0 {
			f.Function = "(no stack: blocked since before the trace)"
		}
		out = append(out, Site{Frame: f, Reason: st.Reason.String(), Count: st.Count, TotalNs: st.Total, MaxNs: st.Max, Stack: st.Stack, Holders: holders(t, st.Holders)})
	}
	return out
}

// where is the blocking call site of a stack.
func where(t *parse.Trace, stack parse.StackID) Frame {
	if stack == 0 {
		return Frame{Function: "(no stack)"}
	}
	return frameOf(t.Frames[t.SiteOf(stack)])
}

// leaks lists the leaked goroutines as the findings do (parse.LeakGroups).
func leaks(t *parse.Trace, minBlocked int64) (out []Leak, n int) {
	out = []Leak{}
	for _, lg := range t.LeakGroups(minBlocked) {
		n += lg.Count
		if len(out) == MaxLeaks {
			continue
		}
		l := Leak{Name: lg.Name, Count: lg.Count, Proven: lg.Proven, Reason: lg.Reason, SinceNs: lg.Since,
			Where: where(t, lg.Stack), Stack: lg.Stack, Goroutines: []int64{}}
		if lg.CreateSite != 0 {
			f := frameOf(t.Frames[lg.CreateSite])
			l.CreatedAt = &f
		}
		for i, id := range lg.Goroutines {
			if i == 10 {
				break
			}
			l.Goroutines = append(l.Goroutines, int64(id))
		}
		out = append(out, l)
	}
	return out, n
}

func typeStats(ts []parse.TypeStats) []TypeStats {
	out := []TypeStats{}
	for _, x := range ts {
		if len(out) == MaxTypes {
			break
		}
		out = append(out, TypeStats{Type: x.Type, Count: int(x.Count), TotalNs: x.Total, MaxNs: x.Max, Unfinished: int(x.Unfinished)})
	}
	return out
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func resources(t *parse.Trace) []Resource {
	out := []Resource{}
	for i := range t.Resources {
		r := &t.Resources[i]
		o := Resource{Name: r.Name, Kind: r.Kind.String(), Waits: r.Waits(), TotalNs: r.WaitTotal(), MaxNs: r.MaxWait(),
			Waiters: r.Waiters, Pending: r.Pending, Ops: []OpWait{}, Holders: []Holder{}}
		for op, st := range r.Ops {
			if st.Waits > 0 {
				o.Ops = append(o.Ops, OpWait{Op: parse.Op(op).String(), Waits: st.Waits, TotalNs: st.Total, MaxNs: st.Max})
			}
		}
		o.Holders = append(o.Holders, holders(t, r.Holders)...)
		out = append(out, o)
	}
	return out
}

// holders lists the holders of a lock.
func holders(t *parse.Trace, hs []parse.Holder) []Holder {
	var out []Holder
	for _, h := range hs {
		name := ""
		if g := t.Goroutine(h.G); g != nil {
			name = g.Name
		}
		o := Holder{Goroutine: int64(h.G), Name: name, BlameNs: h.Blame}
		if h.Release != 0 {
			f := where(t, h.Release)
			o.Released = &f
		}
		out = append(out, o)
	}
	return out
}

// programEnd is where the program's own time ended, if vizrun's leak
// check (vizrun run, vizrun test) went on after it; else 0. The check's
// garbage collection, and the sweeping after it, can take a third of a
// short program's trace.
func programEnd(t *parse.Trace) int64 {
	if !t.LeakChecked {
		return 0
	}
	if _, _, to, ok := t.ProgramRange(); ok && to < t.Duration {
		return to
	}
	return 0
}

// LeakCheckTail is how long vizrun's leak check went on after the program,
// when that is at least 1% of the trace (worth saying); else 0.
func (s *Summary) LeakCheckTail() int64 {
	if d := s.DurationNs - s.ProgramNs; s.ProgramNs > 0 && d >= s.DurationNs/100 {
		return d
	}
	return 0
}

// Wall is the program's wall time: up to vizrun's leak check when it went
// on after the program (ProgramNs), else the trace's.
func (s *Summary) Wall() int64 {
	if s.ProgramNs > 0 {
		return s.ProgramNs
	}
	return s.DurationNs
}

func waterfall(t *parse.Trace) Waterfall {
	w := t.Waterfall
	out := Waterfall{CapacityNs: w.Capacity, UserNs: w.User, RuntimeNs: w.Runtime, RunnableNs: w.Runnable, PathOnlyNs: w.PathOnly, IdleNs: w.Idle,
		BlockedNs: map[string]int64{}, NamedNs: map[string]int64{}}
	for r, v := range w.Blocked {
		if v > 0 {
			out.BlockedNs[parse.Reason(r).String()] = v
		}
	}
	for _, r := range t.Resources {
		if r.Idle > 0 {
			out.NamedNs[r.Kind.String()+" "+r.Name] = r.Idle
		}
	}
	return out
}
