// Command truth computes the corpus's reference figures from a Go execution
// trace, independently of vizrun: it reads the trace with golang.org/x/exp/trace
// and imports nothing of vizrun. The figures and how each is defined are listed
// in testdata/corpus/README.md; vizrun's corpus test computes the same figures
// from vizrun's model and compares.
//
// Usage:
//
//	truth [-o OUT.json] [-label LABEL.json] [-pprof KIND=FILE]... TRACE
//
// TRACE may be gzip-compressed. The figures, the goroutines still blocked at
// the end (grouped by stack) and the cross-checks against go tool trace -pprof
// profiles are written as JSON to OUT.json (standard output by default).
// -label rewrites the "value" of every figure the label file lists, keeping
// everything else in it. -pprof KIND=FILE reads a profile written by
// `go tool trace -pprof=KIND` and checks its total against the truth's own
// computation of the same thing; a disagreement over 0.1% is an error.
package main

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/pprof/profile"
	"golang.org/x/exp/trace"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "truth:", err)
		os.Exit(1)
	}
}

type pprofFlags []string

func (p *pprofFlags) String() string     { return strings.Join(*p, ",") }
func (p *pprofFlags) Set(s string) error { *p = append(*p, s); return nil }

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("truth", flag.ContinueOnError)
	out := fs.String("o", "", "write the JSON to this file (default: standard output)")
	label := fs.String("label", "", "refresh the figure values of this label file")
	var pp pprofFlags
	fs.Var(&pp, "pprof", "KIND=FILE: a go tool trace -pprof=KIND profile to check against (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: truth [-o OUT] [-label LABEL] [-pprof KIND=FILE]... TRACE")
	}
	res, err := analyse(fs.Arg(0))
	if err != nil {
		return err
	}
	for _, p := range pp {
		kind, file, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("-pprof %q: want KIND=FILE", p)
		}
		got, err := pprofTotal(file)
		if err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		want, ok := res.Pprof[kind]
		if !ok {
			return fmt.Errorf("-pprof: unknown kind %q", kind)
		}
		c := Check{Kind: kind, Truth: want, GoToolTrace: got}
		c.OK = agree(got, want, 0.001, 1000)
		res.Checks = append(res.Checks, c)
		if !c.OK {
			return fmt.Errorf("go tool trace -pprof=%s says %d ns, the truth's own reading %d ns", kind, got, want)
		}
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if *out == "" {
		if _, err := stdout.Write(b); err != nil {
			return err
		}
	} else if err := writeFile(*out, b); err != nil {
		return err
	}
	if *label != "" {
		return refreshLabel(*label, res.Figures)
	}
	return nil
}

func agree(got, want int64, rel float64, abs int64) bool {
	d := math.Abs(float64(got - want))
	return d <= math.Max(rel*math.Abs(float64(want)), float64(abs))
}

