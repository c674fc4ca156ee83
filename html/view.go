package html

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// Colours: one per state and one per blocking reason, the same in every chart.
var (
	stateColor = map[parse.State]string{
		parse.StateRunning:  "#2e9e4f",
		parse.StateRunnable: "#f2a516",
		parse.StateSyscall:  "#8e5bd0",
		parse.StateBlocked:  "#7b8fb5",
	}
	reasonColor = map[parse.Reason]string{
		parse.ReasonChanRecv:  "#3b7dd8",
		parse.ReasonChanSend:  "#6aa6ee",
		parse.ReasonSelect:    "#2bb3c0",
		parse.ReasonSleep:     "#a9b4c2",
		parse.ReasonMutex:     "#d9463b",
		parse.ReasonRWMutex:   "#e8743b",
		parse.ReasonWaitGroup: "#c2478f",
		parse.ReasonCond:      "#b5651d",
		parse.ReasonNetwork:   "#1f9e89",
		parse.ReasonSyscall:   "#8e5bd0",
		parse.ReasonGC:        "#6b4226",
		parse.ReasonPreempted: "#d4b106",
		parse.ReasonOther:     "#7f7f7f",
	}
	runtimeColor = "#b8d8be"
	gcColor      = "#c0392b"
	stwColor     = "#641e16"
	taskColor    = "#4a6fa5"
	regionColor  = "#8fb3de"
)

// colorOf is the colour of a segment code.
func colorOf(c int) string {
	s, r := parse.State(c>>4), parse.Reason(c&15)
	if s == parse.StateBlocked {
		if col, ok := reasonColor[r]; ok {
			return col
		}
	}
	return stateColor[s]
}

// nameOf says what a segment code means.
func nameOf(c int) string {
	s, r := parse.State(c>>4), parse.Reason(c&15)
	switch {
	case s == parse.StateBlocked:
		return "blocked: " + r.String()
	case s == parse.StateRunnable && r == parse.ReasonPreempted:
		return "runnable (preempted)"
	case s == parse.StateRunnable && r == parse.ReasonYield:
		return "runnable (yielded)"
	}
	return s.String()
}

type card struct {
	Label, Value, Hint string
}

type legendItem struct {
	Name, Color string
}

type reasonRow struct {
	Name, Color, Total, Share string
	Waits                     int64
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
}

type leakRow struct {
	Name, Reason, Since, Func, Loc string
	N                              int
	IDs                            string
	Frames                         []string
}

type typeRow struct {
	Type, Total, Max, Avg string
	Count, Unfinished     int
}

type resourceRow struct {
	Name, Kind, Total, Max, Avg string
	Waits                       int64
	Waiters, Pending            int
	Ops                         string
	Holders                     []string
}

type findingRow struct {
	Level, Title, Message string
	Evidence              []string
	From, To              int64
	Goroutines            string // comma-separated ids
}

type waterfallRow struct {
	Name, Color, Value, Share string
}

type logRow struct {
	Time, Goroutine, Category, Message string
}

type view struct {
	Title, Source string
	Cards         []card
	Warnings      []string
	Legend        []legendItem
	Reasons       []reasonRow
	Groups        []groupRow
	GroupsMore    int
	Sites         []siteRow
	Leaks         []leakRow
	Tasks         []typeRow
	Regions       []typeRow
	Logs          []logRow
	LogsMore      int
	TimelineNote  string
	HasProcs      bool
	HasSpans      bool
	HasFlame      bool
	Resources     []resourceRow
	Findings      []findingRow
	Waterfall     []waterfallRow
	NamedIdle     []waterfallRow

	Echarts template.JS
	Script  template.JS
	Style   template.CSS
	Options template.JS
	Data    template.JS
}

const (
	maxLogs     = 500
	maxFrames   = 12
	maxProcSegs = 60000

	// The first paint draws at most about coarsePixels segments across a
	// row, coarseSegments in the goroutine timeline and coarseProcSegments
	// in the processor timeline; zooming in draws the finer level.
	coarsePixels       = 800
	coarseSegments     = 25000
	coarseProcSegments = 6000

	// maxPoints bounds the points of a series over time.
	maxPoints   = 1024
	maxTaskRows = 40
	maxTaskSegs = 8000
)

