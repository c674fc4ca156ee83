// Package html renders a parsed trace as one self-contained HTML report.
//
// The report has no network references: ECharts (Apache-2.0, vendored in
// assets/) is inlined, and so are the page's own script and style. Output is
// deterministic: the same trace gives the same bytes. Every string that comes
// from the traced program (goroutine, task, region, log and function names)
// reaches the page either through html/template's escaping or as HTML-safe
// JSON read with JSON.parse and written to the DOM as text.
//
// The package is split by feature: each section of the report (timeline.go,
// processors.go, parallelism.go, waterfall.go, causal.go, blocking.go,
// resources.go, latency.go, tasks.go, cards.go) builds its part of the
// page's data and of the template's view, charts.go declares the charts
// with go-echarts, and contract.go documents what the page's code
// (assets/js) receives.
package html

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// Options tune the report.
type Options struct {
	// Title heads the report. Empty means "vizrun report".
	Title string

	// Source says where the trace came from: the path as the user gave it
	// (the report's window command names it), or a command. Empty means
	// nothing is shown, and "-" standard input.
	Source string

	// MaxRows is the most goroutine timeline rows before the least busy
	// goroutines are folded into one row per group. Zero means 300.
	MaxRows int

	// WallClock is a wall-clock profile (fgprof's, recorded alongside the
	// trace) to show as a flame graph. Nil means no flame graph.
	WallClock *profile.Profile
}

func (o *Options) defaults() {
	if o.Title == "" {
		o.Title = "vizrun report"
	}
	if o.MaxRows <= 0 {
		o.MaxRows = 300
	}
}

var (
	//go:embed assets/echarts.min.js
	echartsJS string
	//go:embed assets/js/*.js assets/css/*.css assets/tmpl/*.tmpl
	assets embed.FS

	// jsFiles is the page's code, in the order it is concatenated.
	jsFiles = []string{"core.js", "format.js", "palette.js", "window.js", "gantt.js", "timeline.js", "charts.js", "start.js"}
	// cssFiles is the page's style.
	cssFiles = []string{"base.css", "charts.css", "print.css"}

	reportJS  = concat("assets/js/", jsFiles)
	reportCSS = concat("assets/css/", cssFiles)
	page      = template.Must(template.New("report").Funcs(template.FuncMap{"chartArgs": chartArgs}).ParseFS(assets, "assets/tmpl/*.tmpl"))
)

func concat(dir string, names []string) string {
	var b strings.Builder
	for _, n := range names {
		data, err := fs.ReadFile(assets, dir+n)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(&b, "/* %s */\n%s\n", n, data)
	}
	return b.String()
}

// chartArgs is what the "chart" template takes.
func chartArgs(spec *chartSpec, class string) map[string]any {
	return map[string]any{"Spec": spec, "Class": class}
}

// view is what the template shows.
type view struct {
	Title, Source  string
	Charts         map[string]*chartSpec
	Cards          []card
	Warnings       []string
	Legend         []legendItem
	ProcLegend     []legendItem
	Reasons        []reasonRow
	SyscallNote    string
	Groups         []groupRow
	GroupsMore     int
	Sites          []siteRow
	Leaks          []leakRow
	Tasks          []typeRow
	Regions        []typeRow
	Logs           []logRow
	LogsMore       int
	Resources      []resourceRow
	ResourcesTotal int
	Findings       []findingRow
	FindingsMore   int
	Waterfall      []waterfallRow
	NamedIdle      []waterfallRow
	Capacity       string
	Latency        []latencyView
	Paths          []pathView
	SiteHolders    bool              // a site has holders: the table has their column
	Pprof          map[string]string // a table's key: the vizrun pprof command exporting it
	HasProcs       bool
	HasSpans       bool
	HasHeap        bool
	HasFlame       bool

	Echarts      template.JS
	Script       template.JS
	Style        template.CSS
	PaletteStyle template.CSS
	Options      template.JS
	Data         template.JS
}

// builder holds what building one report needs.
type builder struct {
	t       *parse.Trace
	sum     *summary.Summary
	opt     *Options
	d       *pageData
	v       *view
	charts  []chartSpec // chartTable, with this trace's series
	stacks  *stackTable
	gIdx    map[parse.GoID]int
	grpIdx  map[int]int
	windows []interval
	wakes   *wakeTable
	// pathSteps counts the steps of pageData.Paths (budgetPathSteps).
	pathSteps int
}

