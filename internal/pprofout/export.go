package pprofout

import (
	"fmt"
	"io"
	"strconv"

	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
)

// Options shape a profile.
type Options struct {
	Kind *Kind
	// Runtime keeps the runtime's own goroutines (GC workers, the trace
	// reader, ...), which the report leaves out.
	Runtime bool
	// Comments are written into the profile (the command, the trace).
	Comments []string
}

// Label keys of the samples.
const (
	LabelGroup  = "group"  // the goroutine group (the name the tracer gave, else the start function)
	LabelTask   = "task"   // the type of the task of the innermost region with a task
	LabelRegion = "region" // the innermost user region
	// LabelSite is the blocking call site and reason of a wait or system
	// call, as the report's table of call sites names it: "mutex at
	// main.update (main.go:42)".
	LabelSite = "site"
)

// sampleKey groups the parse samples that become one pprof sample.
type sampleKey struct {
	stack  parse.StackID
	leaf   string // state or reason frame ("" when the kind has none)
	named  string // the named lock or channel frame
	bottom string // for samples without a stack: what stands for it
	group  string
	region string
	task   string
	site   string
}

// builder interns functions and locations.
type builder struct {
	t         *parse.Trace
	p         *profile.Profile
	funcs     map[[2]string]*profile.Function
	locs      map[locKey]*profile.Location
	stackLocs map[parse.StackID][]*profile.Location
}

type locKey struct {
	fn, file string
	line     int
}

// Build makes the profile of opt.Kind from the span profile p that Read
// filled for t.
func Build(t *parse.Trace, p *parse.Profile, opt Options) (*profile.Profile, error) {
	k := opt.Kind
	if k == nil {
		return nil, fmt.Errorf("pprofout: no kind")
	}
	b := &builder{t: t, funcs: map[[2]string]*profile.Function{}, locs: map[locKey]*profile.Location{}, stackLocs: map[parse.StackID][]*profile.Location{}}
	dur := t.Duration
	if p.To > p.From {
		dur = min(p.To, t.Duration) - min(p.From, t.Duration)
	}
	b.p = &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: k.CountType, Unit: "count"},
			{Type: k.TimeType, Unit: "nanoseconds"},
		},
		DefaultSampleType: k.TimeType,
		PeriodType:        &profile.ValueType{Type: k.TimeType, Unit: "nanoseconds"},
		Period:            1,
		DurationNanos:     max(dur, 0),
		Comments:          opt.Comments,
	}
	idx := map[sampleKey]int{}
	var keys []sampleKey
	var vals [][2]int64
	for i := range p.Samples {
		s := &p.Samples[i]
		g := t.Goroutine(s.G)
		if g == nil || g.System && !opt.Runtime || !k.keep(s) {
			continue
		}
		c := p.Contexts[s.Ctx]
		key := sampleKey{stack: s.Stack, group: g.Name, region: c.Region, task: c.Task}
		if k.Leaf {
			key.leaf = leafName(t, s)
		}
		if c.Named && s.State != parse.StateRunning {
			key.named = namedFrame(c.Kind, c.Name)
		}
		if len(b.stack(s.Stack)) == 0 {
			key.bottom = noStack(s)
		}
		if s.State == parse.StateBlocked || s.State == parse.StateSyscall {
			key.site = siteLabel(t, s)
		}
		j, ok := idx[key]
		if !ok {
			j = len(keys)
			idx[key] = j
			keys = append(keys, key)
			vals = append(vals, [2]int64{})
		}
		vals[j][0] += s.Count
		vals[j][1] += s.Ns
	}
	for j, key := range keys {
		sm := &profile.Sample{Value: []int64{vals[j][0], vals[j][1]}, Label: map[string][]string{LabelGroup: {key.group}}}
		if key.region != "" {
			sm.Label[LabelRegion] = []string{key.region}
		}
		if key.task != "" {
			sm.Label[LabelTask] = []string{key.task}
		}
		if key.site != "" {
			sm.Label[LabelSite] = []string{key.site}
		}
		if key.leaf != "" {
			sm.Location = append(sm.Location, b.synthetic(key.leaf))
		}
		if key.named != "" {
			sm.Location = append(sm.Location, b.synthetic(key.named))
		}
		if ls := b.stack(key.stack); len(ls) > 0 {
			sm.Location = append(sm.Location, ls...)
		} else {
			// Samples without a stack are rooted at their group, so that
			// a flame graph still tells them apart.
			sm.Location = append(sm.Location, b.synthetic(key.bottom), b.synthetic("goroutine "+strconv.Quote(key.group)))
		}
		b.p.Sample = append(b.p.Sample, sm)
	}
	if err := b.p.CheckValid(); err != nil {
		return nil, fmt.Errorf("pprofout: %v", err)
	}
	return b.p, nil
}

