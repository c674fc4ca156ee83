package html

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The Go side of the contract (contract.go); the browser tests check the
// page's side in a real browser.

var (
	optionLine = regexp.MustCompile(`(?m)^window\.vzOptions\[("[^"]+")\] = (.*);$`)
	jsIdent    = regexp.MustCompile(`:(vz(?:\.[A-Za-z]+)+)([,}\]])`)
)

// parseOptions decodes the options script, each function name replaced by
// a string "fn:NAME".
func parseOptions(t *testing.T, page []byte) map[string]map[string]any {
	t.Helper()
	m := regexp.MustCompile(`(?s)<script>(window\.vzOptions = \{\};.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no options script")
	}
	out := map[string]map[string]any{}
	for _, l := range optionLine.FindAllStringSubmatch(string(m[1]), -1) {
		var key string
		json.Unmarshal([]byte(l[1]), &key)
		js := jsIdent.ReplaceAllString(l[2], `:"fn:$1"$2`)
		var o map[string]any
		if err := json.Unmarshal([]byte(js), &o); err != nil {
			t.Fatalf("options of %s: %v\n%s", key, err, js)
		}
		out[key] = o
	}
	return out
}

// TestContractOptions: each chart's options have exactly one x and one y
// axis and the series its chartSpec lists, in order; the functions they
// name are all in jsFuncs.
func TestContractOptions(t *testing.T) {
	page := render(t, readMixed(t), Options{})
	d := readData(t, page)
	opts := parseOptions(t, page)
	if len(opts) < 10 {
		t.Fatalf("options of %d charts", len(opts))
	}
	specs := map[string]chartSpec{}
	for _, c := range d.Charts {
		specs[c.Key] = c
	}
	for key, o := range opts {
		spec, ok := specs[key]
		if !ok {
			t.Errorf("options for %s, which is not in the chart table", key)
			continue
		}
		var names []string
		for _, s := range o["series"].([]any) {
			names = append(names, s.(map[string]any)["name"].(string))
		}
		if !slices.Equal(names, spec.Series) {
			t.Errorf("chart %s: options have series %q, the contract %q", key, names, spec.Series)
		}
		for _, ax := range []string{"xAxis", "yAxis"} {
			if a, ok := o[ax].([]any); !ok || len(a) != 1 {
				t.Errorf("chart %s has %d %s, want 1", key, len(a), ax)
			}
		}
	}
	for _, c := range chartTable {
		if _, ok := opts[c.Key]; !ok && c.Key != "flame" {
			t.Errorf("chart %s has no options", c.Key)
		}
	}
	m := regexp.MustCompile(`(?s)<script>(window\.vzOptions = \{\};.*?)</script>`).FindSubmatch(page)
	for _, f := range regexp.MustCompile(`vz(?:\.[A-Za-z]+)+`).FindAllString(string(m[1]), -1) {
		if f != "vz" && !slices.Contains(jsFuncs, f) {
			t.Errorf("options call %s, which is not in jsFuncs", f)
		}
	}
	// The data names series the charts have.
	check := func(key string, names []string) {
		for _, n := range names {
			if !slices.Contains(specs[key].Series, n) {
				t.Errorf("data for chart %s has series %q, not in %q", key, n, specs[key].Series)
			}
		}
	}
	for key, lb := range map[string]lineBlock{"running": d.Series.Running, "waiting": d.Series.Waiting, "blocked": d.Series.Blocked, "heap": d.Series.Heap} {
		var names []string
		for _, l := range lb.Lines {
			names = append(names, l.Name)
		}
		check(key, names)
	}
	for key, bd := range map[string]barData{"reasons": d.Bars.Reasons, "groups": d.Bars.Groups, "waterfall": d.Bars.Waterfall} {
		var names []string
		for _, l := range bd.Series {
			names = append(names, l.Name)
		}
		check(key, names)
	}
	for _, s := range d.Charts {
		if s.ID == "" || s.Label == "" || s.Kind == "" {
			t.Errorf("chart %+v is missing its id, label or kind", s)
		}
	}
}

// TestContractJS: the page's code names charts only by their keys in the
// chart table and series only by their names there, never by element id;
// and it defines every function in jsFuncs.
func TestContractJS(t *testing.T) {
	keys := map[string]chartSpec{}
	for _, c := range append(slices.Clone(chartTable), diffChartTable...) {
		keys[c.Key] = c
	}
	var src strings.Builder
	entries, _ := fs.ReadDir(assets, "assets/js")
	for _, e := range entries {
		b, _ := fs.ReadFile(assets, "assets/js/"+e.Name())
		src.Write(b)
		if !slices.Contains(jsFiles, e.Name()) {
			t.Errorf("assets/js/%s is not in jsFiles: it would not be in the page", e.Name())
		}
	}
	js := src.String()
	for _, c := range keys {
		if strings.Contains(js, `"`+c.ID+`"`) {
			t.Errorf("the page's code names element %s: it must look the chart up by key", c.ID)
		}
	}
	calls := regexp.MustCompile(`vz\.(?:spec|seriesIndex|lines|bars)\("([a-z-]+)"(?:, "([^"]+)")?`)
	for _, m := range calls.FindAllStringSubmatch(js, -1) {
		c, ok := keys[m[1]]
		if !ok {
			t.Errorf("the page's code names chart %q, not in the chart table", m[1])
			continue
		}
		if strings.HasPrefix(m[0], "vz.seriesIndex") && m[2] != "" && !slices.Contains(c.Series, m[2]) {
			t.Errorf("the page's code names series %q of chart %s, which has %q", m[2], m[1], c.Series)
		}
	}
	for _, k := range regexp.MustCompile(`vzOptions\.([a-z]+)`).FindAllStringSubmatch(js, -1) {
		if _, ok := keys[k[1]]; !ok {
			t.Errorf("the page's code reads options of %q, not in the chart table", k[1])
		}
	}
	for _, f := range jsFuncs {
		last := f[strings.LastIndex(f, ".")+1:]
		if !regexp.MustCompile(`\.` + last + ` = function`).MatchString(js) {
			t.Errorf("%s is in jsFuncs but the page's code does not define it", f)
		}
	}
}

// TestContractTemplates: the templates give charts their ids from the
// chart table, never literally.
func TestContractTemplates(t *testing.T) {
	entries, _ := fs.ReadDir(assets, "assets/tmpl")
	for _, e := range entries {
		b, _ := fs.ReadFile(assets, "assets/tmpl/"+e.Name())
		for _, c := range append(slices.Clone(chartTable), diffChartTable...) {
			if strings.Contains(string(b), `"`+c.ID+`"`) {
				t.Errorf("%s names chart %s literally", e.Name(), c.ID)
			}
		}
	}
}