// writeFile writes b to name through a temporary file, so that a failure
// leaves the old file whole.
func writeFile(name string, b []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

// Result is what truth prints.
type Result struct {
	Trace   string           `json:"trace"`
	Figures map[string]int64 `json:"figures"` // ns, counts; parallelism in thousandths
	// Pprof is the truth's own computation of what go tool trace -pprof
	// totals (all goroutines, waits that ended within the trace).
	Pprof  map[string]int64 `json:"pprof"`
	Checks []Check          `json:"checks_against_go_tool_trace,omitempty"`
	// BlockedAtEnd is every goroutine blocked when the trace ended, grouped
	// by start function, reason and stack: the evidence for leak labels.
	BlockedAtEnd []EndGroup `json:"blocked_at_end"`
	// Groups is running time by start function (user goroutines), busiest
	// first, at most 15.
	Groups []GroupTime `json:"groups"`
	// TopWaits is where user goroutines waited longest, by category and
	// blocking stack, at most 12.
	TopWaits []Wait `json:"top_waits"`
}

// Wait is blocked time of user goroutines at one stack.
type Wait struct {
	Category string   `json:"category"`
	TotalNs  int64    `json:"total_ns"`
	Stack    []string `json:"stack"`
}

// Check compares one go tool trace profile with the truth.
type Check struct {
	Kind        string `json:"kind"`
	Truth       int64  `json:"truth_ns"`
	GoToolTrace int64  `json:"go_tool_trace_ns"`
	OK          bool   `json:"ok"`
}

// EndGroup is goroutines blocked at the end with the same story.
type EndGroup struct {
	Start    string   `json:"start"`
	System   bool     `json:"system"`
	Harness  bool     `json:"harness"`
	Reason   string   `json:"reason"`
	Count    int      `json:"count"`
	MinSince int64    `json:"blocked_since_ns"` // the earliest of them
	PreTrace bool     `json:"existed_before_trace"`
	IDs      []int64  `json:"ids"` // at most 10
	Stack    []string `json:"stack"`
	Created  []string `json:"created_at,omitempty"`
}

// GroupTime is running time of the user goroutines with one start function.
type GroupTime struct {
	Start      string `json:"start"`
	Goroutines int    `json:"goroutines"`
	RunningNs  int64  `json:"running_ns"`
}

// g is what truth tracks of one goroutine.
type g struct {
	id       trace.GoID
	start    string // start function
	system   bool
	named    string // vizrun.name log
	pre      bool   // existed before the trace
	created  []string
	state    trace.GoState
	since    int64  // when the current state began
	reason   string // the runtime's reason of the current wait ("" unknown)
	category string // figure category of the current wait
	stack    []string
	seen     bool

	assist    bool  // inside a GC mark assist range
	last      int64 // for assist accounting
	running   int64
	assistRun int64
	assistAll int64
	assistAt  int64

	// go tool trace -pprof style tracking: the kind being tracked and since when.
	ppKind    string
	ppSince   int64
	ranYet    bool             // has been seen running (go tool trace's StartTime)
	ppPending map[string]int64 // tracked before the first run
}

type analyser struct {
	start   trace.Time
	begun   bool
	now     int64
	gs      map[trace.GoID]*g
	fig     map[string]int64
	pp      map[string]int64
	created int64
}

func analyse(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	var r io.Reader = br
	if h, _ := br.Peek(2); bytes.Equal(h, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		r = bufio.NewReaderSize(zr, 1<<16)
	}
	tr, err := trace.NewReader(r)
	if err != nil {
		return nil, err
	}
	a := &analyser{gs: map[trace.GoID]*g{}, fig: map[string]int64{}, pp: map[string]int64{}}
	for {
		ev, err := tr.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		a.event(&ev)
	}
	return a.finish(path), nil
}

func (a *analyser) get(id trace.GoID) *g {
	x := a.gs[id]
	if x == nil {
		x = &g{id: id, state: trace.GoUndetermined}
		a.gs[id] = x
	}
	return x
}

func (a *analyser) event(ev *trace.Event) {
	if !a.begun {
		a.begun, a.start = true, ev.Time()
	}
	a.now = int64(ev.Time() - a.start)
	switch ev.Kind() {
	case trace.EventStateTransition:
		st := ev.StateTransition()
		if st.Resource.Kind == trace.ResourceGoroutine {
			a.transition(ev, &st)
		}
	case trace.EventRangeBegin, trace.EventRangeActive, trace.EventRangeEnd:
		r := ev.Range()
		if r.Name != "GC mark assist" || r.Scope.Kind != trace.ResourceGoroutine {
			return
		}
		x := a.get(r.Scope.Goroutine())
		a.flushAssist(x)
		in := ev.Kind() != trace.EventRangeEnd
		if in && !x.assist {
			x.assistAt = a.now
		}
		if !in && x.assist {
			x.assistAll += a.now - x.assistAt
		}
		x.assist = in
	case trace.EventLog:
		l := ev.Log()
		if l.Category == "vizrun.name" && ev.Goroutine() != trace.NoGoroutine {
			a.get(ev.Goroutine()).named = l.Message
		}
	}
}

// flushAssist books running time inside an assist up to now.
func (a *analyser) flushAssist(x *g) {
	if x.assist && x.state == trace.GoRunning {
		x.assistRun += a.now - max(x.last, x.since)
	}
	x.last = a.now
}

func frames(s trace.Stack) []string {
	var out []string
	for f := range s.Frames() {
		out = append(out, f.Func)
	}
	return out
}

func framesAt(s trace.Stack) []string {
	var out []string
	for f := range s.Frames() {
		out = append(out, fmt.Sprintf("%s (%s:%d)", f.Func, short(f.File), f.Line))
	}
	return out
}

func short(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) > 2 {
		return strings.Join(parts[len(parts)-2:], "/")
	}
	return p
}