// Write writes p gzipped, as go tool pprof reads it.
func Write(w io.Writer, p *profile.Profile) error { return p.Write(w) }

// leafName is the state or reason frame of a sample.
func leafName(t *parse.Trace, s *parse.ProfileSample) string {
	switch s.State {
	case parse.StateRunning:
		if s.Assist {
			return "running a GC assist"
		}
		return "running"
	case parse.StateRunnable:
		switch s.Reason {
		case parse.ReasonPreempted:
			return "runnable after preemption"
		case parse.ReasonYield:
			return "runnable after yielding"
		}
		if s.Stack == 0 {
			return "runnable, new"
		}
		return "runnable after a wake-up"
	case parse.StateSyscall:
		return "in a system call"
	}
	if s.Reason == parse.ReasonOther {
		return "blocked on other (" + t.ReasonText(s.Reason, s.Raw) + ")"
	}
	return "blocked on " + s.Reason.String()
}

// siteLabel names the call site of a wait, with its reason.
func siteLabel(t *parse.Trace, s *parse.ProfileSample) string {
	r := s.Reason.String()
	if s.State == parse.StateSyscall {
		r = "syscall"
	}
	f := t.SiteOf(s.Stack)
	if f == 0 {
		return r + " with no stack"
	}
	fr := t.Frames[f]
	return fmt.Sprintf("%s at %s (%s:%d)", r, fr.Func, fr.File, fr.Line)
}

// namedFrame is the frame of a lock or channel named with the tracer.
func namedFrame(k parse.ResourceKind, name string) string {
	switch k {
	case parse.KindMutex:
		return "lock " + strconv.Quote(name)
	case parse.KindRWMutex:
		return "rwlock " + strconv.Quote(name)
	}
	return "chan " + strconv.Quote(name)
}

// noStack says what stands for the stack of a sample without one.
func noStack(s *parse.ProfileSample) string {
	switch {
	case s.State == parse.StateRunning && s.Exit:
		return "(the run ended with the goroutine)"
	case s.State == parse.StateRunning:
		return "(running when the trace ended)"
	case s.State == parse.StateRunnable:
		return "(new goroutine)"
	case s.State == parse.StateBlocked:
		return "(no stack: blocked since before the trace)"
	}
	return "(no stack)"
}

func (b *builder) function(name, file string) *profile.Function {
	k := [2]string{name, file}
	f := b.funcs[k]
	if f == nil {
		f = &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: name, SystemName: name, Filename: file}
		b.funcs[k] = f
		b.p.Function = append(b.p.Function, f)
	}
	return f
}

func (b *builder) location(fn, file string, line int) *profile.Location {
	k := locKey{fn, file, line}
	l := b.locs[k]
	if l == nil {
		l = &profile.Location{ID: uint64(len(b.p.Location) + 1), Line: []profile.Line{{Function: b.function(fn, file), Line: int64(line)}}}
		b.locs[k] = l
		b.p.Location = append(b.p.Location, l)
	}
	return l
}

// synthetic is a frame vizrun makes up: a state, a reason, a name.
func (b *builder) synthetic(name string) *profile.Location { return b.location(name, "", 0) }

// stack is a stack's frames, innermost first, without the tracer's own.
func (b *builder) stack(id parse.StackID) []*profile.Location {
	if ls, ok := b.stackLocs[id]; ok {
		return ls
	}
	var ls []*profile.Location
	for _, f := range b.t.StackFrames(id) {
		if protocol.TracerFunc(f.Func) {
			continue
		}
		ls = append(ls, b.location(f.Func, f.File, f.Line))
	}
	b.stackLocs[id] = ls
	return ls
}