func buildView(t *parse.Trace, sum *summary.Summary, opt *Options) (*view, error) {
	v := &view{
		Title:    opt.Title,
		Source:   opt.Source,
		Warnings: t.Warnings,
		Echarts:  template.JS(echartsJS),
		Script:   template.JS(reportJS),
		Style:    template.CSS(reportCSS),
	}
	if err := scriptSafe("report.js", reportJS); err != nil {
		return nil, err
	}
	tot := t.UserTotals()
	v.Cards = cards(t, sum)
	v.Legend = legend()
	v.Reasons = reasonRows(sum)
	v.Groups, v.GroupsMore = groupRows(sum)
	v.Sites = siteRows(t, sum)
	v.Leaks = leakRows(t, sum)
	v.Tasks, v.Regions = typeRows(sum.Tasks), typeRows(sum.Regions)
	v.Logs, v.LogsMore = logRows(t)

	d := newData(t)
	v.TimelineNote = d.timeline(t, opt)
	d.procs(t)
	d.parallel(t)
	d.reasonsAndGroups(t, &tot)
	d.tasks(t)
	d.Flame = flameGraph(opt.WallClock)
	v.HasFlame = d.Flame != nil
	v.Resources = resourceRows(sum)
	v.Findings = findingRows(sum)
	v.Waterfall, v.NamedIdle = waterfallRows(sum)
	d.waterfall(sum)
	v.HasProcs = len(t.Procs) > 0
	v.HasSpans = len(t.Tasks)+len(t.Regions) > 0

	js, err := safeJSON(d)
	if err != nil {
		return nil, err
	}
	v.Data = js
	o, err := chartOptions(d)
	if err != nil {
		return nil, err
	}
	v.Options = o
	return v, nil
}

func cards(t *parse.Trace, s *summary.Summary) []card {
	par := s.AvgParallelism
	parHint := ""
	if s.AvgGOMAXPROCS > 0 {
		parHint = fmt.Sprintf("%s of the Ps busy on average", units.Percent(s.Utilization))
	}
	procsHint := fmt.Sprintf("%d Ps seen running goroutines", len(t.Procs))
	if s.AvgGOMAXPROCS != float64(s.GOMAXPROCS) {
		procsHint = fmt.Sprintf("at most; %.1f on average: it changed while tracing", s.AvgGOMAXPROCS)
	}
	blockedHint := "no goroutine waited"
	if len(s.Blocked) > 0 {
		blockedHint = fmt.Sprintf("most on %s (%s)", s.Blocked[0].Reason, units.Duration(s.Blocked[0].TotalNs))
	}
	leakHint := "every goroutine finished or was running"
	if s.Goroutines.Leaked > 0 {
		leakHint = "leak candidates: see below"
	}
	return []card{
		{"Wall time", units.Duration(t.Duration), fmt.Sprintf("%d events, %d generations", t.Events, t.Generations)},
		{"GOMAXPROCS", strconv.Itoa(t.GOMAXPROCS), procsHint},
		{"Average parallelism", strconv.FormatFloat(par, 'f', 2, 64), parHint},
		{"Goroutines", fmt.Sprintf("%d created", s.Goroutines.Created), fmt.Sprintf("%d alive at most; %d in the trace", s.Goroutines.MaxAlive, s.Goroutines.Total)},
		{"Still blocked at end", strconv.Itoa(s.Goroutines.Leaked), leakHint},
		{"Blocked time", units.Duration(s.Time.BlockedNs), blockedHint},
		{"Waiting for a P", units.Duration(s.Time.RunnableNs), "runnable but not running: scheduler latency"},
		{"GC", fmt.Sprintf("%d cycles", s.GC.Cycles), fmt.Sprintf("%d stop-the-world pauses, %s in all, %s longest", s.GC.Pauses, units.Duration(s.GC.PauseNs), units.Duration(s.GC.MaxPauseNs))},
	}
}

