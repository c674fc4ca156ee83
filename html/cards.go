package html

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// The top of the report: findings in plain words, then summary cards.
//
// Two kinds of time appear in the report and are labelled as such:
// goroutine-time adds up every goroutine's time (ten goroutines blocked for
// a second are ten seconds, in a trace of one), and P-time is processor
// time (at most GOMAXPROCS × wall time).

type card struct {
	Label, Value, Hint string
}

type findingRow struct {
	Level, Title, Message string
	Evidence              []string
	Index                 int // into pageData.Findings
}

// maxFindings bounds the findings the report lists.
const maxFindings = 50

func (b *builder) buildCards() {
	t, s := b.t, b.sum
	wall := units.Duration(t.Duration)
	parHint := ""
	if s.AvgGOMAXPROCS > 0 {
		parHint = fmt.Sprintf("%s of the Ps busy on average", percent(s.Utilization))
	}
	procsHint := fmt.Sprintf("%d Ps seen running goroutines", len(t.Procs))
	if s.AvgGOMAXPROCS != float64(s.GOMAXPROCS) {
		procsHint = fmt.Sprintf("at most; %.1f on average: it changed while tracing", s.AvgGOMAXPROCS)
	}
	blockedHint := "no goroutine waited"
	if len(s.Blocked) > 0 {
		blockedHint = fmt.Sprintf("summed over goroutines, in a %s trace; most on %s (%s)", wall, s.Blocked[0].Reason, units.Duration(s.Blocked[0].TotalNs))
	}
	leakHint := "every goroutine finished or was running"
	switch g := s.Goroutines; {
	case g.Leaked > 0:
		leakHint = fmt.Sprintf("%d leaked: see below", g.Leaked)
	case g.BlockedAtEnd > 0:
		leakHint = "none leaked: idle workers, plumbing, daemons or sleepers"
	}
	if w := t.Window; w[1] > w[0] {
		u := traceUnit(w[1])
		b.v.Warnings = append(b.v.Warnings, fmt.Sprintf("This report shows a window of the trace, every span from %s to %s; times are the trace's.", atTime(w[0], u, max((w[1]-w[0])/1000, 1)), atTime(w[1], u, max((w[1]-w[0])/1000, 1))))
	}
	b.v.Cards = []card{
		{"Wall time", wall, wallHint(t, s)},
		{"GOMAXPROCS", strconv.Itoa(t.GOMAXPROCS), procsHint},
		{"Average parallelism", small(s.AvgParallelism), parHint},
		{"Goroutines", fmt.Sprintf("%d created", s.Goroutines.Created), fmt.Sprintf("%d alive at most; %d in the trace", s.Goroutines.MaxAlive, s.Goroutines.Total)},
		{"Still blocked at end", strconv.Itoa(s.Goroutines.BlockedAtEnd), leakHint},
		{"Blocked (goroutine-time)", units.Duration(s.Time.BlockedNs), blockedHint},
		{"Waiting for a P (goroutine-time)", units.Duration(s.Time.RunnableNs), "runnable but not running, summed over goroutines: scheduler latency"},
		{"GC", plainCount(s.GC.Cycles, "cycle", "cycles"), fmt.Sprintf("%s, %s in all, %s longest", plainCount(s.GC.Pauses, "stop-the-world pause", "stop-the-world pauses"), units.Duration(s.GC.PauseNs), units.Duration(s.GC.MaxPauseNs))},
	}
}

func (b *builder) buildFindings() {
	for i, f := range b.sum.Findings {
		ref := findingRef{From: f.From, To: f.To, Gs: f.Goroutines}
		if ref.Gs == nil {
			ref.Gs = []int64{}
		}
		b.d.Findings = append(b.d.Findings, ref)
		if i < maxFindings {
			b.v.Findings = append(b.v.Findings, findingRow{Level: f.Level, Title: f.Title, Message: f.Message, Evidence: f.Evidence, Index: i})
		}
	}
	if n := len(b.sum.Findings) - maxFindings; n > 0 {
		b.v.FindingsMore = n
	}
	b.windows = findingWindows(b.d.Findings, b.t.Duration)
}

// windowCommand is the command that writes a full-detail report of
// [from, to): what the page shows for a window it cannot show in full.
func windowCommand(source string, from, to int64) string {
	return fmt.Sprintf("vizrun report -window %s:%s %s", goDuration(from), goDuration(to), shellWord(source))
}

// goDuration prints ns as Go's time.ParseDuration reads it.
func goDuration(ns int64) string {
	u := unitFor(float64(max(ns, 1)))
	s := strconv.FormatFloat(float64(ns)/u.ns, 'f', -1, 64)
	return s + u.name
}

// shellWord quotes s for a POSIX shell when it needs it; "" and "-" (no
// file) become TRACE.
func shellWord(s string) string {
	if s == "" || s == "-" {
		return "TRACE"
	}
	safe := true
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./+=:,@%", c)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// wallHint says what the wall time holds: the program's time and vizrun's
// leak check after it, when that took a part worth saying.
func wallHint(t *parse.Trace, s *summary.Summary) string {
	h := fmt.Sprintf("%d events, %d generations", t.Events, t.Generations)
	if tail := s.LeakCheckTail(); tail > 0 {
		h = fmt.Sprintf("the program's %s, then vizrun's leak check %s; %s", units.Duration(s.ProgramNs), units.Duration(tail), h)
	}
	return h
}