// outermost is the function a goroutine started in, from any of its stacks.
func outermost(fs []string) string {
	for i := len(fs) - 1; i >= 0; i-- {
		if fs[i] != "runtime.goexit" {
			return fs[i]
		}
	}
	return ""
}

// runtimeStart: goroutines of the runtime (GC workers, the sweeper and
// scavenger, finalizers, the trace reader) start in the runtime or
// runtime/trace; runtime.main is the program's main goroutine.
func runtimeStart(fn string) bool {
	if fn == "runtime.main" {
		return false
	}
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "runtime/trace.")
}

// tracerOwn: goroutines of vizrun's tracer itself, not the program's: its
// wall-clock sampler and the fgprof goroutines it starts.
func tracerOwn(fn string) bool {
	return strings.HasPrefix(fn, "github.com/felixge/fgprof.") ||
		strings.HasPrefix(fn, "github.com/vizrun/vizrun/tracer.(*wallClock)")
}

func (a *analyser) transition(ev *trace.Event, st *trace.StateTransition) {
	from, to := st.Goroutine()
	x := a.get(st.Resource.Goroutine())
	a.flushAssist(x)
	if !x.seen {
		x.seen = true
		if from == trace.GoNotExist {
			a.created++
			x.start = outermost(frames(st.Stack))
			x.created = framesAt(ev.Stack())
			if len(x.created) > 6 {
				x.created = x.created[:6]
			}
		} else {
			x.pre = true
			x.since, x.last = 0, 0
			if fs := frames(st.Stack); len(fs) > 0 {
				x.start = outermost(fs)
			}
			if from == trace.GoUndetermined {
				// The first report of a goroutine that existed before
				// the trace: it has been in this state since the start.
				x.state = to
				x.ranYet = to == trace.GoRunning
				if to == trace.GoWaiting {
					x.category = inferCategory(frames(st.Stack))
					x.stack = framesAt(st.Stack)
				}
				a.ppEnter(x, to, "", 0)
				return
			}
			// First seen leaving a state it was in since the start.
			x.state = from
			x.category = "other"
		}
	}
	if x.start == "" && x.pre {
		if fs := frames(st.Stack); len(fs) > 0 {
			x.start = outermost(fs)
		}
	}
	if to == x.state {
		// A status report at a generation boundary: nothing changed.
		return
	}
	if st.Reason == "system goroutine wait" {
		x.system = true
	}
	// Close the current state.
	a.close(x)
	a.ppLeave(x, to)
	x.state = to
	x.since = a.now
	x.reason, x.category, x.stack = "", "", nil
	if to == trace.GoWaiting {
		x.reason = st.Reason
		fs := frames(st.Stack)
		x.category = category(st.Reason, fs)
		x.stack = framesAt(st.Stack)
	}
	a.ppEnter(x, to, st.Reason, a.now)
}

// close books the state x has been in since x.since, up to now.
func (a *analyser) close(x *g) {
	d := a.now - x.since
	switch x.state {
	case trace.GoRunning:
		x.running += d
		a.fig["parallelism.busy"] += d
	}
	if x.state == trace.GoNotExist || x.state == trace.GoUndetermined {
		return
	}
	if x.state == trace.GoWaiting && leakCheck(x.stack) {
		return // vizrun's own work: the leak profile's garbage collection
	}
	// User-goroutine figures are booked at the end, once we know which
	// goroutines are the runtime's: keep per-goroutine sums.
	key := ""
	switch x.state {
	case trace.GoRunning:
		key = "running"
	case trace.GoRunnable:
		key = "runnable"
	case trace.GoSyscall:
		key = "syscall"
	case trace.GoWaiting:
		key = "blocked." + x.category
		a.bookWait(x, d)
	}
	a.book(x, key, d)
}

// waits by goroutine, category and stack, for the top-waits evidence.
type waitKey struct {
	id       trace.GoID
	category string
	stack    string
}

var waits = map[waitKey]int64{}

func (a *analyser) bookWait(x *g, d int64) {
	st := x.stack
	if len(st) > 6 {
		st = st[:6]
	}
	waits[waitKey{x.id, x.category, strings.Join(st, "\n")}] += d
}

