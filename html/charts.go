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

// Chart options, declared with go-echarts. They hold only vizrun's own
// strings and numbers: axis types, series of fixed names, and the page's
// functions by their names in jsFuncs. The data, colours (which follow the
// reader's theme) and the time window are attached by the page.

// optioner is what the go-echarts charts used here have in common.
type optioner interface {
	Validate()
	JSON() map[string]interface{}
}

// funcMarker is how go-echarts marks JavaScript in its options.
var funcMarker = regexp.MustCompile(`(__f__")|("__f__)|(__f__)`)

// optionJS turns a go-echarts chart into a JavaScript object literal.
func optionJS(name string, c optioner) (string, error) {
	c.Validate()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // option strings are vizrun's own; see scriptSafe
	if err := enc.Encode(c.JSON()); err != nil {
		return "", fmt.Errorf("html: chart %s: %w", name, err)
	}
	js := funcMarker.ReplaceAllString(strings.TrimSpace(buf.String()), "")
	if err := scriptSafe("chart "+name, js); err != nil {
		return "", err
	}
	return js, nil
}

func fn(name string) types.FuncStr { return opts.FuncOpts(name) }

// timeAxis is a value axis of ns since the trace start. The page sets its
// window (min, max) and tick interval, and labels the ticks with the digits
// the zoom needs; the window's ends are not ticks.
func timeAxis(duration int64) opts.XAxis {
	return opts.XAxis{
		Type: "value", Min: 0, Max: max(duration, 1),
		AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtTimeAxis), HideOverlap: opts.Bool(true),
			ShowMinLabel: opts.Bool(false), ShowMaxLabel: opts.Bool(false)},
		SplitLine: &opts.SplitLine{Show: opts.Bool(true)},
	}
}

func common(string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		// Timelines with many segments must paint at once.
		charts.WithAnimation(false),
	}
}

// ganttChart is rows of segments, drawn by the page's renderItem; it has
// its own tooltip and cursor (the page's), so echarts' is off.
func ganttChart(spec *chartSpec, duration int64, left string) (string, error) {
	c := charts.NewCustom()
	c.SetGlobalOptions(common(spec.Key)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(false)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(timeAxis(duration)),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtRow), Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: left, Right: "30", Top: "8", Bottom: "28"}),
	)
	c.AddSeries(spec.Series[0], nil, charts.WithCustomChartOpts(opts.CustomChart{RenderItem: fn(jsRenderGantt)}),
		charts.WithEncodeOpts(opts.Encode{Y: 0}))
	return optionJS(spec.Key, c)
}

// line is how one series of a chart over time is drawn (stacking is in
// the data: lineData.Stack).
type line struct {
	area   bool
	dashed bool
}

// linesChart is series over time: step lines of bucket averages.
func linesChart(spec *chartSpec, duration int64, yFormatter string, ls []line) (string, error) {
	c := charts.NewLine()
	c.SetGlobalOptions(common(spec.Key)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", Formatter: fn(jsTipLines), Position: fn(jsTipPosition)}),
		charts.WithXAxisOpts(timeAxis(duration)),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: fn(yFormatter)}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Top: "0", Type: "scroll"}),
		charts.WithGridOpts(opts.Grid{Left: "70", Right: "30", Top: "34", Bottom: "28"}),
	)
	for i, name := range spec.Series {
		l := ls[min(i, len(ls)-1)]
		o := []charts.SeriesOpts{
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false), Step: "end"}),
		}
		width, typ := float32(1.5), "solid"
		if l.dashed {
			width, typ = 2, "dashed"
		}
		o = append(o, charts.WithLineStyleOpts(opts.LineStyle{Width: width, Type: typ}))
		if l.area {
			o = append(o, charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(1)}))
		}
		c.AddSeries(name, nil, o...)
	}
	return optionJS(spec.Key, c)
}

// barChart is horizontal bars of durations by category; stacked charts
// have several series per category.
func barChart(spec *chartSpec, stacked bool, tooltip string) (string, error) {
	c := charts.NewBar()
	c.SetGlobalOptions(common(spec.Key)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", Formatter: fn(tooltip), Position: fn(jsTipPosition)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtDurAxis)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtRow), Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: "250", Right: "30", Top: "34", Bottom: "28"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(len(spec.Series) > 1 && stacked), Top: "0", Type: "scroll"}),
	)
	c.XYReversal()
	for _, name := range spec.Series {
		bo := opts.BarChart{BarCategoryGap: "30%"}
		if stacked {
			bo.Stack = "total"
		}
		c.AddSeries(name, nil, charts.WithBarChartOpts(bo))
	}
	return optionJS(spec.Key, c)
}

