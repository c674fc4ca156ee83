package html

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

// data is everything the charts draw, sent to the page as one JSON object.
// Segments are flat arrays of integers, five per segment:
// start (ns), duration (ns), code, ref, share (percent).
type data struct {
	Duration   int64             `json:"duration"`
	GOMAXPROCS int               `json:"gomaxprocs"`
	Colors     map[string]string `json:"colors"` // segment code -> colour
	Names      map[string]string `json:"names"`  // segment code -> meaning
	// ReasonColors maps a blocking reason's name to its colour.
	ReasonColors map[string]string `json:"reasonColors"`

	Timeline timelineData `json:"timeline"`
	Stacks   [][]int      `json:"stacks"` // frame indexes, innermost first
	Frames   []string     `json:"frames"`

	Procs     procData     `json:"procs"`
	Parallel  parallelData `json:"parallel"`
	Reasons   barData      `json:"reasons"`
	Groups    barData      `json:"groups"`
	Spans     spanData     `json:"spans"`
	Flame     *flameData   `json:"flame"`
	Waterfall barData      `json:"waterfall"`

	stackIdx map[parse.StackID]int
	frameIdx map[parse.FrameID]int
}

type timelineData struct {
	Labels  []string    `json:"labels"`
	Kinds   []string    `json:"kinds"` // "g": one goroutine; "fold": a folded group
	Info    []string    `json:"info"`  // goroutine id or member count, group
	Groups  []string    `json:"groups"`
	Segs    [][]int64   `json:"segs"`
	Res     int64       `json:"res"`  // spans shorter than this were merged
	Fine    [][]int64   `json:"fine"` // more detail, drawn when zoomed in; nil when Segs has it all
	FineRes int64       `json:"fineRes"`
	Details []rowDetail `json:"details"`
}

// rowDetail is what the detail panel shows for a row: a goroutine, or the
// goroutines folded into it.
type rowDetail struct {
	Title    string      `json:"title"`
	Facts    [][2]string `json:"facts"`  // label, value
	Create   int         `json:"create"` // stack ref of the go statement (0: none)
	Blocking []blockAt   `json:"blocking"`
}

// blockAt is where a goroutine blocked, and for how long in all.
type blockAt struct {
	What  string `json:"what"` // reason and totals, in words
	Stack int    `json:"stack"`
}

type procData struct {
	Labels  []string  `json:"labels"`
	Segs    [][]int64 `json:"segs"`
	Fine    [][]int64 `json:"fine"` // as timelineData.Fine
	Gs      []string  `json:"gs"`   // goroutines referenced by proc segments
	Res     int64     `json:"res"`
	FineRes int64     `json:"fineRes"`
	gIdx    map[parse.GoID]int
}

type seriesData struct {
	Name   string    `json:"name"`
	Color  string    `json:"color"`
	Values []float64 `json:"values"`
}

type parallelData struct {
	Width   int64        `json:"width"` // bucket width, ns
	Running []seriesData `json:"running"`
	Blocked []seriesData `json:"blocked"`
	Procs   [][2]int64   `json:"procs"` // GOMAXPROCS changes: time, value
}

type barData struct {
	Labels []string     `json:"labels"`
	Series []seriesData `json:"series"`
	Colors []string     `json:"colors,omitempty"` // per label, when bars have their own colours
}

type spanData struct {
	Labels []string  `json:"labels"`
	Segs   [][]int64 `json:"segs"`
	Info   []string  `json:"info"` // per instance referenced by ref-1
}

// Codes outside the goroutine states, for the proc and span timelines.
const (
	codeUser    = 1<<8 + 1
	codeRuntime = 1<<8 + 2
	codeGC      = 1<<8 + 3
	codeSTW     = 1<<8 + 4
	codeTask    = 1<<8 + 5
	codeRegion  = 1<<8 + 6
)

