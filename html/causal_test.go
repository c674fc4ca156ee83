package html

import (
	"bytes"
	"fmt"
	"html/template"
	"regexp"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/pprofout"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/tracegen"
)

// Causality in the report, on recorded traces: the chain, holders and pool
// workloads of internal/parse's causality tests, and the corpus' HTTP
// server serialised by a plain sync.Mutex.

func readTrace(t *testing.T, path string) *parse.Trace {
	t.Helper()
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func causalTrace(t *testing.T, name string) *parse.Trace {
	return readTrace(t, "../internal/parse/testdata/causality/"+name+".trace.gz")
}

// segAt is one decoded segment of the goroutine timeline.
type segAt struct {
	row            int
	start, end     int64
	code, ref, aux int
	tile           string
}

func timelineSegs(d *pageData) []segAt {
	var out []segAt
	for _, td := range d.Timeline.Tiles {
		for k, r := range td.Rows {
			f, prev := td.Segs[k], td.From
			for i := 0; i+4 < len(f); i += 5 {
				s := segAt{row: r, start: prev + f[i], code: int(f[i+2]), ref: int(f[i+3]), aux: int(f[i+4]), tile: td.Why}
				s.end = s.start + f[i+1]
				prev = s.end
				out = append(out, s)
			}
		}
	}
	return out
}

// rowG is the goroutine of a timeline row, or nil.
func rowG(tr *parse.Trace, d *pageData, r int) *parse.Goroutine {
	if row := d.Timeline.Rows[r]; row.Kind == "g" {
		return tr.Goroutine(parse.GoID(row.G))
	}
	return nil
}

// checkWakes: every wake a segment refers to is the model's wake of the
// one blocked span the segment is (never another span's), and merged
// segments carry none. It returns how many segments carry one.
func checkWakes(t *testing.T, tr *parse.Trace, d *pageData) int {
	t.Helper()
	n := 0
	for _, s := range timelineSegs(d) {
		if s.ref < 0 || s.aux == 0 {
			continue
		}
		g := rowG(tr, d, s.row)
		if g == nil {
			t.Fatalf("a segment of row %q (%s) has a wake", d.Timeline.Rows[s.row].Label, d.Timeline.Rows[s.row].Kind)
		}
		var sp *parse.Span
		for i := range g.Spans {
			if g.Spans[i].Start <= s.start && g.Spans[i].End >= s.end && g.Spans[i].End > s.start {
				sp = &g.Spans[i]
				break
			}
		}
		if sp == nil || sp.State != parse.StateBlocked || sp.Merged() {
			t.Fatalf("G%d: the segment %d-%d with a wake is not one blocked span of the model", g.ID, s.start, s.end)
		}
		w, ok := g.WakeOf(*sp)
		if !ok || s.aux > len(d.Wakes) {
			t.Fatalf("G%d: the span %d-%d has no wake in the model, the page says %d", g.ID, sp.Start, sp.End, s.aux)
		}
		pw := d.Wakes[s.aux-1]
		if w.Source == parse.WakeGoroutine {
			if pw.G <= 0 || parse.GoID(d.Gs[pw.G-1][0]) != w.By {
				t.Errorf("G%d: the span %d-%d was woken by G%d, the page says %+v", g.ID, sp.Start, sp.End, w.By, pw)
			}
		} else if pw.G != 0 || pw.Source != wakeSourceText(w.Source) {
			t.Errorf("G%d: the span %d-%d was woken by %s, the page says %+v", g.ID, sp.Start, sp.End, w.Source, pw)
		}
		n++
	}
	return n
}

// wakeTexts is what the page says of every wake of row label's spans.
func wakeTexts(d *pageData, label *regexp.Regexp) []string {
	var out []string
	for _, s := range timelineSegs(d) {
		if s.ref < 0 || s.aux == 0 || !label.MatchString(d.Timeline.Rows[s.row].Label) {
			continue
		}
		w := d.Wakes[s.aux-1]
		if w.G > 0 {
			g := d.Gs[w.G-1]
			out = append(out, fmt.Sprintf("G%d %s at %s", g[0], d.GroupNames[g[1]], w.At))
		} else {
			out = append(out, w.Source)
		}
	}
	return out
}

func anyMatch(xs []string, re *regexp.Regexp) bool {
	for _, x := range xs {
		if re.MatchString(x) {
			return true
		}
	}
	return false
}

// TestReportWakes: in the chain (A receives from B, which waited for the
// mutex C held), A's wait names B at its chan send and B's names C at its
// Unlock; in the pool, the WaitGroup wait names the last worker at Done; in
// the timer trace, a timer. Every wake in the page is the model's.
func TestReportWakes(t *testing.T) {
	for _, c := range []struct {
		trace, row, want string
	}{
		{"chain", ` A$`, `^G\d+ B at chan send \(critpath_test\.go:\d+\)$`},
		{"chain", ` B$`, `^G\d+ C at Mutex\.Unlock \(critpath_test\.go:\d+\)$`},
		{"pool", `TestCriticalPathWorkerPool$`, `^G\d+ last at WaitGroup\.Done \(critpath_test\.go:\d+\)$`},
		{"timer", `.`, `^a timer$`},
	} {
		tr := causalTrace(t, c.trace)
		d := readData(t, render(t, tr, Options{}))
		if n := checkWakes(t, tr, d); n == 0 {
			t.Errorf("%s: no segment has a wake", c.trace)
		}
		if got := wakeTexts(d, regexp.MustCompile(c.row)); !anyMatch(got, regexp.MustCompile(c.want)) {
			t.Errorf("%s: the wakes of %s are %q, want one like %s", c.trace, c.row, got, c.want)
		}
	}
}

// TestReportWakesMerged: in a report whose whole-trace tile merges spans,
// merged segments carry no wake, and every wake left is its span's.
func TestReportWakesMerged(t *testing.T) {
	var buf bytes.Buffer
	if err := tracegen.Generate(&buf, tracegen.Options{Size: 8 << 20}); err != nil {
		t.Fatal(err)
	}
	tr, err := parse.Read(&buf, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := readData(t, render(t, tr, Options{}))
	merged := 0
	for _, td := range d.Timeline.Tiles {
		if td.Why == "trace" && td.Res > 0 {
			merged++
		}
	}
	if merged == 0 {
		t.Fatal("the whole-trace tile merges nothing: the test needs a trace it must merge")
	}
	if n := checkWakes(t, tr, d); n == 0 {
		t.Error("no segment has a wake")
	}
}

// pathRowLabels is the rows of a path's steps, consecutive repeats dropped.
func pathRowLabels(d *pageData, p pathData) []string {
	var out []string
	for _, s := range p.Steps {
		l := d.Timeline.Rows[s[0]].Label
		if len(out) == 0 || out[len(out)-1] != l {
			out = append(out, l)
		}
	}
	return out
}

// TestReportCriticalPath: A's path in the chain is C's 50 ms hold, then B,
// then A, drawn on their rows; the program's path is the section's first,
// its chart's parts are the summary's.
func TestReportCriticalPath(t *testing.T) {
	tr := causalTrace(t, "chain")
	s := summary.Build(tr, "")
	page := renderWith(t, tr, s, Options{})
	d := readData(t, page)
	if !strings.Contains(string(page), `<section id="critpath">`) {
		t.Fatal("no Critical path section")
	}
	var a *rowData
	for i := range d.Timeline.Rows {
		if strings.HasSuffix(d.Timeline.Rows[i].Label, " A") {
			a = &d.Timeline.Rows[i]
		}
	}
	if a == nil || a.Detail == nil || a.Detail.Path == 0 {
		t.Fatalf("A has no path of its own: %+v", a)
	}
	p := d.Paths[a.Detail.Path-1]
	labels := pathRowLabels(d, p)
	var names []string
	for _, l := range labels {
		names = append(names, l[strings.Index(l, " ")+1:])
	}
	if got := strings.Join(names, " → "); !strings.Contains(got, "C → B → A") {
		t.Errorf("A's path goes %s, want C → B → A", got)
	}
	for _, st := range p.Steps {
		if l := d.Timeline.Rows[st[0]].Label; strings.HasSuffix(l, " C") && st[2]-st[1] < 45e6 {
			t.Errorf("C's step on A's path is %d ns, want its 50 ms hold", st[2]-st[1])
		}
	}
	// The section is the summary's paths, in order, the program's first.
	if len(s.Paths) == 0 || s.Paths[0].Of != "program" {
		t.Fatalf("the summary has no program path: %+v", s.Paths)
	}
	if len(d.PathChart.Labels) != len(s.Paths) || d.PathChart.Labels[0] != "program" {
		t.Errorf("the chart's bars are %q for %d paths", d.PathChart.Labels, len(s.Paths))
	}
	for i, cp := range s.Paths {
		var sum, want int64
		for _, part := range d.PathChart.Parts[i] {
			sum += part.Ns
		}
		for _, part := range cp.Parts {
			want += part.Ns
		}
		if sum != want {
			t.Errorf("%s: the chart's parts sum to %d ns, the summary's to %d", cp.Of, sum, want)
		}
	}
	if p0 := d.Paths[0]; p0.Name != "program" || len(p0.Steps) == 0 || p0.Steps[len(p0.Steps)-1][2] != s.Paths[0].ToNs {
		t.Errorf("the program's path in the page %+v does not end where the summary's does (%d)", p0, s.Paths[0].ToNs)
	}
}

// TestReportTaskPaths: the p50 and p99 instances of the mixed trace's
// region and task types are in the section, their paths within their
// instance and on rows of the timeline.
func TestReportTaskPaths(t *testing.T) {
	tr := readMixed(t)
	s := summary.Build(tr, "")
	page := string(renderWith(t, tr, s, Options{}))
	d := readData(t, []byte(page))
	n := 0
	for i, cp := range s.Paths {
		if cp.Instance == "" {
			continue
		}
		n++
		label := cp.Of + " " + cp.Instance
		if d.PathChart.Labels[i] != label {
			t.Errorf("bar %d is %q, want %q", i, d.PathChart.Labels[i], label)
		}
		if !strings.Contains(page, template.HTMLEscapeString(cp.Of)) {
			t.Errorf("the section does not list %s", cp.Of)
		}
		var p *pathData
		for j := range d.Paths {
			if d.Paths[j].Name == label {
				p = &d.Paths[j]
			}
		}
		if p == nil {
			t.Errorf("no path for %s", label)
			continue
		}
		for _, st := range p.Steps {
			if st[1] < cp.FromNs || st[2] > cp.ToNs || st[0] < 0 || int(st[0]) >= len(d.Timeline.Rows) {
				t.Errorf("%s: step %v outside [%d, %d] or off the rows", label, st, cp.FromNs, cp.ToNs)
			}
		}
	}
	if n == 0 {
		t.Fatal("the mixed trace has no task or region paths")
	}
	if !strings.Contains(page, `class="vz-show-path"`) {
		t.Error("no \"show on the timeline\" button")
	}
}

// TestReportUnnamedHolders: the corpus' HTTP server holds one plain
// sync.Mutex per request: the call-site table says which handlers held it
// and where they released it, as the analysis found.
func TestReportUnnamedHolders(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-mutex.trace.gz")
	s := summary.Build(tr, "")
	page := string(renderWith(t, tr, s, Options{}))
	i := strings.Index(page, `<section id="sites">`)
	sites := page[i : i+strings.Index(page[i:], "</section>")]
	found := 0
	for _, st := range s.Sites {
		for _, h := range holderLines(st.Holders) {
			found++
			if !strings.Contains(sites, template.HTMLEscapeString(h)) {
				t.Errorf("the call-site table does not say %q", h)
			}
		}
	}
	if found == 0 {
		t.Fatal("the analysis found no holder of the server's mutex")
	}
	if !regexp.MustCompile(`G\d+ net/http\.\(\*conn\)\.serve, released at main\.main\.handler\.func2 \(main\.go:\d+\): others waited`).MatchString(unescape(sites)) {
		t.Errorf("no handler named as the holder, with its release site")
	}
}

func unescape(s string) string {
	return strings.NewReplacer("&#34;", `"`, "&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#43;", "+").Replace(s)
}

// TestReportPprofCommands: under each blocking table, the vizrun pprof
// command exporting it, for the trace as the report names it, quoted for
// the shell and escaped for the page.
func TestReportPprofCommands(t *testing.T) {
	tr := causalTrace(t, "holders")
	src := `traces/it's <here>.trace`
	page := string(render(t, tr, Options{Source: src}))
	for _, table := range []string{pprofout.TableBlockedByReason, pprofout.TableBlockedByGroup, pprofout.TableBlockedBySite} {
		cmd, ok := pprofout.CommandFor(table, src)
		if !ok {
			t.Fatalf("no command for %s", table)
		}
		if !strings.Contains(page, `<code class="vz-command">`+template.HTMLEscapeString(cmd)+`</code>`) {
			t.Errorf("the report does not show %q", cmd)
		}
	}
	if strings.Contains(page, "<here>") {
		t.Error("the trace's name reaches the page unescaped")
	}
	// With no path (standard input), the command names TRACE.
	page = string(render(t, tr, Options{}))
	if cmd, _ := pprofout.CommandFor(pprofout.TableBlockedBySite, "TRACE"); !strings.Contains(page, template.HTMLEscapeString(cmd)) {
		t.Errorf("the report read from standard input does not show %q", cmd)
	}
}

// TestReportPathBudget: the paths and wakes stay within their bounds.
func TestReportPathBudget(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-mutex.trace.gz")
	d := readData(t, render(t, tr, Options{}))
	total := 0
	for _, p := range d.Paths {
		if len(p.Steps) > maxPathSteps {
			t.Errorf("%s: %d steps", p.Name, len(p.Steps))
		}
		total += len(p.Steps)
	}
	if total > budgetPathSteps {
		t.Errorf("%d path steps in all, over %d", total, budgetPathSteps)
	}
	seen := map[wakeData]bool{}
	for _, w := range d.Wakes {
		if seen[w] {
			t.Errorf("wake %+v is stored twice", w)
		}
		seen[w] = true
	}
}

func renderWith(t *testing.T, tr *parse.Trace, s *summary.Summary, opt Options) []byte {
	t.Helper()
	var b strings.Builder
	if err := Render(&b, tr, s, opt); err != nil {
		t.Fatal(err)
	}
	return []byte(b.String())
}

// TestReportPathRows: every goroutine on the analysis' paths (the part the
// page draws) has a row of its own, as those findings name do, in a trace
// with more goroutines than rows.
func TestReportPathRows(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-mutex.trace.gz")
	s := summary.Build(tr, "")
	d := readData(t, renderWith(t, tr, s, Options{MaxRows: 60}))
	own := map[int64]bool{}
	for _, r := range d.Timeline.Rows {
		if r.Kind == "g" {
			own[r.G] = true
		}
	}
	if len(tr.Goroutines) <= 60 {
		t.Fatalf("%d goroutines: the test needs more than the rows", len(tr.Goroutines))
	}
	for _, id := range pathGoroutines(s) {
		if g := tr.Goroutine(id); g != nil && !g.System && !own[int64(id)] {
			t.Errorf("G%d %s is on a critical path but has no row", id, g.Name)
		}
	}
}
