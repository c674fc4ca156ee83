package html

// The Go→JavaScript contract of the report, in one place.
//
// The page carries two scripts built here: the data (pageData, below, as
// HTML-safe JSON in <script type="application/json" id="vz-data">, read
// with JSON.parse) and the chart options (go-echarts, one object per chart
// in chartTable, holding only vizrun's own strings). The page's code
// (assets/js/*.js) attaches the data to the options and draws; it never
// names a chart element, a series position or a data field that is not
// declared here:
//
//   - a chart is found by its key in chartTable (D.charts[key].id is its
//     element, .series its series in order); the JS asks a series' index by
//     name (vz.seriesIndex), so reordering series here cannot misdraw;
//   - every chart has exactly one x axis and one y axis (index 0);
//   - the JavaScript functions the options call (formatters, renderItem)
//     are the names in jsFuncs, and nothing else.
//
// contract_test.go checks the Go side (options match chartTable, functions
// are in jsFuncs, the JS sources name only known chart keys); the browser
// tests check the page side (every chart drew with the declared series,
// every function in jsFuncs exists).
//
// Times are integers of nanoseconds since the start of the trace. Strings
// from the traced program (names, stacks, logs) only travel in pageData,
// never in the options, which are script.

// chartSpec is one chart.
type chartSpec struct {
	Key string `json:"key"` // the name the page's code uses
	ID  string `json:"id"`  // its element's id
	// Time: the chart's x axis is time, linked to the report's time window
	// (zoom, cursor, selection).
	Time bool `json:"time"`
	// Kind says how the page draws it: "gantt" (rows of segments),
	// "lines" (series over time), "bars", "histogram" or "flame".
	Kind string `json:"kind"`
	// Label is what a screen reader says the chart is.
	Label string `json:"label"`
	// Series are the chart's series, in order. Charts whose series depend
	// on the trace (one per blocking reason, say) get them when the report
	// is built, in the same order as their options.
	Series []string `json:"series"`
}

// The charts of the report.
var chartTable = []chartSpec{
	{Key: "timeline", ID: "vz-timeline", Time: true, Kind: "gantt", Series: []string{"goroutines"},
		Label: "Goroutine timeline: one row per goroutine or folded group, coloured by state. Keys: arrows move and pan, plus and minus zoom, 0 shows the whole trace, Enter opens the selected row's details, E expands a group, Escape closes."},
	{Key: "procs", ID: "vz-procs", Time: true, Kind: "gantt", Series: []string{"processors"},
		Label: "Processor timeline: which goroutine ran on each P, coloured by goroutine group, and GC and stop-the-world pauses."},
	{Key: "running", ID: "vz-running", Time: true, Kind: "lines", Series: []string{"user goroutines running", "runtime goroutines running", "GOMAXPROCS"},
		Label: "Goroutines running over time, against GOMAXPROCS."},
	{Key: "waiting", ID: "vz-waiting", Time: true, Kind: "lines", Series: []string{"runnable (waiting for a P)", "in system calls"},
		Label: "Goroutines waiting for a P, and in system calls, over time."},
	{Key: "blocked", ID: "vz-blocked", Time: true, Kind: "lines", // one series per blocking reason
		Label: "Blocked goroutines over time, by reason."},
	{Key: "heap", ID: "vz-heap", Time: true, Kind: "lines", Series: []string{"live heap", "heap goal"},
		Label: "Live heap and the GC's heap goal over time."},
	{Key: "spans", ID: "vz-spans", Time: true, Kind: "gantt", Series: []string{"instances"},
		Label: "Tasks and regions over time, one row per type."},
	{Key: "waterfall", ID: "vz-waterfall", Kind: "bars", Series: []string{"base", "P-time"},
		Label: "Where GOMAXPROCS times wall time went, in P-time."},
	{Key: "reasons", ID: "vz-reasons", Kind: "bars", Series: []string{"blocked (goroutine-time)"},
		Label: "Time user goroutines spent blocked, by reason, in goroutine-time."},
	{Key: "groups", ID: "vz-groups", Kind: "bars", // one series per state and reason present
		Label: "Goroutine-time of the busiest goroutine groups, by state."},
	{Key: "paths", ID: "vz-paths", Kind: "bars", // "part 1", "part 2"...: a path's parts, largest first
		Label: "Critical paths: what the program's and each task and region type's p50 and p99 instance spent its end-to-end time on."},
	{Key: "latency", ID: "vz-latency", Kind: "histogram", Series: []string{"count"},
		Label: "Histogram of the selected kind of wait, with its 50th, 90th and 99th percentiles."},
	{Key: "flame", ID: "vz-flame", Kind: "flame", Series: []string{"wall clock"},
		Label: "Wall-clock flame graph: callers above callees, as wide as the goroutine-time spent in them."},
}