func newData(t *parse.Trace) *data {
	d := &data{
		Duration:     t.Duration,
		GOMAXPROCS:   t.GOMAXPROCS,
		Colors:       map[string]string{},
		Names:        map[string]string{},
		ReasonColors: map[string]string{},
		Stacks:       [][]int{},
		Frames:       []string{},
		stackIdx:     map[parse.StackID]int{},
		frameIdx:     map[parse.FrameID]int{},
	}
	for _, s := range parse.States {
		rs := []parse.Reason{parse.ReasonNone}
		switch s {
		case parse.StateBlocked:
			rs = parse.BlockReasons
		case parse.StateRunnable:
			rs = append(rs, parse.ReasonPreempted, parse.ReasonYield)
		case parse.StateSyscall:
			rs = []parse.Reason{parse.ReasonSyscall}
		}
		for _, r := range rs {
			c := strconv.Itoa(code(s, r))
			d.Colors[c] = colorOf(code(s, r))
			d.Names[c] = nameOf(code(s, r))
		}
	}
	for r, c := range reasonColor {
		d.ReasonColors[r.String()] = c
	}
	for c, v := range map[int][2]string{
		codeUser: {stateColor[parse.StateRunning], "running"}, codeRuntime: {runtimeColor, "runtime goroutine"},
		codeGC: {gcColor, "GC mark phase"}, codeSTW: {stwColor, "stop-the-world"},
		codeTask: {taskColor, "task"}, codeRegion: {regionColor, "region"},
	} {
		d.Colors[strconv.Itoa(c)] = v[0]
		d.Names[strconv.Itoa(c)] = v[1]
	}
	return d
}

// stackRef registers a stack for tooltips: its index + 1, or 0 for none.
func (d *data) stackRef(t *parse.Trace, id parse.StackID) int {
	if id == 0 {
		return 0
	}
	if i, ok := d.stackIdx[id]; ok {
		return i + 1
	}
	var frames []int
	for i, f := range t.Stacks[id].Frames {
		if i == maxFrames {
			break
		}
		fi, ok := d.frameIdx[f]
		if !ok {
			fi = len(d.Frames)
			d.frameIdx[f] = fi
			d.Frames = append(d.Frames, frameText(t.Frames[f]))
		}
		frames = append(frames, fi)
	}
	i := len(d.Stacks)
	d.stackIdx[id] = i
	d.Stacks = append(d.Stacks, frames)
	return i + 1
}

func flat(segs []segment) []int64 {
	out := make([]int64, 0, 5*len(segs))
	for _, s := range segs {
		out = append(out, s.start, s.end-s.start, int64(s.code), int64(s.ref), int64(s.share))
	}
	return out
}

// timeline fills the goroutine timeline and returns a note on its level of
// detail.
func (d *data) timeline(t *parse.Trace, opt *Options) string {
	rows := chooseRows(t, opt.MaxRows)
	// Two levels of detail: what the whole trace needs (about a segment per
	// pixel at most, within coarseSegments), and what zooming in can show
	// (within opt.MaxSegments). Charts draw only the rows and times in view,
	// but drawing costs tens of microseconds a segment: the coarse level
	// keeps the first paint fast.
	res := resolution(rows, t.Duration, opt.MaxSegments)
	coarse := max(res, resolution(rows, t.Duration, coarseSegments), t.Duration/coarsePixels)
	if coarse > res && countRows(rows, t.Duration, coarse, math.MaxInt) == countRows(rows, t.Duration, res, math.MaxInt) {
		coarse = res // nothing to merge: one level
	}
	if coarse > res {
		d.Timeline.FineRes = res
	}
	d.Timeline.Res = coarse
	ref := func(id parse.StackID) int { return d.stackRef(t, id) }
	folded, individual := 0, 0
	for _, r := range rows {
		var segs []segment
		group := r.label
		if r.group >= 0 {
			group = t.Groups[r.group].Name
		}
		var fine []segment
		if r.g != nil {
			individual++
			segs = spanSegments(r.g.Spans, coarse, ref, nil)
			if coarse > res {
				fine = spanSegments(r.g.Spans, res, ref, nil)
			}
			d.Timeline.Labels = append(d.Timeline.Labels, fmt.Sprintf("G%d %s", r.g.ID, r.label))
			d.Timeline.Kinds = append(d.Timeline.Kinds, "g")
			d.Timeline.Info = append(d.Timeline.Info, strconv.FormatInt(int64(r.g.ID), 10))
			d.Timeline.Details = append(d.Timeline.Details, d.goroutineDetail(t, r.g, group))
		} else {
			folded += len(r.members)
			segs = foldSegments(r.members, t.Duration, coarse)
			if coarse > res {
				fine = foldSegments(r.members, t.Duration, res)
			}
			d.Timeline.Labels = append(d.Timeline.Labels, fmt.Sprintf("%s ×%d", r.label, len(r.members)))
			d.Timeline.Kinds = append(d.Timeline.Kinds, "fold")
			d.Timeline.Info = append(d.Timeline.Info, strconv.Itoa(len(r.members)))
			d.Timeline.Details = append(d.Timeline.Details, foldDetail(r))
		}
		d.Timeline.Groups = append(d.Timeline.Groups, group)
		d.Timeline.Segs = append(d.Timeline.Segs, flat(segs))
		if coarse > res {
			d.Timeline.Fine = append(d.Timeline.Fine, flat(fine))
		}
	}
	note := fmt.Sprintf("%d goroutines drawn one per row", individual)
	if folded > 0 {
		note += fmt.Sprintf("; %d more folded into rows by group, drawn as their most common state", folded)
	}
	switch {
	case coarse > res && res > 0:
		note += fmt.Sprintf("; runs of spans shorter than %s are merged and coloured by their dominant state (%s once zoomed in)", units.Duration(coarse), units.Duration(res))
	case coarse > res:
		note += fmt.Sprintf("; runs of spans shorter than %s are merged and coloured by their dominant state (every span once zoomed in)", units.Duration(coarse))
	case res > 0:
		note += fmt.Sprintf("; runs of spans shorter than %s are merged and coloured by their dominant state", units.Duration(res))
	}
	return note + "."
}

