package html

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/pprofout"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// Blocking: where the program's goroutines waited, by reason, by group and
// by call site. All of it is goroutine-time: ten goroutines blocked for a
// second are ten seconds. A system call is a state of its own, not a
// blocking reason: neither the chart by reason nor its table counts it.

type reasonRow struct {
	Name  string
	Code  int
	Total string
	Share string
}

type groupRow struct {
	Name                                string
	N, Leaked                           int
	Running, Runnable, Blocked, Syscall string
	TopReason                           string
}

type siteRow struct {
	Func, Loc, Reason, Total, Max, Avg string
	Count                              int64
	Frames                             []string
	// Std: the site is a frame of the standard library (a goroutine
	// that blocked inside it, like an HTTP connection reader in
	// net.(*netFD).Read), not of the program's own code.
	Std bool
	// Holders: for plain mutexes and RWMutexes, who held the lock while
	// goroutines waited here (from who woke them), most blame first.
	Holders []string
}

// buildBlocking fills the blocking bars and the view's tables.
func (b *builder) buildBlocking() {
	s, t := b.sum, b.t
	// By reason: the chart and the table list the same reasons.
	reasons := barLine{Name: b.chart("reasons").Series[0], Code: -1}
	for _, r := range s.Blocked {
		rr, _ := parse.ParseReason(r.Reason)
		c := reasonCat(rr)
		b.v.Reasons = append(b.v.Reasons, reasonRow{Name: r.Reason, Code: c, Total: units.Duration(r.TotalNs),
			Share: percent(float64(r.TotalNs) / float64(max(s.Time.BlockedNs, 1)))})
		b.d.Bars.Reasons.Labels = append(b.d.Bars.Reasons.Labels, r.Reason)
		b.d.Bars.Reasons.Codes = append(b.d.Bars.Reasons.Codes, c)
		reasons.Values = append(reasons.Values, float64(r.TotalNs))
	}
	b.d.Bars.Reasons.Series = []barLine{reasons}
	if s.Time.SyscallNs > 0 {
		b.v.SyscallNote = fmt.Sprintf("Not counted as blocked: %s in system calls (a state of its own).", units.Duration(s.Time.SyscallNs))
	}

	// By group, the busiest user groups stacked by state and reason.
	groupIdx := map[string]int{}
	for i, g := range t.Groups {
		if !g.System {
			groupIdx[g.Name] = i
		}
	}
	var idx []int
	for _, g := range s.Groups {
		if i, ok := groupIdx[g.Name]; ok {
			idx = append(idx, i)
		}
	}
	gb := &b.d.Bars.Groups
	for _, i := range idx {
		gb.Labels = append(gb.Labels, fmt.Sprintf("%s ×%d", shorten(t.Groups[i].Name, maxName), len(t.Groups[i].Goroutines)))
	}
	b.chart("groups").Series = nil
	add := func(name string, code int, get func(*parse.Totals) int64) {
		l := barLine{Name: name, Code: code}
		nonzero := false
		for _, i := range idx {
			v := get(&t.Groups[i].Totals)
			nonzero = nonzero || v > 0
			l.Values = append(l.Values, float64(v))
		}
		if nonzero {
			gb.Series = append(gb.Series, l)
			b.chart("groups").Series = append(b.chart("groups").Series, name)
		}
	}
	add("running", catRunning, func(x *parse.Totals) int64 { return x.Running })
	add("runnable", catRunnable, func(x *parse.Totals) int64 { return x.Runnable })
	add("in system calls", catSyscall, func(x *parse.Totals) int64 { return x.Syscall })
	for _, r := range parse.BlockReasons {
		if r != parse.ReasonSyscall {
			add("blocked: "+r.String(), reasonCat(r), func(x *parse.Totals) int64 { return x.Blocked[r] })
		}
	}

	// The groups' table.
	d := units.Duration
	for _, g := range s.Groups {
		b.v.Groups = append(b.v.Groups, groupRow{
			Name: shorten(g.Name, maxName), N: g.Goroutines, Leaked: g.Leaked,
			Running: d(g.RunningNs), Runnable: d(g.RunnableNs),
			Blocked: d(g.BlockedNs), Syscall: d(g.SyscallNs), TopReason: g.TopReason,
		})
	}
	b.v.GroupsMore = s.GroupsTotal - len(s.Groups)

	// Call sites.
	for _, st := range s.Sites {
		fn, loc := siteName(st.Frame)
		b.v.Sites = append(b.v.Sites, siteRow{
			Func: fn, Loc: loc, Reason: st.Reason, Count: st.Count,
			Total: d(st.TotalNs), Max: d(st.MaxNs), Avg: d(st.TotalNs / max(st.Count, 1)),
			Frames: stackText(t, st.Stack), Holders: holderLines(st.Holders), Std: stdFunc(st.Frame.Function),
		})
		b.v.SiteHolders = b.v.SiteHolders || len(st.Holders) > 0
	}
}

// holderLines says who held a lock while others waited, one line each:
// "G12 worker, released at main.handler (server.go:40): others waited 1.2s".
func holderLines(hs []summary.Holder) []string {
	var out []string
	for _, h := range hs {
		s := fmt.Sprintf("G%d %s", h.Goroutine, shorten(h.Name, maxName))
		if h.Released != nil {
			fn, loc := siteName(*h.Released)
			s += ", released at " + shortFunc(fn)
			if loc != "" {
				s += " (" + path.Base(loc) + ")"
			}
		}
		out = append(out, s+": others waited "+units.Duration(h.BlameNs))
	}
	return out
}

// buildPprof names, under each table a profile exports, the vizrun pprof
// command that writes it (issue 19), for the trace as the report was
// given it.
func (b *builder) buildPprof() {
	src := b.opt.Source
	if src == "" || src == "-" {
		src = "TRACE"
	}
	b.v.Pprof = map[string]string{}
	for key, table := range map[string]string{
		"reasons": pprofout.TableBlockedByReason, "groups": pprofout.TableBlockedByGroup,
		"sites": pprofout.TableBlockedBySite, "named": pprofout.TableNamed, "leaks": pprofout.TableLeaks,
	} {
		if cmd, ok := pprofout.CommandFor(table, src); ok {
			b.v.Pprof[key] = cmd
		}
	}
}

// stdFunc says whether fn is a function of the standard library: its
// package path's first element has no dot, and it is not main.
func stdFunc(fn string) bool {
	if fn == "" || strings.HasPrefix(fn, "main.") {
		return false
	}
	first, _, _ := strings.Cut(fn, "/")
	if !strings.Contains(fn, "/") {
		first, _, _ = strings.Cut(fn, ".")
	}
	return !strings.Contains(first, ".")
}

// siteName is a call site as the tables show it; a frame of the vizrun
// tracer (when nothing else was in the stack) is named as such.
func siteName(f summary.Frame) (fn, loc string) {
	if hiddenFrame(parse.Frame{Func: f.Function, File: f.File}) {
		return "(inside the vizrun tracer)", ""
	}
	if f.File != "" {
		loc = f.File + ":" + strconv.Itoa(f.Line)
	}
	return f.Function, loc
}