// pathsChart is one horizontal bar per critical path, its parts stacked
// (the page colours each part by its category and names it in the
// tooltip: the names are the program's, which options never hold).
func pathsChart(spec *chartSpec) (string, error) {
	c := charts.NewBar()
	c.SetGlobalOptions(common(spec.Key)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item", Formatter: fn(jsTipPaths), Position: fn(jsTipPosition)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtDurAxis)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true),
			AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtRow), Interval: "0"}}),
		charts.WithGridOpts(opts.Grid{Left: "250", Right: "30", Top: "10", Bottom: "28"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	c.XYReversal()
	for _, name := range spec.Series {
		c.AddSeries(name, nil, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "35%", Stack: "path"}))
	}
	return optionJS(spec.Key, c)
}

// histogramChart is the counts of a histogram's buckets, with markers at
// its percentiles (set by the page for the row shown).
func histogramChart(spec *chartSpec) (string, error) {
	c := charts.NewBar()
	c.SetGlobalOptions(common(spec.Key)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "axis", Formatter: fn(jsTipHistogram), Position: fn(jsTipPosition)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtBucket), HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "count", AxisLabel: &opts.AxisLabel{Formatter: fn(jsFmtCount)}}),
		charts.WithGridOpts(opts.Grid{Left: "60", Right: "30", Top: "30", Bottom: "40"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
	)
	c.AddSeries(spec.Series[0], nil, charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "10%"}),
		charts.WithMarkLineStyleOpts(opts.MarkLineStyle{Symbol: []string{"none", "none"},
			Label: &opts.Label{Show: opts.Bool(true), Position: "end"}}))
	return optionJS(spec.Key, c)
}

// flameChart is an icicle of the wall-clock profile.
func flameChart(spec *chartSpec, f *flameData) (string, error) {
	c := charts.NewCustom()
	c.SetGlobalOptions(common(spec.Key)...)
	c.SetGlobalOptions(
		charts.WithTooltipOpts(opts.Tooltip{Trigger: "item", Formatter: fn(jsTipFlame), Position: fn(jsTipPosition)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: f.Total, Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: f.Depth, Inverse: opts.Bool(true), Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "10", Right: "10", Top: "10", Bottom: "10"}),
	)
	c.AddSeries(spec.Series[0], nil, charts.WithCustomChartOpts(opts.CustomChart{RenderItem: fn(jsRenderFlame)}),
		charts.WithEncodeOpts(opts.Encode{X: []int{1, 2}, Y: 0}))
	return optionJS(spec.Key, c)
}

// chartOptions builds every chart's options, as a script that sets
// window.vzOptions[key].
func (b *builder) chartOptions() (template.JS, error) {
	var out strings.Builder
	out.WriteString("window.vzOptions = {};\n")
	d := b.t.Duration
	for i := range b.charts {
		spec := &b.charts[i]
		var js string
		var err error
		switch spec.Key {
		case "timeline":
			js, err = ganttChart(spec, d, "250")
		case "procs":
			js, err = ganttChart(spec, d, "70")
		case "spans":
			js, err = ganttChart(spec, d, "250")
		case "running":
			js, err = linesChart(spec, d, jsFmtCount, []line{{area: true}, {area: true}, {dashed: true}})
		case "waiting":
			js, err = linesChart(spec, d, jsFmtCount, []line{{}, {dashed: true}})
		case "blocked":
			if len(spec.Series) == 0 {
				continue
			}
			js, err = linesChart(spec, d, jsFmtCount, []line{{area: true}})
		case "heap":
			js, err = linesChart(spec, d, jsFmtBytesAxis, []line{{area: true}, {dashed: true}})
		case "waterfall":
			js, err = barChart(spec, true, jsTipWaterfall)
		case "reasons":
			js, err = barChart(spec, false, jsTipBars)
		case "groups":
			if len(spec.Series) == 0 {
				continue
			}
			js, err = barChart(spec, true, jsTipBars)
		case "paths":
			if len(spec.Series) == 0 {
				continue
			}
			js, err = pathsChart(spec)
		case "latency":
			js, err = histogramChart(spec)
		case "flame":
			if b.d.Flame == nil {
				continue
			}
			js, err = flameChart(spec, b.d.Flame)
		default:
			err = fmt.Errorf("html: no options for chart %s", spec.Key)
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&out, "window.vzOptions[%q] = %s;\n", spec.Key, js)
	}
	return template.JS(out.String()), nil
}
