package parse

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/units"
)

// LeakGroup is the leaked goroutines that block at one call site for one
// reason and were created at one place: the unit in which the summary, the
// report and the findings list leaks.
type LeakGroup struct {
	Name       string  // the first member's name
	Reason     string  // what they wait on, in words
	Site       FrameID // where they block (0: no stack)
	CreateSite FrameID // where they were created (0: unknown)
	Stack      StackID // a representative blocking stack
	Count      int
	Proven     int    // members the runtime proved leaked
	Since      int64  // when the oldest began its final wait (0 with BeforeTrace: before the trace)
	Goroutines []GoID // the first MaxLeakMembers members, by id
}

// MaxLeakMembers is how many goroutine ids a LeakGroup lists.
const MaxLeakMembers = 20

// LeakGroups groups the leaked goroutines blocked at least minBlocked at the
// end of the trace (proven leaks whatever their age), most members first.
func (t *Trace) LeakGroups(minBlocked int64) []LeakGroup {
	type key struct {
		reason       string
		site, create FrameID
	}
	idx := map[key]int{}
	var out []LeakGroup
	for _, g := range t.Goroutines {
		if !g.Leaked() || g.Leak != LeakProven && t.Duration-g.EndSince < minBlocked {
			continue
		}
		k := key{t.ReasonText(g.EndReason, g.EndRaw), t.SiteOf(g.EndStack), t.SiteOf(g.CreateStack)}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, LeakGroup{Name: g.Name, Reason: k.reason, Site: k.site, CreateSite: k.create, Stack: g.EndStack, Since: g.EndSince})
		}
		lg := &out[i]
		lg.Count++
		if g.Leak == LeakProven {
			lg.Proven++
		}
		lg.Since = min(lg.Since, g.EndSince)
		if len(lg.Goroutines) < MaxLeakMembers {
			lg.Goroutines = append(lg.Goroutines, g.ID)
		}
	}
	slices.SortStableFunc(out, func(a, b LeakGroup) int {
		return cmp.Or(cmp.Compare(b.Proven, a.Proven), cmp.Compare(b.Count, a.Count))
	})
	return out
}

// maxCreatorHops bounds how far CreatorChain follows creators.
const maxCreatorHops = 6

// maxChain bounds the frames CreatorChain returns.
const maxChain = 6

// CreatorChain says where goroutine g came from, up to the program's own
// code, innermost first: the frames of the go statement's stack that are
// the program's (a library's constructor, then the test function or main
// function that called it), following the creating goroutines while a
// goroutine was started from the standard library alone (an HTTP
// transport's connection reader), until the program's code appears.
func (t *Trace) CreatorChain(g *Goroutine) []FrameID {
	var out []FrameID
	for hop := 0; g != nil && hop < maxCreatorHops && g.CreateStack != 0; hop++ {
		ids := t.Stacks[g.CreateStack].Frames
		n := len(out)
		for _, id := range ids {
			if isUserFrame(t.Frames[id]) && len(out) < maxChain {
				out = append(out, id)
			}
		}
		if len(out) > n {
			return out
		}
		out = append(out, ids[0])
		if g.Parent == 0 || g.Parent == g.ID {
			break
		}
		g = t.Goroutine(g.Parent)
	}
	return out
}

// unjudgedWarning says, for a live or cut trace (Trace.Live, Trace.Cut),
// how many goroutines were still blocked at its end that a whole trace
// would have made leak candidates, and which had waited longest: they are
// not counted as leaks (the program went on), but a goroutine blocked for
// seconds deserves a look.
func (t *Trace) unjudgedWarning() {
	if !t.Live && !t.Cut {
		return
	}
	n := 0
	var longest *Goroutine
	for _, g := range t.Goroutines {
		if g.Leak != NotLeaked || !g.stuckAtEnd() {
			continue
		}
		n++
		if longest == nil || g.EndSince < longest.EndSince {
			longest = g
		}
	}
	if n == 0 {
		return
	}
	why := "the trace was cut before the program ended"
	if t.Live {
		why = "the program went on after this live capture"
	}
	what := "goroutines were"
	if n == 1 {
		what = "goroutine was"
	}
	where := "(no stack)"
	if f := t.SiteOf(longest.EndStack); f != 0 {
		fr := t.Frames[f]
		where = fmt.Sprintf("%s (%s:%d)", fr.Func, filepath.Base(fr.File), fr.Line)
	}
	t.Warnings = append(t.Warnings, fmt.Sprintf("%d %s still blocked where the trace ends, the longest G%d %s for %v on %s at %s; %s, so they are not counted as leaks (only leaks the runtime's leak profile proves are)",
		n, what, longest.ID, longest.Name, units.Duration(t.Duration-longest.EndSince), t.ReasonText(longest.EndReason, longest.EndRaw), where, why))
}

// DeadlockWarning says that the program deadlocked and who waits on what.
func (t *Trace) DeadlockWarning() string {
	return "deadlock: all goroutines are asleep, and the runtime proved that none can be woken (vizrun ended the program with status 2, as Go does without tracing): " + t.waits(t.Leaks())
}

// stuckWarning says that the program looked deadlocked to vizrun run's
// watch (see Trace.StuckAt) and who still waited at the end; "" if none.
func (t *Trace) stuckWarning() string {
	var gs []*Goroutine
	for _, g := range t.Goroutines {
		if g.StuckSeen {
			gs = append(gs, g)
		}
	}
	if len(gs) == 0 {
		return ""
	}
	return fmt.Sprintf("the program looked deadlocked from %v on: every goroutine waited on a lock, a WaitGroup or a Cond that only another of them could release, and these still did when the trace ended (Go stops such a program without tracing, unless a timer is due; the runtime's leak profile could not prove it, as it cannot for locks reachable from a global): %s",
		units.Duration(t.StuckAt), t.waits(gs))
}

// waits says who waits on what, where.
func (t *Trace) waits(gs []*Goroutine) string {
	var waits []string
	for _, g := range gs {
		w := fmt.Sprintf("G%d %s waits on %s", g.ID, g.Name, t.ReasonText(g.EndReason, g.EndRaw))
		if g.EndStack != 0 {
			if f := t.Frames[t.SiteOf(g.EndStack)]; f.Func != "" {
				w += fmt.Sprintf(" at %s (%s:%d)", f.Func, filepath.Base(f.File), f.Line)
			}
		}
		waits = append(waits, w)
	}
	const most = 10
	if len(waits) > most {
		waits = append(waits[:most], fmt.Sprintf("and %d more", len(waits)-most))
	}
	return strings.Join(waits, "; ")
}