// procs fills the processor timeline: which goroutine ran on each P, plus
// rows for GC and stop-the-world windows.
func (d *data) procs(t *parse.Trace) {
	pd := &d.Procs
	pd.gIdx = map[parse.GoID]int{}
	total := 0
	for _, p := range t.Procs {
		total += len(p.Spans)
	}
	procRes := func(budget int) int64 {
		res, n := int64(0), total
		for n > budget && res < t.Duration {
			res = max(res*2, t.Duration/int64(budget))
			n = 0
			for _, p := range t.Procs {
				n += countProcSegments(p.Spans, res)
			}
		}
		return res
	}
	count := func(res int64) int {
		n := 0
		for _, p := range t.Procs {
			n += countProcSegments(p.Spans, res)
		}
		return n
	}
	res := procRes(maxProcSegs)
	coarse := max(res, procRes(coarseProcSegments), t.Duration/coarsePixels)
	if coarse > res && count(coarse) == count(res) {
		coarse = res
	}
	pd.Res = coarse
	if coarse > res {
		pd.FineRes = res
	}
	gref := func(id parse.GoID) int {
		if i, ok := pd.gIdx[id]; ok {
			return i + 1
		}
		name := fmt.Sprintf("G%d", id)
		if g := t.Goroutine(id); g != nil {
			name += " " + g.Name
		}
		pd.gIdx[id] = len(pd.Gs)
		pd.Gs = append(pd.Gs, name)
		return len(pd.Gs)
	}
	for _, p := range t.Procs {
		pd.Labels = append(pd.Labels, fmt.Sprintf("P%d", p.ID))
		pd.Segs = append(pd.Segs, flat(procSegments(t, p.Spans, coarse, gref)))
		if coarse > res {
			pd.Fine = append(pd.Fine, flat(procSegments(t, p.Spans, res, gref)))
		}
	}
	var gc, stw []segment
	for _, w := range t.GC {
		s := segment{start: w.Start, end: w.End, share: 100}
		if w.Kind == parse.WindowGC {
			s.code = codeGC
			gc = append(gc, s)
		} else {
			s.code = codeSTW
			stw = append(stw, s)
		}
	}
	pd.Labels = append(pd.Labels, "GC", "STW")
	pd.Segs = append(pd.Segs, flat(gc), flat(stw))
	if coarse > res {
		pd.Fine = append(pd.Fine, flat(gc), flat(stw))
	}
}

func countProcSegments(spans []parse.ProcSpan, res int64) int {
	n, runEnd := 0, int64(-1)
	var runStart int64
	for _, s := range spans {
		long := s.End-s.Start >= res
		if runEnd >= 0 && (long || s.Start-runEnd >= res || s.End-runStart >= res) {
			n++
			runEnd = -1
		}
		if long {
			n++
			continue
		}
		if runEnd < 0 {
			runStart = s.Start
		}
		runEnd = s.End
	}
	if runEnd >= 0 {
		n++
	}
	return n
}