// The charts of a diff page (RenderDiff): A against B.
var diffChartTable = []chartSpec{
	{Key: "diff-reasons", ID: "vz-diff-reasons", Kind: "bars", Series: []string{"A", "B"}, Label: "Blocked time by reason, A against B."},
	{Key: "diff-groups", ID: "vz-diff-groups", Kind: "bars", Series: []string{"A", "B"}, Label: "Time by goroutine group, A against B."},
	{Key: "diff-regions", ID: "vz-diff-regions", Kind: "bars", Series: []string{"A", "B"}, Label: "Time by region and task, A against B."},
	{Key: "diff-path", ID: "vz-diff-path", Kind: "bars", Series: []string{"A", "B"}, Label: "The program's critical path by what it was spent on, A against B."},
}

// The page's functions that chart options name (go-echarts FuncStr).
const (
	jsRenderGantt  = "vz.gantt.renderItem"
	jsRenderFlame  = "vz.flame.renderItem"
	jsFmtTimeAxis  = "vz.fmt.timeAxis"
	jsFmtDurAxis   = "vz.fmt.durAxis"
	jsFmtBytesAxis = "vz.fmt.bytesAxis"
	jsFmtCount     = "vz.fmt.countAxis"
	jsFmtRow       = "vz.fmt.rowLabel"
	jsFmtBucket    = "vz.fmt.bucketLabel"
	jsTipLines     = "vz.tip.lines"
	jsTipBars      = "vz.tip.bars"
	jsTipWaterfall = "vz.tip.waterfall"
	jsTipFlame     = "vz.tip.flame"
	jsTipHistogram = "vz.tip.histogram"
	jsTipPaths     = "vz.tip.paths"
	jsTipPosition  = "vz.tip.position"
)

var jsFuncs = []string{
	jsRenderGantt, jsRenderFlame, jsFmtTimeAxis, jsFmtDurAxis, jsFmtBytesAxis, jsFmtCount,
	jsFmtRow, jsFmtBucket, jsTipLines, jsTipBars, jsTipWaterfall, jsTipFlame, jsTipHistogram, jsTipPaths, jsTipPosition,
}

