package html

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
)

// IndexEntry is one report listed on an index page.
type IndexEntry struct {
	Name   string // e.g. a package path or an example's name
	Href   string // relative link to its report; empty when there is none
	Note   string // one line: what to look at, or what went wrong
	Status string // e.g. "ok", "FAIL", "no tests"; shown as given
	Facts  string // a short line of numbers (wall time, parallelism, ...)
	Failed bool   // highlight the entry
}

// IndexOptions describe an index page.
type IndexOptions struct {
	Title   string
	Intro   string
	Entries []IndexEntry
	// Sections are tables shown after the entries (the outliers of a
	// fleet of traces, the findings they share).
	Sections []IndexSection
}

// IndexSection is a table of plain text on an index page.
type IndexSection struct {
	Title  string
	Note   string     // a line under the title
	Header []string   // column titles
	Rows   [][]string // cells, shown as text
	// Links, when set, has a link per row (relative, "" for none) for the
	// row's first cell.
	Links []string
}

var indexTmpl = template.Must(template.New("index").Funcs(template.FuncMap{
	"link": func(links []string, i int) string {
		if i < len(links) {
			return links[i]
		}
		return ""
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="vizrun">
<title>{{.Title}}</title>
<style>{{.Style}}
.index td.status { white-space: nowrap; }
.index tr.failed td { background: #fdecea; }
</style>
</head>
<body>
<header><h1>{{.Title}}</h1></header>
<main>
{{with .Intro}}<p class="note">{{.}}</p>{{end}}
<table class="index">
<thead><tr><th>name</th><th>status</th><th>what to look at</th><th>facts</th></tr></thead>
<tbody>
{{range .Entries}}<tr{{if .Failed}} class="failed"{{end}}><td class="name">{{if .Href}}<a href="{{.Href}}">{{.Name}}</a>{{else}}{{.Name}}{{end}}</td><td class="status">{{.Status}}</td><td>{{.Note}}</td><td class="num">{{.Facts}}</td></tr>
{{end}}</tbody>
</table>
{{range .Sections}}<section class="index-section">
<h2>{{.Title}}</h2>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
<table class="index">
<thead><tr>{{range .Header}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{$links := .Links}}{{range $i, $row := .Rows}}<tr>{{range $j, $cell := $row}}<td>{{if and (eq $j 0) (link $links $i)}}<a href="{{link $links $i}}">{{$cell}}</a>{{else}}{{$cell}}{{end}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>
{{end}}</main>
<footer><p>Made by vizrun. Each report is a self-contained HTML file.</p></footer>
</body>
</html>
`))

// RenderIndex writes a page linking several reports.
func RenderIndex(w io.Writer, opt IndexOptions) error {
	if opt.Title == "" {
		opt.Title = "vizrun reports"
	}
	var buf bytes.Buffer
	err := indexTmpl.Execute(&buf, struct {
		IndexOptions
		Style template.CSS
	}{opt, template.CSS(reportCSS)})
	if err != nil {
		return fmt.Errorf("html: %w", err)
	}
	_, err = w.Write(buf.Bytes())
	return err
}