// procSegments merges runs of short proc spans (and the idle gaps between
// them) into one segment whose share is the busy fraction.
func procSegments(t *parse.Trace, spans []parse.ProcSpan, res int64, gref func(parse.GoID) int) []segment {
	var out []segment
	var run segment
	var busy, userT, n int64
	inRun := false
	flush := func() {
		if !inRun {
			return
		}
		c := codeUser
		if 2*userT < busy {
			c = codeRuntime
		}
		share := 100
		if run.end > run.start {
			share = int(100 * busy / (run.end - run.start))
		}
		out = append(out, segment{start: run.start, end: run.end, code: c, ref: int(-n), share: share})
		inRun = false
	}
	sys := func(id parse.GoID) bool {
		g := t.Goroutine(id)
		return g != nil && g.System
	}
	for _, s := range spans {
		long := s.End-s.Start >= res
		if inRun && (long || s.Start-run.end >= res || s.End-run.start >= res) {
			flush()
		}
		if long && s.G < 0 {
			// Merged by the model already: several goroutines, -G ns busy.
			share := int(100 * int64(-s.G) / max(s.End-s.Start, 1))
			out = append(out, segment{start: s.Start, end: s.End, code: codeUser, ref: -2, share: min(share, 100)})
			continue
		}
		if long {
			c := codeUser
			if sys(s.G) {
				c = codeRuntime
			}
			out = append(out, segment{start: s.Start, end: s.End, code: c, ref: gref(s.G), share: 100})
			continue
		}
		if !inRun {
			inRun = true
			run = segment{start: s.Start}
			busy, userT, n = 0, 0, 0
		}
		run.end = s.End
		b := s.End - s.Start
		if s.G < 0 {
			b = int64(-s.G)
		}
		busy += b
		if s.G < 0 || !sys(s.G) {
			userT += b
		}
		n++
	}
	flush()
	return out
}

// parallel fills the parallelism and waiting charts from the model's series.
func (d *data) parallel(t *parse.Trace) {
	s := &t.Parallel
	pd := &d.Parallel
	// At most maxPoints points a series: neighbouring buckets are averaged
	// (they are integrals, so this is exact).
	k := 1
	for (s.N+k-1)/k > maxPoints {
		k *= 2
	}
	n := (s.N + k - 1) / k
	pd.Width = s.Width * int64(k)
	series := func(dim parse.Dim, name, color string) (seriesData, bool) {
		vals := make([]float64, n)
		nonzero := false
		for i := range vals {
			var sum float64
			for j := i * k; j < min((i+1)*k, s.N); j++ {
				sum += s.Avg(dim, j)
			}
			vals[i] = round3(sum / float64(k))
			nonzero = nonzero || vals[i] != 0
		}
		return seriesData{Name: name, Color: color, Values: vals}, nonzero
	}
	for _, c := range []struct {
		dim         parse.Dim
		name, color string
	}{
		{parse.DimRunning, "running", stateColor[parse.StateRunning]},
		{parse.DimRunningSystem, "runtime goroutines running", runtimeColor},
		{parse.DimRunnable, "runnable (waiting for a P)", stateColor[parse.StateRunnable]},
		{parse.DimSyscall, "in syscall", stateColor[parse.StateSyscall]},
	} {
		if sd, ok := series(c.dim, c.name, c.color); ok || c.dim == parse.DimRunning {
			pd.Running = append(pd.Running, sd)
		}
	}
	for _, r := range parse.BlockReasons {
		if sd, ok := series(parse.BlockedDim(r), r.String(), reasonColor[r]); ok {
			pd.Blocked = append(pd.Blocked, sd)
		}
	}
	for _, c := range t.GOMAXPROCSChanges {
		pd.Procs = append(pd.Procs, [2]int64{c.Time, int64(c.Value)})
	}
}