// pageData is everything the page draws.
type pageData struct {
	Duration   int64 `json:"duration"`
	GOMAXPROCS int   `json:"gomaxprocs"`
	// Source is the trace as the report was given it (a path, or "" for
	// standard input): the page shows `vizrun report -window START:END
	// SOURCE` for windows the report cannot show in full.
	Source string `json:"source"`
	// Offset is where the model starts in the trace it was read from (a
	// window of it: parse.Trace.Window), 0 for the whole trace. Times in
	// the data count from the model's start; the page shows them from the
	// trace's, as the full report and the window command do.
	Offset int64 `json:"offset"`
	// Coarsened is the model's resolution (parse.Trace.Coarsened): spans
	// shorter than it were merged while reading the trace. 0: none.
	Coarsened int64 `json:"coarsened"`

	Palette []category  `json:"palette"` // indexed by code
	Charts  []chartSpec `json:"charts"`  // chartTable, with the series of this trace
	Funcs   []string    `json:"funcs"`   // jsFuncs

	// Stacks are shown in tooltips and panels: Stacks[i] lists indexes into
	// Frames, innermost first; a stack reference is i+1 (0: no stack).
	// Frames of the vizrun tracer and of vizrun run's wrapper are left out.
	Stacks [][]int  `json:"stacks"`
	Frames []string `json:"frames"`

	// Gs is the goroutines segments refer to: [id, group index]; a
	// goroutine reference is its index + 1. GroupNames are the group
	// names, shortened to maxName.
	Gs         [][2]int64 `json:"gs"`
	GroupNames []string   `json:"groupNames"`

	Timeline ganttData    `json:"timeline"`
	Procs    ganttData    `json:"procs"`
	Spans    ganttData    `json:"spans"`
	Series   seriesData   `json:"series"`
	Bars     barsData     `json:"bars"`
	Latency  latencyData  `json:"latency"`
	Flame    *flameData   `json:"flame"` // nil without a wall-clock profile
	Findings []findingRef `json:"findings"`

	// Wakes and Paths are for causality (issue 16): who woke a goroutine
	// (segments' aux refers to Wakes), and critical paths to highlight on
	// the goroutine timeline: those of the Critical path section, then one
	// per goroutine drawn on a row of its own (rowDetail.Path).
	// PathChart is the section's chart (html/causal.go).
	Wakes     []wakeData    `json:"wakes"`
	Paths     []pathData    `json:"paths"`
	PathChart pathChartData `json:"pathChart"`
}

// ganttData is a chart of rows of segments: the goroutine timeline, the
// processor timeline, tasks and regions.
//
// A segment is five integers, flat in a row's array:
//
//	gap   start minus the previous segment's end (the first: minus the tile's From)
//	dur   its length in ns
//	code  its category (index into pageData.Palette)
//	ref   a span: a stack reference (goroutine timeline), goroutine
//	      reference (processors) or instance reference (tasks and
//	      regions), 0 for none;
//	      merged spans: -(number of spans merged), -1 when the model
//	      merged them (then how many is not known)
//	aux   a span: a wake reference (index into Wakes + 1, 0: none;
//	      blocked spans of the goroutine timeline only);
//	      merged spans (no wake, whatever they hold): percent of the time in the dominant code (0:
//	      unknown), or for processors the busy percent
//
// Segments of a row are in time order and do not overlap.
type ganttData struct {
	Rows  []rowData  `json:"rows"`
	Tiles []tileData `json:"tiles"`
	// Note says in words what was merged and folded.
	Note string `json:"note"`
}

// rowData is one row of a gantt chart.
type rowData struct {
	Label string `json:"label"`
	// Full is the label with the full name, for the tooltip, when Label
	// shortens it (a function name without its package path).
	Full string `json:"full,omitempty"`
	// Kind: "g" a goroutine, "fold" a group's goroutines folded into one
	// row, "p" a P, "gc" the GC rows, "task"/"region" a type.
	Kind  string `json:"kind"`
	G     int64  `json:"g,omitempty"` // goroutine id, for "g"
	N     int    `json:"n,omitempty"` // goroutines in a "fold" row
	Group int    `json:"group"`       // index into GroupNames, -1 for none
	// Parent is -1 for a row shown at first; for a goroutine folded into
	// a group row, that row's index: it shows when the group is expanded.
	Parent int `json:"parent"`
	// Hidden counts the members of a fold row that have no row of their
	// own in the file.
	Hidden int        `json:"hidden,omitempty"`
	Detail *rowDetail `json:"detail,omitempty"`
}

// rowDetail is what the detail panel shows for a row.
type rowDetail struct {
	Title    string      `json:"title"`
	Facts    [][2]string `json:"facts"`  // label, value
	Create   int         `json:"create"` // stack reference of the go statement
	Blocking []blockAt   `json:"blocking"`
	// Path is the goroutine's critical path, from its creation to its
	// end: a path reference (index into pageData.Paths + 1, 0: none).
	Path int `json:"path,omitempty"`
}

// blockAt is where a goroutine blocked, and for how long in all.
type blockAt struct {
	What  string `json:"what"`
	Stack int    `json:"stack"`
}