func (b *builder) chart(k string) *chartSpec {
	for i := range b.charts {
		if b.charts[i].Key == k {
			return &b.charts[i]
		}
	}
	panic("html: no chart " + k)
}

// Render writes the report of t to w. s is the analysis of t (summary.Build
// or summary.BuildWith): the renderer only renders, so a caller that also
// prints or checks the analysis computes it once.
func Render(w io.Writer, t *parse.Trace, s *summary.Summary, opt Options) error {
	if t == nil || s == nil {
		return fmt.Errorf("html: no trace to render")
	}
	opt.defaults()
	v, err := build(t, s, &opt)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "report", v); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func newBuilder(t *parse.Trace, s *summary.Summary, opt *Options) *builder {
	b := &builder{t: t, sum: s, opt: opt, gIdx: map[parse.GoID]int{}, grpIdx: map[int]int{}}
	b.charts = slices.Clone(chartTable)
	for i := range b.charts {
		b.charts[i].Series = slices.Clone(b.charts[i].Series)
	}
	b.stacks = newStackTable(t)
	b.wakes = &wakeTable{b: b, idx: map[parse.Wake]int{}}
	b.d = &pageData{
		Duration: t.Duration, GOMAXPROCS: t.GOMAXPROCS, Source: shellWord(opt.Source), Coarsened: t.Coarsened, Offset: t.Window[0],
		Palette: palette[:], Funcs: jsFuncs, Gs: [][2]int64{}, Wakes: []wakeData{}, Paths: []pathData{}, PathChart: pathChartData{Labels: []string{}, Parts: [][]pathPart{}},
		Findings: []findingRef{}, GroupNames: []string{},
	}
	b.v = &view{
		Title: opt.Title, Source: opt.Source, Warnings: t.Warnings,
		Echarts: template.JS(echartsJS), Script: template.JS(reportJS), Style: template.CSS(reportCSS),
		PaletteStyle: template.CSS(paletteCSS()), Legend: stateLegend(),
	}
	return b
}

func build(t *parse.Trace, s *summary.Summary, opt *Options) (*view, error) {
	if err := scriptSafe("the report's script", reportJS); err != nil {
		return nil, err
	}
	b := newBuilder(t, s, opt)
	b.buildFindings() // first: the timeline keeps the moments findings point at
	b.buildCards()
	b.buildTimeline()
	b.buildProcs()
	b.buildSeries()
	b.buildWaterfall()
	b.buildBlocking()
	b.buildPprof()
	b.buildResources()
	b.buildLeaks()
	b.buildLatency()
	b.buildSpans()
	b.buildLogs()
	b.d.Flame = flameGraph(opt.WallClock)
	b.d.Stacks, b.d.Frames = b.stacks.Stacks, b.stacks.Frames
	b.v.HasProcs = len(t.Procs) > 0
	b.v.HasSpans = len(b.d.Spans.Rows) > 0
	b.v.HasHeap = len(t.Heap) > 0
	b.v.HasFlame = b.d.Flame != nil

	o, err := b.chartOptions()
	if err != nil {
		return nil, err
	}
	b.v.Options = o
	b.d.Charts = b.charts
	b.v.Charts = map[string]*chartSpec{}
	for i := range b.charts {
		b.v.Charts[b.charts[i].Key] = &b.charts[i]
	}
	js, err := safeJSON(b.d)
	if err != nil {
		return nil, err
	}
	b.v.Data = js
	return b.v, nil
}

// safeJSON encodes v as JSON that is safe inside a <script> element: Go's
// encoder escapes <, > and & (and U+2028/2029), so no "</script>" or "<!--"
// can appear.
func safeJSON(v any) (template.JS, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("html: %w", err)
	}
	return template.JS(data), nil
}

// scriptSafe checks that trusted script text cannot end its <script> element.
func scriptSafe(name, s string) error {
	l := strings.ToLower(s)
	if strings.Contains(l, "</script") || strings.Contains(l, "<!--") {
		return fmt.Errorf("html: %s would end its script element", name)
	}
	return nil
}