// per-goroutine figure sums.
var sums = map[trace.GoID]map[string]int64{}

func (a *analyser) book(x *g, key string, d int64) {
	m := sums[x.id]
	if m == nil {
		m = map[string]int64{}
		sums[x.id] = m
	}
	m[key] += d
}

// category is the figure a wait is booked to, from the runtime's reason.
// The runtime's "sync" covers sync.Mutex, RWMutex, WaitGroup, Once and the
// runtime's own semaphores; waits on the GC's semaphores (in runtime.GC and
// the GC's start) are the GC's, not the program's locks.
func category(reason string, fs []string) string {
	switch reason {
	case "chan receive":
		return "chan-receive"
	case "chan send":
		return "chan-send"
	case "select":
		return "select"
	case "sleep":
		return "sleep"
	case "sync":
		if gcSema(fs) {
			return "gc"
		}
		return "sync"
	case "sync.(*Cond).Wait":
		return "cond"
	case "network":
		return "network"
	case "":
		return inferCategory(fs)
	}
	if strings.HasPrefix(reason, "GC ") || reason == "wait until GC ends" {
		return "gc"
	}
	return "other"
}

// gcSema: a "sync" wait whose stack is inside the runtime's GC (runtime.GC,
// gcStart) before any sync package frame.
func gcSema(fs []string) bool {
	for _, f := range fs {
		switch {
		case f == "runtime.gcStart" || f == "runtime.GC" || f == "runtime.gcWaitOnMark" || f == "runtime.gcMarkDone" || f == "runtime.forEachP" || f == "runtime.stopTheWorldGC":
			return true
		case strings.HasPrefix(f, "sync.") || strings.HasPrefix(f, "internal/sync."):
			return false
		case !strings.HasPrefix(f, "runtime."):
			return false
		}
	}
	return false
}

// inferCategory classifies a wait the runtime gave no reason for (a
// goroutine already waiting when the trace began) from its stack.
func inferCategory(fs []string) string {
	for _, f := range fs {
		switch {
		case f == "runtime.gopark" || f == "runtime.goparkunlock":
			continue
		case strings.HasPrefix(f, "runtime.chanrecv"):
			return "chan-receive"
		case strings.HasPrefix(f, "runtime.chansend"):
			return "chan-send"
		case f == "runtime.selectgo" || f == "runtime.block":
			if f == "runtime.block" {
				return "other"
			}
			return "select"
		case f == "time.Sleep":
			return "sleep"
		case f == "runtime.netpollblock" || strings.HasPrefix(f, "internal/poll."):
			return "network"
		case f == "runtime.notifyListWait" || f == "sync.(*Cond).Wait":
			return "cond"
		case strings.HasPrefix(f, "runtime.semacquire") || strings.HasPrefix(f, "sync.") || strings.HasPrefix(f, "internal/sync."):
			if gcSema(fs) {
				return "gc"
			}
			return "sync"
		case strings.HasPrefix(f, "runtime."):
			continue
		default:
			return "other"
		}
	}
	return "other"
}

// go tool trace -pprof: sync tracks waits whose reason contains chan, sync
// or select; net the reason "network"; syscall every syscall; sched every
// runnable stretch. Only stretches that end within the trace count.
func (a *analyser) ppEnter(x *g, to trace.GoState, reason string, t int64) {
	kind := ""
	switch to {
	case trace.GoWaiting:
		switch {
		case reason == "network":
			kind = "net"
		case strings.Contains(reason, "chan") || strings.Contains(reason, "sync") || strings.Contains(reason, "select"):
			kind = "sync"
		}
	case trace.GoSyscall:
		kind = "syscall"
	case trace.GoRunnable:
		kind = "sched"
	}
	x.ppKind, x.ppSince = kind, t
}

func (a *analyser) ppLeave(x *g, to trace.GoState) {
	// go tool trace clips each goroutine to the time from its first run on
	// (its StartTime; a goroutine that never runs is not clipped): what it
	// spent before that is held back until we know whether it runs.
	if x.ppKind != "" {
		if x.ranYet {
			a.pp[x.ppKind] += a.now - x.ppSince
		} else {
			if x.ppPending == nil {
				x.ppPending = map[string]int64{}
			}
			x.ppPending[x.ppKind] += a.now - x.ppSince
		}
	}
	x.ppKind = ""
	if to == trace.GoRunning && !x.ranYet {
		x.ranYet = true
		x.ppPending = nil
	}
}

