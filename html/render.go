// Package html renders a parsed trace as one self-contained HTML report.
//
// The report has no network references: ECharts (Apache-2.0, vendored in
// assets/) is inlined, and so are the page's own script and style. Output is
// deterministic: the same trace gives the same bytes. Every string that comes
// from the traced program (goroutine, task, region, log and function names)
// reaches the page either through html/template's escaping or as HTML-safe
// JSON read with JSON.parse and written to the DOM as text.
package html

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// Options tune the report.
type Options struct {
	// Title heads the report. Empty means "vizrun report".
	Title string

	// Source says where the trace came from (a file name, a command). Empty
	// means nothing is shown.
	Source string

	// MaxRows is the most goroutine timeline rows before the least busy
	// goroutines are folded into one row per group. Zero means 300.
	MaxRows int

	// MaxSegments bounds the rectangles drawn in the goroutine timeline; runs
	// of spans shorter than a resolution found from it are merged. Zero means
	// 150000, which keeps a report of any trace under about 8 MB.
	MaxSegments int

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
	if o.MaxSegments <= 0 {
		o.MaxSegments = 150000
	}
}

var (
	//go:embed assets/echarts.min.js
	echartsJS string
	//go:embed assets/report.js
	reportJS string
	//go:embed assets/report.css
	reportCSS string
	//go:embed assets/report.tmpl
	reportTmpl string

	page = template.Must(template.New("report").Parse(reportTmpl))
)

// Render writes the report of t to w. s is the analysis of t (summary.Build
// or summary.BuildWith): the renderer only renders, so a caller that also
// prints or checks the analysis computes it once.
func Render(w io.Writer, t *parse.Trace, s *summary.Summary, opt Options) error {
	if t == nil || s == nil {
		return fmt.Errorf("html: no trace to render")
	}
	opt.defaults()
	v, err := buildView(t, s, &opt)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}

// safeJSON encodes v as JSON that is safe inside a <script> element: Go's
// encoder escapes <, > and & (and U+2028/2029), so no "</script>" or "<!--"
// can appear.
func safeJSON(v any) (template.JS, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("html: %w", err)
	}
	return template.JS(b), nil
}

// scriptSafe checks that trusted script text cannot end its <script> element.
func scriptSafe(name, s string) error {
	l := strings.ToLower(s)
	if strings.Contains(l, "</script") || strings.Contains(l, "<!--") {
		return fmt.Errorf("html: %s would end its script element", name)
	}
	return nil
}