func legend() []legendItem {
	out := []legendItem{
		{"running", stateColor[parse.StateRunning]},
		{"runnable", stateColor[parse.StateRunnable]},
		{"syscall", stateColor[parse.StateSyscall]},
	}
	for _, r := range parse.BlockReasons {
		if r == parse.ReasonSyscall {
			continue
		}
		out = append(out, legendItem{"blocked: " + r.String(), reasonColor[r]})
	}
	return append(out, legendItem{"runtime goroutine", runtimeColor}, legendItem{"GC", gcColor}, legendItem{"stop-the-world", stwColor})
}

func reasonRows(s *summary.Summary) []reasonRow {
	var out []reasonRow
	for _, b := range s.Blocked {
		r, _ := parse.ParseReason(b.Reason)
		out = append(out, reasonRow{
			Name: b.Reason, Color: reasonColor[r], Total: units.Duration(b.TotalNs),
			Share: units.Percent(float64(b.TotalNs) / float64(s.Time.BlockedNs)),
		})
	}
	return out
}

// busiest orders groups by time blocked plus running, user groups first.
func busiest(t *parse.Trace) []int {
	idx := make([]int, len(t.Groups))
	for i := range idx {
		idx[i] = i
	}
	w := func(g *parse.Group) int64 {
		return g.Totals.BlockedTotal() + g.Totals.Running + g.Totals.Runnable + g.Totals.Syscall
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		ga, gb := &t.Groups[a], &t.Groups[b]
		if ga.System != gb.System {
			if ga.System {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(w(gb), w(ga)), cmp.Compare(ga.Name, gb.Name))
	})
	return idx
}

func groupRows(s *summary.Summary) ([]groupRow, int) {
	var out []groupRow
	for _, g := range s.Groups {
		out = append(out, groupRow{
			Name: g.Name, N: g.Goroutines, Leaked: g.Leaked,
			Running: units.Duration(g.RunningNs), Runnable: units.Duration(g.RunnableNs),
			Blocked: units.Duration(g.BlockedNs), Syscall: units.Duration(g.SyscallNs),
			TopReason: g.TopReason,
		})
	}
	return out, s.GroupsTotal - len(out)
}

// frameText is one frame as the report prints it.
func frameText(f parse.Frame) string {
	if f.File == "" {
		return f.Func
	}
	return fmt.Sprintf("%s  %s:%d", f.Func, f.File, f.Line)
}

func stackText(t *parse.Trace, id parse.StackID) []string {
	fr := t.StackFrames(id)
	var out []string
	for i, f := range fr {
		if i == maxFrames {
			out = append(out, fmt.Sprintf("... %d more", len(fr)-maxFrames))
			break
		}
		out = append(out, frameText(f))
	}
	return out
}

func location(f summary.Frame) string {
	if f.File == "" {
		return ""
	}
	return fmt.Sprintf("%s:%d", f.File, f.Line)
}

func siteRows(t *parse.Trace, s *summary.Summary) []siteRow {
	var out []siteRow
	for _, st := range s.Sites {
		out = append(out, siteRow{
			Func: st.Function, Loc: location(st.Frame), Reason: st.Reason, Count: st.Count,
			Total: units.Duration(st.TotalNs), Max: units.Duration(st.MaxNs), Avg: units.Duration(st.TotalNs / max(st.Count, 1)),
			Frames: stackText(t, st.Stack),
		})
	}
	return out
}

func leakRows(t *parse.Trace, s *summary.Summary) []leakRow {
	var out []leakRow
	for _, l := range s.Leaks {
		ids := ""
		for i, id := range l.Goroutines {
			if i > 0 {
				ids += ", "
			}
			ids += "G" + strconv.FormatInt(id, 10)
		}
		if l.Count > len(l.Goroutines) {
			ids += fmt.Sprintf(" and %d more", l.Count-len(l.Goroutines))
		}
		out = append(out, leakRow{Name: l.Name, N: l.Count, Reason: l.Reason, Since: units.Duration(l.SinceNs),
			Func: l.Where.Function, Loc: location(l.Where), IDs: ids, Frames: stackText(t, l.Stack)})
	}
	return out
}

func typeRows(ts []summary.TypeStats) []typeRow {
	var out []typeRow
	for _, x := range ts {
		out = append(out, typeRow{Type: x.Type, Count: x.Count, Unfinished: x.Unfinished,
			Total: units.Duration(x.TotalNs), Max: units.Duration(x.MaxNs), Avg: units.Duration(x.TotalNs / int64(max(x.Count, 1)))})
	}
	return out
}