func (a *analyser) finish(path string) *Result {
	end := a.now
	for _, x := range a.gs {
		a.flushAssist(x)
		if x.assist {
			x.assistAll += end - x.assistAt
		}
		a.close(x)
		if runtimeStart(x.start) || tracerOwn(x.start) || strings.HasPrefix(x.named, "vizrun.") {
			x.system = true
		}
	}
	res := &Result{Trace: filepath.Base(path), Figures: map[string]int64{}, Pprof: a.pp, BlockedAtEnd: []EndGroup{}}
	for _, x := range a.gs {
		if !x.ranYet {
			for k, v := range x.ppPending {
				a.pp[k] += v
			}
		}
	}
	for _, k := range []string{"sync", "net", "syscall", "sched"} {
		res.Pprof[k] += 0
	}
	fig := res.Figures
	fig["duration"] = end
	fig["goroutines.created"] = a.created
	if end > 0 {
		fig["parallelism"] = int64(math.Round(1000 * float64(a.fig["parallelism.busy"]) / float64(end)))
	}
	for _, k := range figureKeys {
		fig[k] += 0
	}
	groups := map[string]*GroupTime{}
	type endKey struct {
		start, reason, stack string
		system, harness      bool
	}
	ends := map[endKey]*EndGroup{}
	var leaks int64
	ids := slices.Sorted(func(yield func(trace.GoID) bool) {
		for id := range a.gs {
			if !yield(id) {
				return
			}
		}
	})
	for _, id := range ids {
		x := a.gs[id]
		if !x.system {
			for k, v := range sums[id] {
				fig[k] += v
			}
			fig["gc.assist"] += x.assistRun
			fig["gc.assist.range"] += x.assistAll
			gt := groups[x.start]
			if gt == nil {
				gt = &GroupTime{Start: x.start}
				groups[x.start] = gt
			}
			gt.Goroutines++
			gt.RunningNs += x.running
		}
		if x.state != trace.GoWaiting {
			continue
		}
		h := harness(x.stack)
		if !x.system && !h {
			leaks++
		}
		reason := x.reason
		if reason == "" {
			reason = "(waiting since before the trace: " + x.category + ")"
		}
		k := endKey{x.start, reason, strings.Join(x.stack, "\n"), x.system, h}
		eg := ends[k]
		if eg == nil {
			eg = &EndGroup{Start: x.start, System: x.system, Harness: h, Reason: reason, MinSince: x.since, PreTrace: x.pre, Stack: x.stack, Created: x.created}
			ends[k] = eg
		}
		eg.Count++
		eg.MinSince = min(eg.MinSince, x.since)
		if len(eg.IDs) < 10 {
			eg.IDs = append(eg.IDs, int64(x.id))
		}
	}
	fig["leaks"] = leaks
	byStack := map[[2]string]int64{}
	for k, v := range waits {
		if !a.gs[k.id].system {
			byStack[[2]string{k.category, k.stack}] += v
		}
	}
	for k, v := range byStack {
		st := strings.Split(k[1], "\n")
		if k[1] == "" {
			st = []string{}
		}
		res.TopWaits = append(res.TopWaits, Wait{Category: k[0], TotalNs: v, Stack: st})
	}
	slices.SortFunc(res.TopWaits, func(p, q Wait) int {
		return cmp.Or(cmp.Compare(q.TotalNs, p.TotalNs), cmp.Compare(p.Category, q.Category), cmp.Compare(strings.Join(p.Stack, ""), strings.Join(q.Stack, "")))
	})
	if len(res.TopWaits) > 12 {
		res.TopWaits = res.TopWaits[:12]
	}
	for _, eg := range ends {
		if eg.Stack == nil {
			eg.Stack = []string{}
		}
		res.BlockedAtEnd = append(res.BlockedAtEnd, *eg)
	}
	slices.SortFunc(res.BlockedAtEnd, func(p, q EndGroup) int {
		return cmp.Or(cmp.Compare(btoi(p.System), btoi(q.System)), cmp.Compare(q.Count, p.Count), cmp.Compare(p.Start, q.Start), cmp.Compare(p.Reason, q.Reason), cmp.Compare(strings.Join(p.Stack, ""), strings.Join(q.Stack, "")))
	})
	for _, gt := range groups {
		res.Groups = append(res.Groups, *gt)
	}
	slices.SortFunc(res.Groups, func(p, q GroupTime) int {
		return cmp.Or(cmp.Compare(q.RunningNs, p.RunningNs), cmp.Compare(p.Start, q.Start))
	})
	if len(res.Groups) > 15 {
		res.Groups = res.Groups[:15]
	}
	return res
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// figureKeys are the figures always present in the output.
var figureKeys = []string{
	"running", "runnable", "syscall", "gc.assist", "gc.assist.range",
	"blocked.chan-receive", "blocked.chan-send", "blocked.select", "blocked.sleep",
	"blocked.sync", "blocked.cond", "blocked.network", "blocked.gc", "blocked.other",
}

// harness: a goroutine of the testing package waiting for a test to finish
// (go test's main goroutine, a test waiting for its subtests): the
// innermost frame outside the runtime and sync is in package testing.
func harness(stack []string) bool {
	for _, f := range stack {
		fn, _, _ := strings.Cut(f, " (")
		if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "sync.") || strings.HasPrefix(fn, "internal/") {
			continue
		}
		return strings.HasPrefix(fn, "testing.")
	}
	return false
}