// tileData is the segments of some rows over [From, To) at one level of
// detail: runs of spans shorter than Res were merged (0: every span of the
// model). The page draws each row from the coarsest tile fine enough for
// the view, and says so when none is.
type tileData struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
	Res  int64 `json:"res"`
	// Why the tile exists: "trace" (the whole trace), "finding" (around
	// a finding's moment), "members" (goroutines folded into groups),
	// "path" (a task or region instance whose critical path the report
	// shows).
	Why  string    `json:"why"`
	Rows []int     `json:"rows"` // the rows it holds
	Segs [][]int64 `json:"segs"` // per row of Rows
}

// seriesData is the charts over time other than gantts.
type seriesData struct {
	Running lineBlock `json:"running"`
	Waiting lineBlock `json:"waiting"`
	Blocked lineBlock `json:"blocked"`
	Heap    lineBlock `json:"heap"`
}

// lineBlock is the series of one chart, in its chartSpec's order.
type lineBlock struct {
	// Width > 0: every series holds averages over buckets of Width ns
	// from 0. Width 0: Points, [time, value] pairs.
	Width  int64      `json:"width"`
	Lines  []lineData `json:"lines"`
	Unit   string     `json:"unit"` // "goroutines", "bytes"
	Detail string     `json:"detail"`
}

type lineData struct {
	Name string `json:"name"`
	Code int    `json:"code"` // palette code of its colour, -1: the theme's text colour
	// Stack: lines with the same Stack are drawn stacked, each on top of
	// the ones before it ("" for none).
	Stack  string       `json:"stack,omitempty"`
	Values []float64    `json:"values,omitempty"`
	Points [][2]float64 `json:"points,omitempty"`
}

// barsData is the bar charts.
type barsData struct {
	Reasons   barData `json:"reasons"`
	Groups    barData `json:"groups"`
	Waterfall barData `json:"waterfall"`
}

type barData struct {
	Labels []string  `json:"labels"`
	Series []barLine `json:"series"` // in the chart's series order
	// Codes, when set, colour each bar (of every series) by its label.
	Codes []int `json:"codes,omitempty"`
}

type barLine struct {
	Name   string    `json:"name"`
	Code   int       `json:"code"` // -1: by Codes, or transparent for the waterfall's base
	Values []float64 `json:"values"`
}

// latencyData is the histograms of waits, tasks and regions.
type latencyData struct {
	Rows []latencyRow `json:"rows"`
}

type latencyRow struct {
	Kind  string `json:"kind"` // "scheduling", "wait", "lock", "chan", "task", "region"
	Name  string `json:"name"`
	Count int64  `json:"count"`
	P50   int64  `json:"p50"`
	P90   int64  `json:"p90"`
	P99   int64  `json:"p99"`
	Max   int64  `json:"max"`
	// Buckets: [low bound ns, count] of each non-empty bucket, in order;
	// a bucket ends where the next one starts (the last at Max).
	Buckets [][2]int64 `json:"buckets"`
}

// findingRef is what "show in the timeline" needs of a finding.
type findingRef struct {
	From int64   `json:"from"`
	To   int64   `json:"to"`
	Gs   []int64 `json:"gs"`
}

// wakeData says who made a goroutine runnable (issue 16): the waker
// goroutine (a goroutine reference, 0 for none), its stack at the wake (a
// stack reference) and where that was in words ("chan send (pool.go:88)"),
// or the runtime source when no goroutine did it ("a timer", "the network
// poller", "the GC", "the runtime").
type wakeData struct {
	G      int    `json:"g"`
	Stack  int    `json:"stack"`
	At     string `json:"at,omitempty"`
	Source string `json:"source,omitempty"`
}

// pathData is a chain of segments to highlight on the goroutine timeline:
// [row, start, end] each, in time order (consecutive segments on one row
// joined; a goroutine without a row of its own is drawn on its group's
// folded row); the page draws the hand-offs between consecutive ones. Cut
// counts the steps left out at the start (a path is cut to its last
// maxPathSteps).
type pathData struct {
	Name  string     `json:"name"`
	Steps [][3]int64 `json:"steps"`
	Cut   int        `json:"cut,omitempty"`
}
