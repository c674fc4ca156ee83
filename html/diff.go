package html

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"slices"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/summary"
)

// DiffOptions describe a diff page.
type DiffOptions struct {
	Title string // empty: "vizrun diff"
}

type diffMetric struct{ Name, A, B, Change string }

type diffSection struct {
	Title    string
	Findings []findings.Finding
}

// RenderDiff writes a page comparing two traces' summaries, A the baseline.
func RenderDiff(w io.Writer, d *summary.Diff, opt DiffOptions) error {
	if opt.Title == "" {
		opt.Title = "vizrun diff"
	}
	var metrics []diffMetric
	for _, m := range d.Metrics {
		metrics = append(metrics, diffMetric{m.Name, m.Format(m.A), m.Format(m.B), m.Change()})
	}
	charts := slices.Clone(diffChartTable)
	keys := []string{"reasons", "groups", "regions", "path"}
	bars := map[string]barData{}
	for i, ps := range [][]summary.Pair{d.Reasons, d.Groups, d.Regions, d.Path} {
		bars[charts[i].Key] = pairBars(ps)
	}
	data := struct {
		Palette []category         `json:"palette"`
		Charts  []chartSpec        `json:"charts"`
		Funcs   []string           `json:"funcs"`
		Bars    map[string]barData `json:"bars"`
	}{palette[:], charts, jsFuncs, bars}
	js, err := safeJSON(data)
	if err != nil {
		return err
	}
	var opts bytes.Buffer
	opts.WriteString("window.vzOptions = {};\n")
	specs := map[string]*chartSpec{}
	for i := range charts {
		o, err := barChart(&charts[i], false, jsTipBars)
		if err != nil {
			return err
		}
		fmt.Fprintf(&opts, "window.vzOptions[%q] = %s;\n", charts[i].Key, o)
		specs[keys[i]] = &charts[i]
	}
	v := struct {
		Title, A, B  string
		Metrics      []diffMetric
		Sections     []diffSection
		AnyFindings  bool
		Charts       map[string]*chartSpec
		Style        template.CSS
		PaletteStyle template.CSS
		Data         template.JS
		Echarts      template.JS
		Script       template.JS
		Options      template.JS
	}{
		Title: opt.Title, A: d.A.Source, B: d.B.Source, Metrics: metrics,
		Sections: []diffSection{
			{"Appeared in B", d.Appeared}, {"Gone in B", d.Gone}, {"In both", d.Kept},
		},
		AnyFindings: len(d.Appeared)+len(d.Gone)+len(d.Kept) > 0,
		Charts:      specs,
		Style:       template.CSS(reportCSS), PaletteStyle: template.CSS(paletteCSS()), Data: js,
		Echarts: template.JS(echartsJS), Script: template.JS(reportJS), Options: template.JS(opts.String()),
	}
	var buf bytes.Buffer
	if err := page.ExecuteTemplate(&buf, "diff", v); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// pairBars charts the 20 largest pairs.
func pairBars(ps []summary.Pair) barData {
	b := barData{Labels: []string{}, Series: []barLine{{Name: "A", Code: catSeriesA, Values: []float64{}}, {Name: "B", Code: catSeriesB, Values: []float64{}}}}
	for i, p := range ps {
		if i == 20 {
			break
		}
		b.Labels = append(b.Labels, shorten(p.Name, maxName))
		b.Series[0].Values = append(b.Series[0].Values, float64(p.A))
		b.Series[1].Values = append(b.Series[1].Values, float64(p.B))
	}
	return b
}
