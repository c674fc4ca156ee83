package html

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"regexp"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/types"
)

// Chart options are built with go-echarts and hold only vizrun's own strings
// and numbers: axis types, colours, series of fixed names, and references to
// functions of report.js (vz.*). The page's data, including every string from
// the traced program, travels separately as HTML-safe JSON (see data) and is
// attached to these options in the browser.
//
// Chart element ids are fixed: vz-timeline, vz-procs, vz-parallel,
// vz-waiting, vz-reasons, vz-groups, vz-spans.

// optioner is what the go-echarts charts used here have in common.
type optioner interface {
	Validate()
	JSON() map[string]interface{}
}

// funcMarker is how go-echarts marks JavaScript in its options.
var funcMarker = regexp.MustCompile(`(__f__")|("__f__)|(__f__)`)

// optionJS turns a go-echarts chart into a JavaScript object literal.
func optionJS(name string, c optioner, patch func(m map[string]any)) (string, error) {
	c.Validate()
	m := c.JSON()
	// Colours and sizes that go-echarts leaves unset are echarts' defaults;
	// animation is off: timelines with many segments must paint at once.
	m["animation"] = false
	if patch != nil {
		patch(m)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // option strings are vizrun's own; see scriptSafe
	if err := enc.Encode(m); err != nil {
		return "", fmt.Errorf("html: chart %s: %w", name, err)
	}
	js := funcMarker.ReplaceAllString(strings.TrimSpace(buf.String()), "")
	if err := scriptSafe("chart "+name, js); err != nil {
		return "", err
	}
	return js, nil
}

func fn(name string) types.FuncStr { return opts.FuncOpts(name) }

// timeAxis is a value axis of ns since the trace start, labelled in units.
func timeAxis(max int64) opts.XAxis {
	return opts.XAxis{
		Type: "value", Min: 0, Max: max, Scale: opts.Bool(true),
		AxisLabel: &opts.AxisLabel{Formatter: fn("vz.fmtAxis"), HideOverlap: opts.Bool(true)},
		SplitLine: &opts.SplitLine{Show: opts.Bool(true)},
	}
}

func xZoom() []opts.DataZoom {
	return []opts.DataZoom{
		{Type: "inside", XAxisIndex: []int{0}, FilterMode: "weakFilter"},
		{Type: "slider", XAxisIndex: []int{0}, FilterMode: "weakFilter", LabelFormatter: ""},
	}
}

// gantt is a Custom series chart of rows of segments (see data).
func gantt(name string, duration int64, rows int, tooltip string) (string, error) {
	c := charts.NewCustom()
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item", Formatter: fn(tooltip), Enterable: opts.Bool(false)}),
		charts.WithXAxisOpts(timeAxis(duration)),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Formatter: fn("vz.fmtRow"), Interval: "0"}}),
		charts.WithDataZoomOpts(xZoom()...),
		charts.WithGridOpts(opts.Grid{Left: "240", Right: "40", Top: "10", Bottom: "60"}),
	)
	return optionJS(name, c, func(m map[string]any) {
		var zooms []any
		if z, ok := m["dataZoom"].([]opts.DataZoom); ok {
			for _, x := range z {
				zooms = append(zooms, x)
			}
		}
		if rows > 30 {
			// Scroll through the rows with a vertical slider.
			zooms = append(zooms,
				map[string]any{"type": "slider", "yAxisIndex": []int{0}, "filterMode": "weakFilter", "start": 0, "end": 100 * 30 / float64(rows), "width": 14, "right": 8, "showDetail": false},
				map[string]any{"type": "inside", "yAxisIndex": []int{0}, "filterMode": "weakFilter", "zoomOnMouseWheel": false, "moveOnMouseWheel": true})
		}
		m["dataZoom"] = zooms
		m["legend"] = map[string]any{"show": false}
		// go-echarts has no field for progressive rendering, which must be
		// off: drawn in chunks, rows past the first chunk were left blank.
		m["series"] = []any{map[string]any{
			"type": "custom", "name": name, "renderItem": "__f__vz.renderSegment__f__",
			"encode": map[string]any{"x": []int{1, 2}, "y": 0}, "progressive": 0, "clip": true,
		}}
	})
}

// chartOptions builds the options of every chart, as a script that sets
// window.vzOptions.
func chartOptions(d *data) (template.JS, error) {
	var b strings.Builder
	b.WriteString("window.vzOptions = {};\n")
	add := func(id, js string) { fmt.Fprintf(&b, "window.vzOptions[%q] = %s;\n", id, js) }

	js, err := gantt("goroutines", d.Duration, len(d.Timeline.Labels), "vz.tipTimeline")
	if err != nil {
		return "", err
	}
	add("vz-timeline", js)

	if js, err = gantt("procs", d.Duration, len(d.Procs.Labels), "vz.tipProcs"); err != nil {
		return "", err
	}
	add("vz-procs", js)

	if js, err = gantt("spans", d.Duration, len(d.Spans.Labels), "vz.tipSpans"); err != nil {
		return "", err
	}
	add("vz-spans", js)

	if d.Flame != nil {
		if js, err = flameChart(d.Flame); err != nil {
			return "", err
		}
		add("vz-flame", js)
	}

	if js, err = areaChart("parallel", d, d.Parallel.Running, true); err != nil {
		return "", err
	}
	add("vz-parallel", js)
	if js, err = areaChart("waiting", d, d.Parallel.Blocked, false); err != nil {
		return "", err
	}
	add("vz-waiting", js)

	if len(d.Waterfall.Labels) > 0 {
		if js, err = waterfallChart(); err != nil {
			return "", err
		}
		add("vz-waterfall", js)
	}

	if js, err = barChart("reasons", d.Reasons.Series, false); err != nil {
		return "", err
	}
	add("vz-reasons", js)
	if js, err = barChart("groups", d.Groups.Series, true); err != nil {
		return "", err
	}
	add("vz-groups", js)
	return template.JS(b.String()), nil
}