// reasonsAndGroups fills the blocking bar charts.
func (d *data) reasonsAndGroups(t *parse.Trace, tot *parse.Totals) {
	type rv struct {
		r parse.Reason
		v int64
	}
	var rs []rv
	for _, r := range parse.BlockReasons {
		if tot.Blocked[r] > 0 {
			rs = append(rs, rv{r, tot.Blocked[r]})
		}
	}
	if tot.Syscall > 0 {
		rs = append(rs, rv{parse.ReasonSyscall, tot.Syscall})
	}
	slices.SortStableFunc(rs, func(a, b rv) int { return cmp.Compare(b.v, a.v) })
	reasons := seriesData{Name: "blocked time (ns)"}
	for _, x := range rs {
		d.Reasons.Labels = append(d.Reasons.Labels, x.r.String())
		reasons.Values = append(reasons.Values, float64(x.v))
	}
	d.Reasons.Series = []seriesData{reasons}

	// Groups: the busiest user groups, stacked by state and reason.
	var idx []int
	for _, i := range busiest(t) {
		if !t.Groups[i].System && len(idx) < 20 {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		g := &t.Groups[i]
		d.Groups.Labels = append(d.Groups.Labels, fmt.Sprintf("%s ×%d", g.Name, len(g.Goroutines)))
	}
	add := func(name, color string, get func(*parse.Totals) int64) {
		sd := seriesData{Name: name, Color: color}
		nonzero := false
		for _, i := range idx {
			v := get(&t.Groups[i].Totals)
			nonzero = nonzero || v > 0
			sd.Values = append(sd.Values, float64(v))
		}
		if nonzero {
			d.Groups.Series = append(d.Groups.Series, sd)
		}
	}
	add("running", stateColor[parse.StateRunning], func(x *parse.Totals) int64 { return x.Running })
	add("runnable", stateColor[parse.StateRunnable], func(x *parse.Totals) int64 { return x.Runnable })
	add("syscall", stateColor[parse.StateSyscall], func(x *parse.Totals) int64 { return x.Syscall })
	for _, r := range parse.BlockReasons {
		add("blocked: "+r.String(), reasonColor[r], func(x *parse.Totals) int64 { return x.Blocked[r] })
	}
}

// tasks fills the tasks-and-regions timeline: one row per task or region
// type (the busiest first), one segment per instance.
func (d *data) tasks(t *parse.Trace) {
	type inst struct {
		start, end int64
		info       string
	}
	rows := map[string][]inst{}
	var order []string
	addRow := func(label string, in inst) {
		if _, ok := rows[label]; !ok {
			order = append(order, label)
		}
		rows[label] = append(rows[label], in)
	}
	for _, k := range t.Tasks {
		addRow("task "+cmp.Or(k.Type, "(unnamed)"), inst{k.Start, k.End, fmt.Sprintf("task %d, created by G%d", k.ID, k.Goroutine)})
	}
	for _, r := range t.Regions {
		if isTracerRegion(r.Type) {
			continue
		}
		g := fmt.Sprintf("G%d", r.Goroutine)
		if gr := t.Goroutine(r.Goroutine); gr != nil {
			g += " " + gr.Name
		}
		addRow("region "+r.Type, inst{r.Start, r.End, "on " + g})
	}
	total := func(l string) int64 {
		var s int64
		for _, in := range rows[l] {
			s += in.end - in.start
		}
		return s
	}
	slices.SortStableFunc(order, func(a, b string) int { return cmp.Compare(total(b), total(a)) })
	if len(order) > maxTaskRows {
		order = order[:maxTaskRows]
	}
	n := 0
	for _, l := range order {
		n += len(rows[l])
	}
	// Keep the longest instances when there are too many to draw.
	minDur := int64(0)
	if n > maxTaskSegs {
		var ds []int64
		for _, l := range order {
			for _, in := range rows[l] {
				ds = append(ds, in.end-in.start)
			}
		}
		slices.Sort(ds)
		minDur = ds[len(ds)-maxTaskSegs]
	}
	for _, l := range order {
		c := codeRegion
		if l[:4] == "task" {
			c = codeTask
		}
		var segs []segment
		for _, in := range rows[l] {
			if in.end-in.start < minDur {
				continue
			}
			d.Spans.Info = append(d.Spans.Info, in.info)
			segs = append(segs, segment{start: in.start, end: in.end, code: c, ref: len(d.Spans.Info), share: 100})
		}
		d.Spans.Labels = append(d.Spans.Labels, l)
		d.Spans.Segs = append(d.Spans.Segs, flat(segs))
	}
}

// waterfall fills the lost-parallelism chart: capacity, then each part, as
// floating bars (an invisible base and a visible part).
func (d *data) waterfall(s *summary.Summary) {
	w := s.Waterfall
	if w.CapacityNs <= 0 {
		return
	}
	base := seriesData{Name: "base"}
	part := seriesData{Name: "P-time"}
	add := func(label, color string, start, v int64) {
		d.Waterfall.Labels = append(d.Waterfall.Labels, label)
		base.Values = append(base.Values, float64(start))
		part.Values = append(part.Values, float64(v))
		d.Waterfall.Colors = append(d.Waterfall.Colors, color)
	}
	add("GOMAXPROCS × wall time", "#5b6475", 0, w.CapacityNs)
	at := int64(0)
	step := func(label, color string, v int64) {
		add(label, color, at, v)
		at += v
	}
	step("running the program", stateColor[parse.StateRunning], w.UserNs)
	step("GC and runtime", runtimeColor, w.RuntimeNs)
	step("idle: runnable, waiting for a P", stateColor[parse.StateRunnable], w.RunnableNs)
	for _, b := range sortedBlocked(w.BlockedNs) {
		r, _ := parse.ParseReason(b.Reason)
		step("idle: blocked on "+b.Reason, reasonColor[r], b.TotalNs)
	}
	step("idle: nothing to do", "#c8ccd4", w.IdleNs)
	d.Waterfall.Series = []seriesData{base, part}
}

// totalsFacts lists time by state, blocked time by reason.
func totalsFacts(tot *parse.Totals) [][2]string {
	facts := [][2]string{
		{"running", units.Duration(tot.Running)},
		{"runnable (waiting for a P)", units.Duration(tot.Runnable)},
		{"blocked", units.Duration(tot.BlockedTotal())},
	}
	for _, r := range parse.BlockReasons {
		if v := tot.Blocked[r]; v > 0 {
			facts = append(facts, [2]string{"  on " + r.String(), units.Duration(v)})
		}
	}
	if tot.Syscall > 0 {
		facts = append(facts, [2]string{"in syscalls", units.Duration(tot.Syscall)})
	}
	if tot.GCAssist > 0 {
		facts = append(facts, [2]string{"assisting the GC", units.Duration(tot.GCAssist)})
	}
	return facts
}

func (d *data) goroutineDetail(t *parse.Trace, g *parse.Goroutine, group string) rowDetail {
	det := rowDetail{Title: fmt.Sprintf("G%d %s", g.ID, g.Name)}
	det.Facts = append(det.Facts, [2]string{"group", group})
	if g.StartFunc != "" && g.StartFunc != g.Name {
		det.Facts = append(det.Facts, [2]string{"started in", g.StartFunc})
	}
	switch {
	case g.PreExisting:
		det.Facts = append(det.Facts, [2]string{"created", "before the trace started"})
	default:
		created := units.Duration(g.Created)
		if g.Parent != 0 {
			created += fmt.Sprintf(" by G%d", g.Parent)
			if p := t.Goroutine(g.Parent); p != nil {
				created += " " + p.Name
			}
		}
		det.Facts = append(det.Facts, [2]string{"created", created})
	}
	end := g.End.String()
	switch g.End {
	case parse.EndExited:
		end = "exited at " + units.Duration(g.Ended)
	case parse.EndBlocked:
		end = fmt.Sprintf("still blocked on %s at the end, since %s", t.ReasonText(g.EndReason, g.EndRaw), units.Duration(g.EndSince))
		if g.Leaked() {
			end += " (leak candidate)"
		}
	case parse.EndRunning:
		end = "still running at the end"
	case parse.EndSyscall:
		end = "still in a system call at the end"
	}
	det.Facts = append(det.Facts, [2]string{"end", end})
	det.Facts = append(det.Facts, totalsFacts(&g.Totals)...)
	det.Create = d.stackRef(t, g.CreateStack)
	// The blocking stacks, longest in all first.
	type agg struct {
		stack parse.StackID
		r     parse.Reason
		n     int
		total int64
	}
	var aggs []agg
	idx := map[[2]uint32]int{}
	for _, s := range g.Spans {
		if s.State != parse.StateBlocked && s.State != parse.StateSyscall {
			continue
		}
		k := [2]uint32{uint32(s.Stack), uint32(s.Reason)}
		i, ok := idx[k]
		if !ok {
			i = len(aggs)
			idx[k] = i
			aggs = append(aggs, agg{stack: s.Stack, r: s.Reason})
		}
		aggs[i].n++
		aggs[i].total += s.End - s.Start
	}
	slices.SortStableFunc(aggs, func(a, b agg) int { return cmp.Compare(b.total, a.total) })
	for i, a := range aggs {
		if i == 5 {
			break
		}
		det.Blocking = append(det.Blocking, blockAt{
			What:  fmt.Sprintf("%s: %d time%s, %s in all", a.r, a.n, map[bool]string{true: "", false: "s"}[a.n == 1], units.Duration(a.total)),
			Stack: d.stackRef(t, a.stack),
		})
	}
	return det
}

func foldDetail(r row) rowDetail {
	var tot parse.Totals
	for _, g := range r.members {
		tot.Add(&g.Totals)
	}
	det := rowDetail{Title: fmt.Sprintf("%s: %d goroutines folded into one row", r.label, len(r.members))}
	det.Facts = append(det.Facts, [2]string{"goroutines", strconv.Itoa(len(r.members))})
	det.Facts = append(det.Facts, totalsFacts(&tot)...)
	return det
}