// pprofTotal sums the delay of a go tool trace -pprof profile, in ns.
func pprofTotal(file string) (int64, error) {
	f, err := os.Open(file)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return 0, err
	}
	idx := -1
	for i, st := range p.SampleType {
		if st.Unit == "nanoseconds" {
			idx = i
		}
	}
	if idx < 0 {
		return 0, errors.New("no nanoseconds sample type")
	}
	var sum int64
	for _, s := range p.Sample {
		sum += s.Value[idx]
	}
	return sum, nil
}

// refreshLabel sets the value of every figure listed in the label file to
// the truth's, and keeps every other field as it is.
func refreshLabel(file string, figs map[string]int64) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %v", file, err)
	}
	var list []map[string]any
	if raw, ok := doc["figures"]; ok {
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if err := d.Decode(&list); err != nil {
			return fmt.Errorf("%s: figures: %v", file, err)
		}
	}
	for _, f := range list {
		name, _ := f["name"].(string)
		v, ok := figs[name]
		if !ok {
			return fmt.Errorf("%s: unknown figure %q", file, name)
		}
		f["value"] = v
	}
	// Keep the fields in their usual order.
	order := []string{"trace", "source", "expect", "allow", "forbid", "figures"}
	var buf bytes.Buffer
	buf.WriteString("{\n")
	first := true
	emit := func(k string, v any) error {
		vb, err := json.MarshalIndent(v, "  ", "  ")
		if err != nil {
			return err
		}
		if !first {
			buf.WriteString(",\n")
		}
		first = false
		kb, _ := json.Marshal(k)
		fmt.Fprintf(&buf, "  %s: %s", kb, vb)
		return nil
	}
	seen := map[string]bool{}
	for _, k := range order {
		raw, ok := doc[k]
		if !ok {
			continue
		}
		seen[k] = true
		var v any = raw
		if k == "figures" {
			v = list
		}
		if err := emit(k, v); err != nil {
			return err
		}
	}
	rest := []string{}
	for k := range doc {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	slices.Sort(rest)
	for _, k := range rest {
		if err := emit(k, doc[k]); err != nil {
			return err
		}
	}
	buf.WriteString("\n}\n")
	return writeFile(file, buf.Bytes())
}

// leakCheck reports whether a wait is inside the runtime's goroutine leak
// profile (its garbage collection), which vizrun run, vizrun test, the
// tracer and the workloads take just before tracing stops: vizrun's own
// work, not the program's (go tool trace counts it; the figures do not).
func leakCheck(fs []string) bool {
	for _, f := range fs {
		if strings.HasPrefix(f, "runtime/pprof.runtime_goroutineLeakGC ") || strings.HasPrefix(f, "runtime/pprof.writeGoroutineLeak ") {
			return true
		}
	}
	return false
}
