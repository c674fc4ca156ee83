package html

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/summary"
)

var (
	//go:embed assets/diff.tmpl
	diffTmpl string

	diffPage = template.Must(template.New("diff").Parse(diffTmpl))
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
	data := struct {
		Reasons barData `json:"reasons"`
		Groups  barData `json:"groups"`
		Regions barData `json:"regions"`
	}{pairBars(d.Reasons), pairBars(d.Groups), pairBars(d.Regions)}
	js, err := safeJSON(data)
	if err != nil {
		return err
	}
	var opts bytes.Buffer
	opts.WriteString("window.vzOptions = {};\n")
	for _, id := range []string{"vz-diff-reasons", "vz-diff-groups", "vz-diff-regions"} {
		o, err := barChart(id, []seriesData{{Name: "A", Color: "#2557a7"}, {Name: "B", Color: "#b5651d"}}, false)
		if err != nil {
			return err
		}
		fmt.Fprintf(&opts, "window.vzOptions[%q] = %s;\n", id, o)
	}
	v := struct {
		Title, A, B string
		Metrics     []diffMetric
		Sections    []diffSection
		AnyFindings bool
		Style       template.CSS
		Data        template.JS
		Echarts     template.JS
		Script      template.JS
		Options     template.JS
	}{
		Title: opt.Title, A: d.A.Source, B: d.B.Source, Metrics: metrics,
		Sections: []diffSection{
			{"Appeared in B", d.Appeared}, {"Gone in B", d.Gone}, {"In both", d.Kept},
		},
		AnyFindings: len(d.Appeared)+len(d.Gone)+len(d.Kept) > 0,
		Style:       template.CSS(reportCSS), Data: js,
		Echarts: template.JS(echartsJS), Script: template.JS(reportJS), Options: template.JS(opts.String()),
	}
	var buf bytes.Buffer
	if err := diffPage.Execute(&buf, v); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// pairBars charts the 20 largest pairs.
func pairBars(ps []summary.Pair) barData {
	b := barData{Series: []seriesData{{Name: "A", Color: "#2557a7"}, {Name: "B", Color: "#b5651d"}}}
	for i, p := range ps {
		if i == 20 {
			break
		}
		b.Labels = append(b.Labels, p.Name)
		b.Series[0].Values = append(b.Series[0].Values, float64(p.A))
		b.Series[1].Values = append(b.Series[1].Values, float64(p.B))
	}
	return b
}
