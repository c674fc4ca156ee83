package summary

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/units"
)

// WriteJSON writes s as indented JSON.
func WriteJSON(w io.Writer, s *Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(s)
}

// WriteText writes s for a terminal.
func WriteText(w io.Writer, s *Summary) error {
	ew := &errWriter{w: w}
	p := func(format string, args ...any) { fmt.Fprintf(ew, format, args...) }
	if s.Source != "" {
		p("%s\n", s.Source)
	}
	for _, warn := range s.Warnings {
		p("warning: %s\n", warn)
	}
	p("wall time     %s (%d events, %d generations, %s, %.1f MB/s of trace)\n", units.Duration(s.DurationNs), s.Trace.Events, s.Trace.Generations, units.Bytes(s.Trace.Bytes), s.Trace.RateMBps)
	if tail := s.LeakCheckTail(); tail > 0 {
		p("              the program's %s, then vizrun's leak check (its garbage collection) %s\n", units.Duration(s.ProgramNs), units.Duration(tail))
	}
	par := fmt.Sprintf("%.2f", s.AvgParallelism)
	if s.GOMAXPROCS > 0 {
		par += fmt.Sprintf(" of GOMAXPROCS %s (%s busy)", procs(s), units.Percent(s.Utilization))
	}
	p("parallelism   %s\n", par)
	g := s.Goroutines
	p("goroutines    %d created, %d alive at most, %d in the trace (%d of the runtime)\n", g.Created, g.MaxAlive, g.Total, g.Total-g.User)
	if g.BlockedAtEnd > 0 {
		p("              %d still blocked at the end, %d of them leaks (idle workers, plumbing, daemons and sleepers apart)\n", g.BlockedAtEnd, g.Leaked)
	}
	t := s.Time
	p("user time     running %s, runnable %s, blocked %s, syscall %s\n",
		units.Duration(t.RunningNs), units.Duration(t.RunnableNs), units.Duration(t.BlockedNs), units.Duration(t.SyscallNs))
	gc := s.GC
	p("GC            %d cycle%s (mark %s), %d stop-the-world pause%s (%s, longest %s), assists %s\n",
		gc.Cycles, plural(gc.Cycles), units.Duration(gc.MarkNs), gc.Pauses, plural(gc.Pauses), units.Duration(gc.PauseNs), units.Duration(gc.MaxPauseNs), units.Duration(gc.AssistNs))

	if len(s.Findings) > 0 {
		p("\nfindings\n")
		for _, f := range s.Findings {
			p("  %-8s %s: %s\n", strings.ToUpper(f.Level), f.Title, clean(f.Message))
		}
	} else {
		p("\nfindings      %s\n", findings.NothingFound())
	}
	if w := s.Waterfall; w.CapacityNs > 0 {
		pct := func(v int64) string { return units.Percent(float64(v) / float64(w.CapacityNs)) }
		var blocked int64
		for _, v := range w.BlockedNs {
			blocked += v
		}
		p("\nwhere GOMAXPROCS × wall time (%s) went\n", units.Duration(w.CapacityNs))
		p("  running the program     %6s   %s\n", pct(w.UserNs), units.Duration(w.UserNs))
		p("  GC and runtime          %6s   %s\n", pct(w.RuntimeNs), units.Duration(w.RuntimeNs))
		p("  idle, runnable waiting  %6s   %s\n", pct(w.RunnableNs), units.Duration(w.RunnableNs))
		p("  idle, blocked           %6s   %s", pct(blocked), units.Duration(blocked))
		if len(w.BlockedNs) > 0 {
			p("  (")
			for i, b := range sortedReasons(w.BlockedNs) {
				if i > 0 {
					p(", ")
				}
				p("%s %s", b.Reason, pct(b.TotalNs))
			}
			p(")")
		}
		p("\n")
		if w.PathOnlyNs > 0 {
			p("  idle, critical path ran %6s   %s\n", pct(w.PathOnlyNs), units.Duration(w.PathOnlyNs))
		}
		p("  idle, nothing to do     %6s   %s\n", pct(w.IdleNs), units.Duration(w.IdleNs))
	}
	if len(s.Blocked) > 0 {
		p("\nblocked time by reason\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', tabwriter.AlignRight)
		for _, b := range s.Blocked {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t\n", b.Reason, units.Duration(b.TotalNs), units.Percent(float64(b.TotalNs)/float64(t.BlockedNs)))
		}
		tw.Flush()
	}
	if len(s.Groups) > 0 {
		p("\ngoroutine groups, busiest first")
		if more := s.GroupsTotal - len(s.Groups); more > 0 {
			p(" (%d more not shown)", more)
		}
		p("\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  GROUP\tN\tRUNNING\tRUNNABLE\tBLOCKED\tMOSTLY ON\tSYSCALL\tLEFT BLOCKED\n")
		for _, gr := range s.Groups {
			left := ""
			if gr.Leaked > 0 {
				left = fmt.Sprint(gr.Leaked)
			}
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", clean(gr.Name), gr.Goroutines, units.Duration(gr.RunningNs),
				units.Duration(gr.RunnableNs), units.Duration(gr.BlockedNs), gr.TopReason, units.Duration(gr.SyscallNs), left)
		}
		tw.Flush()
	}
	if len(s.Sites) > 0 {
		p("\ntop blocking call sites\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  WHERE\tREASON\tWAITS\tTOTAL\tLONGEST\tHOLDERS (OTHERS' WAIT WHILE EACH HELD IT)\n")
		for _, st := range s.Sites {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%s\n", place(st.Frame), st.Reason, st.Count, units.Duration(st.TotalNs), units.Duration(st.MaxNs), holderList(st.Holders))
		}
		tw.Flush()
	}
	if len(s.Resources) > 0 {
		p("\nnamed locks and channels, most waited on first\n")
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  NAME\tKIND\tWAITS\tTOTAL\tLONGEST\tWAITERS\tHOLDERS (OTHERS' WAIT WHILE EACH HELD IT)\n")
		for _, r := range s.Resources {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%s\t%s\t%d\t%s\n", clean(r.Name), r.Kind, r.Waits, units.Duration(r.TotalNs), units.Duration(r.MaxNs), r.Waiters, holderList(r.Holders))
		}
		tw.Flush()
	}
	if len(s.Leaks) > 0 {
		p("\nleaks (still blocked at the end, or proven leaked)\n")
		for _, l := range s.Leaks {
			proven := ""
			if l.Proven > 0 {
				proven = fmt.Sprintf(" (%d proven)", l.Proven)
			}
			p("  %d × %s%s blocked on %s since %s at %s\n", l.Count, clean(l.Name), proven, l.Reason, units.Duration(l.SinceNs), place(l.Where))
		}
	}
	if len(s.Paths) > 0 {
		p("\ncritical paths: what decided when each ended\n")
		for i := range s.Paths {
			cp := &s.Paths[i]
			name := clean(cp.Of)
			if cp.Instance != "" {
				name += " (" + cp.Instance + ")"
			}
			p("  %s, %s: %s\n", name, units.Duration(cp.DurationNs), clean(pathLine(cp)))
		}
	}
	for _, c := range []struct {
		title string
		ts    []TypeStats
	}{{"tasks", s.Tasks}, {"regions", s.Regions}} {
		if len(c.ts) == 0 {
			continue
		}
		p("\n%s\n", c.title)
		tw := tabwriter.NewWriter(ew, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  TYPE\tCOUNT\tTOTAL\tLONGEST\tUNFINISHED\n")
		for _, x := range c.ts {
			fmt.Fprintf(tw, "  %s\t%d\t%s\t%s\t%d\n", clean(x.Type), x.Count, units.Duration(x.TotalNs), units.Duration(x.MaxNs), x.Unfinished)
		}
		tw.Flush()
	}
	return ew.err
}

// holderList is the first holders of a lock in words.
func holderList(hs []Holder) string {
	var out []string
	for i, h := range hs {
		if i == 3 {
			out = append(out, fmt.Sprintf("+%d more", len(hs)-3))
			break
		}
		out = append(out, fmt.Sprintf("G%d %s %s", h.Goroutine, clean(h.Name), units.Duration(h.BlameNs)))
	}
	return strings.Join(out, ", ")
}

// sortedReasons orders a reason -> ns map, largest first.
func sortedReasons(m map[string]int64) []ReasonTime {
	out := make([]ReasonTime, 0, len(m))
	for r, v := range m {
		out = append(out, ReasonTime{r, v})
	}
	slices.SortFunc(out, func(a, b ReasonTime) int {
		return cmp.Or(cmp.Compare(b.TotalNs, a.TotalNs), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// procs says GOMAXPROCS, or its average and largest when it changed.
func procs(s *Summary) string {
	if s.AvgGOMAXPROCS == float64(s.GOMAXPROCS) {
		return fmt.Sprint(s.GOMAXPROCS)
	}
	return fmt.Sprintf("%.1f on average, %d at most", s.AvgGOMAXPROCS, s.GOMAXPROCS)
}

// place is a frame as "function (file:line)".
func place(f Frame) string {
	if f.File == "" {
		return clean(f.Function)
	}
	return fmt.Sprintf("%s (%s:%d)", clean(f.Function), clean(f.File), f.Line)
}

// clean keeps names from the traced program from moving the terminal's
// cursor or changing its colours: control characters become '?'.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '?'
		}
		return r
	}, s)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}