// areaChart is a stacked area chart of counts over time.
func areaChart(name string, d *data, series []seriesData, procsLine bool) (string, error) {
	c := charts.NewLine()
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", Formatter: fn("vz.tipSeries")}),
		// Buckets are uniform, so a category axis of bucket start times is
		// a time axis; ECharts stacks areas only along a category axis.
		charts.WithXAxisOpts(opts.XAxis{Type: "category",
			AxisLabel: &opts.AxisLabel{Formatter: fn("vz.fmtAxis"), HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "goroutines"}),
		charts.WithDataZoomOpts(xZoom()...),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Left: "60", Right: "40", Top: "40", Bottom: "60"}),
	)
	for _, s := range series {
		c.AddSeries(s.Name, nil,
			charts.WithLineChartOpts(opts.LineChart{Stack: "total", ShowSymbol: opts.Bool(false), Step: "start"}),
			charts.WithAreaStyleOpts(opts.AreaStyle{Color: s.Color, Opacity: opts.Float(0.85)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 0, Color: s.Color}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Color}),
		)
	}
	if procsLine {
		c.AddSeries("GOMAXPROCS", nil,
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "start"}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Color: "#222", Type: "dashed"}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: "#222"}),
		)
	}
	return optionJS(name, c, func(m map[string]any) {
		if xs, ok := m["xAxis"].([]opts.XAxis); ok && len(xs) == 1 {
			m["xAxis"] = []any{map[string]any{"type": "category", "boundaryGap": false,
				"axisLabel": map[string]any{"formatter": "__f__vz.fmtAxis__f__", "hideOverlap": true}}}
		}
	})
}

// barChart is a horizontal bar chart of durations by category; stacked
// charts show several series per category.
func barChart(name string, series []seriesData, stacked bool) (string, error) {
	c := charts.NewBar()
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", Formatter: fn("vz.tipBars")}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: fn("vz.fmtDur")}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Formatter: fn("vz.fmtRow"), Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: "240", Right: "40", Top: "40", Bottom: "30"}),
	)
	c.XYReversal()
	for _, s := range series {
		o := []charts.SeriesOpts{charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "30%"})}
		if stacked {
			o = append(o, charts.WithBarChartOpts(opts.BarChart{Stack: "total", BarCategoryGap: "30%"}))
		}
		if s.Color != "" {
			o = append(o, charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Color}))
		}
		c.AddSeries(s.Name, nil, o...)
	}
	if len(series) > 1 {
		c.SetGlobalOptions(charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}))
	}
	return optionJS(name, c, nil)
}

// flameChart is an icicle of the wall-clock profile.
func flameChart(f *flameData) (string, error) {
	c := charts.NewCustom()
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item", Formatter: fn("vz.tipFlame")}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: f.Total, Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: f.Depth, Inverse: opts.Bool(true), Show: opts.Bool(false)}),
		charts.WithDataZoomOpts(opts.DataZoom{Type: "inside", XAxisIndex: []int{0}, FilterMode: "weakFilter"},
			opts.DataZoom{Type: "slider", XAxisIndex: []int{0}, FilterMode: "weakFilter"}),
		charts.WithGridOpts(opts.Grid{Left: "10", Right: "10", Top: "10", Bottom: "50"}),
	)
	return optionJS("flame", c, func(m map[string]any) {
		m["legend"] = map[string]any{"show": false}
		m["series"] = []any{map[string]any{
			"type": "custom", "name": "wall clock", "renderItem": "__f__vz.renderFlame__f__",
			"encode": map[string]any{"x": []int{1, 2}, "y": 0}, "progressive": 0, "clip": true,
		}}
	})
}

// waterfallChart is a floating bar chart: an invisible base series and the
// visible parts, one colour per bar (set with the data).
func waterfallChart() (string, error) {
	c := charts.NewBar()
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", Formatter: fn("vz.tipWaterfall")}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: fn("vz.fmtDur")}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: "250", Right: "40", Top: "10", Bottom: "30"}),
	)
	c.XYReversal()
	c.AddSeries("base", nil, charts.WithBarChartOpts(opts.BarChart{Stack: "w", BarCategoryGap: "25%"}),
		charts.WithItemStyleOpts(opts.ItemStyle{Color: "transparent"}))
	c.AddSeries("P-time", nil, charts.WithBarChartOpts(opts.BarChart{Stack: "w", BarCategoryGap: "25%"}))
	return optionJS("waterfall", c, func(m map[string]any) {
		m["legend"] = map[string]any{"show": false}
	})
}