func resourceRows(s *summary.Summary) []resourceRow {
	var out []resourceRow
	for _, r := range s.Resources {
		row := resourceRow{Name: r.Name, Kind: r.Kind, Waits: r.Waits, Waiters: r.Waiters, Pending: r.Pending,
			Total: units.Duration(r.TotalNs), Max: units.Duration(r.MaxNs), Avg: units.Duration(r.TotalNs / max(r.Waits, 1))}
		for _, o := range r.Ops {
			if row.Ops != "" {
				row.Ops += ", "
			}
			row.Ops += fmt.Sprintf("%s %d × %s", o.Op, o.Waits, units.Duration(o.TotalNs))
		}
		for _, h := range r.Holders {
			row.Holders = append(row.Holders, fmt.Sprintf("G%d %s: others waited %s", h.Goroutine, h.Name, units.Duration(h.BlameNs)))
		}
		out = append(out, row)
	}
	return out
}

func findingRows(s *summary.Summary) []findingRow {
	var out []findingRow
	for _, f := range s.Findings {
		var gs []string
		for _, g := range f.Goroutines {
			gs = append(gs, strconv.FormatInt(g, 10))
		}
		out = append(out, findingRow{Level: f.Level, Title: f.Title, Message: f.Message, Evidence: f.Evidence,
			From: f.From, To: f.To, Goroutines: strings.Join(gs, ",")})
	}
	return out
}

// waterfallRows lists where GOMAXPROCS × wall time went, and the part of the
// blocked time spent waiting on named locks and channels.
func waterfallRows(s *summary.Summary) (rows, named []waterfallRow) {
	w := s.Waterfall
	if w.CapacityNs <= 0 {
		return nil, nil
	}
	row := func(name, color string, v int64) waterfallRow {
		return waterfallRow{Name: name, Color: color, Value: units.Duration(v), Share: units.Percent(float64(v) / float64(w.CapacityNs))}
	}
	rows = append(rows, row("running the program", stateColor[parse.StateRunning], w.UserNs),
		row("GC and runtime", runtimeColor, w.RuntimeNs),
		row("idle while goroutines waited for a P", stateColor[parse.StateRunnable], w.RunnableNs))
	for _, b := range sortedBlocked(w.BlockedNs) {
		r, _ := parse.ParseReason(b.Reason)
		rows = append(rows, row("idle while goroutines were blocked on "+b.Reason, reasonColor[r], b.TotalNs))
	}
	rows = append(rows, row("idle with nothing to do", "#d5d9e0", w.IdleNs))
	for _, r := range s.Resources {
		if v := w.NamedNs[r.Kind+" "+r.Name]; v > 0 {
			named = append(named, row(r.Kind+" "+r.Name, "", v))
		}
	}
	return rows, named
}

func sortedBlocked(m map[string]int64) []summary.ReasonTime {
	out := make([]summary.ReasonTime, 0, len(m))
	for r, v := range m {
		out = append(out, summary.ReasonTime{Reason: r, TotalNs: v})
	}
	slices.SortFunc(out, func(a, b summary.ReasonTime) int {
		return cmp.Or(cmp.Compare(b.TotalNs, a.TotalNs), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

func isTracerRegion(typ string) bool { return strings.HasPrefix(typ, parse.Prefix) }

func logRows(t *parse.Trace) ([]logRow, int) {
	var out []logRow
	for _, l := range t.Logs {
		if len(out) == maxLogs {
			break
		}
		g := ""
		if l.Goroutine != 0 {
			g = "G" + strconv.FormatInt(int64(l.Goroutine), 10)
			if gr := t.Goroutine(l.Goroutine); gr != nil {
				g += " " + gr.Name
			}
		}
		out = append(out, logRow{Time: units.Duration(l.Time), Goroutine: g, Category: l.Category, Message: l.Message})
	}
	return out, len(t.Logs) - len(out) + int(t.LogsDropped)
}

// round3 keeps three decimals: series values need no more.
func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
