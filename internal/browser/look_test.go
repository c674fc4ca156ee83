//go:build browser

package browser_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/browser"
)

// TestPrint: on Letter paper the charts fit the page's width, the
// controls and sliders are not printed, headings stay with their charts,
// and the browser makes a PDF of Letter pages.
func TestPrint(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	const width = 739 // 8.5 in at 96 px/in, less Chromium's 0.4 in margins
	if err := p.Emulate(browser.EmulateMedia("print", "", "")); err != nil {
		t.Fatal(err)
	}
	if err := p.Resize(width, 1000); err != nil {
		t.Fatal(err)
	}
	p.Sleep(600 * time.Millisecond)
	type box struct {
		ID            string
		Left, Right   float64
		Width, Height float64
	}
	charts := eval[[]box](t, p, `Array.from(document.querySelectorAll('.chart')).filter(function (e) { return e.querySelector('canvas'); }).map(function (e) {
		var r = e.querySelector('canvas').getBoundingClientRect(); return {ID: e.id, Left: r.left, Right: r.right, Width: r.width, Height: r.height}; })`)
	if len(charts) < 8 {
		t.Fatalf("%d charts with a canvas in print", len(charts))
	}
	for _, c := range charts {
		if c.Right > width+1 || c.Left < -1 || c.Width < width/3 || c.Height < 60 {
			t.Errorf("chart %s spans [%.0f, %.0f], %.0f px high, on a page %d px wide", c.ID, c.Left, c.Right, c.Height, width)
		}
	}
	shown := eval[[]string](t, p, `Array.from(document.querySelectorAll('nav, .vz-overview, .vz-rows, .toolbar, #vz-window button, .vz-jump')).filter(function (e) { return getComputedStyle(e).display !== 'none'; }).map(function (e) { return e.className || e.tagName; })`)
	if len(shown) > 0 {
		t.Errorf("controls printed: %v", shown)
	}
	if v := eval[string](t, p, `getComputedStyle(document.querySelector('h2')).breakAfter`); v != "avoid" {
		t.Errorf("headings break-after %q, want avoid", v)
	}
	if w := eval[float64](t, p, `document.documentElement.scrollWidth`); w > width+2 {
		t.Errorf("the printed page is %v px wide, the paper %d", w, width)
	}
	shoot(t, p, "print", true)
	pdf, err := p.PDF(8.5, 11)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 20)])
	}
	boxes := regexp.MustCompile(`/MediaBox\s*\[\s*0 0 ([0-9.]+) ([0-9.]+)\s*\]`).FindAllSubmatch(pdf, -1)
	if len(boxes) < 2 {
		t.Errorf("%d pages in the PDF", len(boxes))
	}
	for _, b := range boxes {
		if string(b[1]) != "612" || string(b[2]) != "792" {
			t.Errorf("a page of %s × %s pt, want Letter (612 × 792)", b[1], b[2])
			break
		}
	}
	os.WriteFile(filepath.Join(artifacts(t), "report.pdf"), pdf, 0o644)
}

// TestDarkMode: with prefers-color-scheme dark, the page and its charts
// are dark, the text light, and the charts use the palette's dark colours.
func TestDarkMode(t *testing.T) {
	path := mixedReport(t)
	p, err := startBrowser(t).OpenDark(path, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	checkLoaded(t, p, path)
	type look struct {
		Bg, Fg       string
		Dark         bool
		Colour, Want string
		Pixel        []int
	}
	l := eval[look](t, p, `(function () {
		var c = vz.charts.timeline.getDom().querySelector('canvas'), g = c.getContext('2d');
		var px = Array.from(g.getImageData(4, 4, 1, 1).data);
		return {Bg: getComputedStyle(document.body).backgroundColor, Fg: getComputedStyle(document.body).color, Dark: vz.isDark(),
			Colour: vz.colour(0), Want: vz.D.palette[0].dark, Pixel: px};
	})()`)
	if !l.Dark || l.Colour != l.Want {
		t.Errorf("dark theme not used: %+v", l)
	}
	lum := func(s string) float64 {
		var r, g, b float64
		fmt.Sscanf(s, "rgb(%f, %f, %f)", &r, &g, &b)
		return (r + g + b) / 3
	}
	if lum(l.Bg) > 60 || lum(l.Fg) < 180 {
		t.Errorf("page background %s, text %s: not a dark theme", l.Bg, l.Fg)
	}
	// The chart's canvas is transparent over the dark background, or dark.
	if len(l.Pixel) == 4 && l.Pixel[3] > 0 && (l.Pixel[0]+l.Pixel[1]+l.Pixel[2])/3 > 80 {
		t.Errorf("the timeline's canvas is light: %v", l.Pixel)
	}
	eval[bool](t, p, `(document.getElementById('timeline').scrollIntoView(), true)`)
	shoot(t, p, "dark", false)
}

// TestRowsForFoldedFindings: with rows for only a few goroutines, the
// goroutines a finding names still get rows, "show in the timeline"
// highlights them, and folded groups expand to their members.
func TestRowsForFoldedFindings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "few-rows.html")
	vizrun(t, "report", "-rows", "4", "-o", path, "testdata/go1.26-mixed.trace")
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	missing := eval[[]int](t, p, `(function () { var out = [];
		vz.D.findings.forEach(function (f) { f.gs.forEach(function (id) {
			if (!vz.tl.rows.some(function (r) { return r.kind === 'g' && r.g === id && r.parent < 0; })) out.push(id); }); });
		return out; })()`)
	if len(missing) > 0 {
		t.Errorf("goroutines named by findings without a row: %v", missing)
	}
	links := eval[int](t, p, `document.querySelectorAll('a.vz-jump').length`)
	for i := range links {
		bad := eval[string](t, p, fmt.Sprintf(`(function () {
			document.querySelectorAll('a.vz-jump')[%d].click();
			var f = vz.D.findings[%d], g = vz.tl, shown = g.draw.map(function (d) { return d.row; });
			if (!f.gs.length) return '';
			var sel = g.rows[g.selected];
			if (!sel || sel.g !== f.gs[0]) return 'selected ' + (sel && sel.label);
			if (shown.indexOf(g.selected) < 0) return 'the selected row is not in view';
			if (!f.gs.every(function (id) { return Array.from(g.highlight).some(function (r) { return g.rows[r].g === id; }); })) return 'not all highlighted';
			return '';
		})()`, i, i))
		if bad != "" {
			t.Errorf("finding %d: %s", i, bad)
		}
	}
	// A folded group's label expands it.
	type exp struct{ Before, After, Members int }
	e := eval[exp](t, p, `(function () {
		var g = vz.tl, r = g.rows.findIndex(function (x, i) { return x.kind === 'fold' && g.members[i]; });
		var before = g.order.length; vz.toggleGroup(r);
		return {Before: before, After: g.order.length, Members: g.members[r].length};
	})()`)
	if e.After != e.Before+e.Members || e.Members == 0 {
		t.Errorf("expanding a group: %d rows -> %d, %d members", e.Before, e.After, e.Members)
	}
}

// TestMemoryExampleRows: in the memory example (10,000 parked goroutines
// and 200 locked to threads), each group is represented by rows of its
// own.
func TestMemoryExampleRows(t *testing.T) {
	path := filepath.Join(examplesDir(t), "memory.html")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no memory example report")
	}
	p := openPage(t, path, 90*time.Second)
	checkLoaded(t, p, path)
	groups := eval[map[string]int](t, p, `(function () { var out = {};
		vz.tl.rows.forEach(function (r) { if (r.kind === 'g' && r.parent < 0) { var n = vz.D.groupNames[r.group]; out[n] = (out[n] || 0) + 1; } });
		return out; })()`)
	if len(groups) < 3 {
		t.Errorf("rows of only %d groups: %v", len(groups), groups)
	}
	for name, n := range groups {
		if n > 250 {
			t.Errorf("group %s has %d of the rows", name, n)
		}
	}
	t.Logf("rows by group: %v", groups)
}

// TestProcessorColours: the processor timeline colours goroutines by
// group and names them in its tooltips.
func TestProcessorColours(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	codes := eval[[]int](t, p, `(function () { var seen = {};
		vz.charts.procs && vz.timeCharts.filter(function (c) { return c.key === 'procs'; }).forEach(function () {});
		var g = null; for (var k in vz.timeCharts) if (vz.timeCharts[k].key === 'procs') g = vz.timeCharts[k];
		var gantt = null;
		vz.D.procs.tiles[0].rows.forEach(function (r, k) {
			var f = vz.D.procs.tiles[0].segs[k];
			for (var i = 0; i + 4 < f.length; i += 5) if (f[i + 3] > 0) seen[f[i + 2]] = true;
		});
		return Object.keys(seen).map(Number); })()`)
	if len(codes) < 3 {
		t.Errorf("the processor timeline draws goroutines in %d colours, want one per busy group", len(codes))
	}
	for _, c := range codes {
		chart := eval[string](t, p, fmt.Sprintf(`vz.D.palette[%d].chart`, c))
		if chart != "proc" {
			t.Errorf("code %d of the processor timeline belongs to chart %q", c, chart)
		}
	}
	legend := eval[string](t, p, `document.querySelector('#procs .legend').innerText`)
	for _, w := range []string{"spinner", "locker"} {
		if !strings.Contains(legend, w) {
			t.Errorf("the processor legend %q lacks %q", legend, w)
		}
	}
}

// TestParallelismScales: running goroutines are drawn against GOMAXPROCS
// on their own scale; waiting goroutines have a chart of their own.
func TestParallelismScales(t *testing.T) {
	path := filepath.Join(t.TempDir(), "large.html")
	tr := filepath.Join(t.TempDir(), "large.trace")
	recordTrace(t, tr, func() { busy(2000, 800*time.Millisecond) })
	vizrun(t, "report", "-o", path, tr)
	p := openPage(t, path, 120*time.Second)
	checkLoaded(t, p, path)
	type scale struct{ RunMax, Procs, WaitMax float64 }
	s := eval[scale](t, p, `(function () {
		function ymax(k) { var c = vz.charts[k]; return c.getModel().getComponent('yAxis', 0).axis.scale.getExtent()[1]; }
		return {RunMax: ymax('running'), Procs: vz.D.gomaxprocs, WaitMax: ymax('waiting')};
	})()`)
	if s.RunMax > s.Procs*1.6+1 {
		t.Errorf("the running chart's scale goes to %v with GOMAXPROCS %v", s.RunMax, s.Procs)
	}
	if s.WaitMax <= s.Procs {
		t.Logf("waiting goroutines peak at %v", s.WaitMax)
	}
}

// TestTimelineAlwaysKnown: zoomed anywhere in a report whose model was
// coarsened, every segment drawn has a state the palette knows, and no
// tooltip says "undefined" or "NaN".
func TestTimelineAlwaysKnown(t *testing.T) {
	path := tenThousand(t)
	p := openPage(t, path, 120*time.Second)
	d := eval[float64](t, p, `vz.D.duration`)
	for _, w := range [][2]float64{{0, d}, {d * 0.3, d*0.3 + 1e6}, {d * 0.61, d*0.61 + 2e5}, {d * 0.9, d}} {
		eval[bool](t, p, fmt.Sprintf(`(vz.setWindow(%f, %f), true)`, w[0], w[1]))
		bad := eval[[]string](t, p, `(function () { var out = [];
			vz.tl.draw.forEach(function (d) { d.items.forEach(function (it) {
				var p = vz.D.palette[it.c];
				if (!p || p.chart !== 'state' || !(it.e >= it.s)) out.push(JSON.stringify(it));
			}); });
			return out.slice(0, 5); })()`)
		if len(bad) > 0 {
			t.Errorf("window %v: segments of unknown state: %v", w, bad)
		}
		for fx := 0.05; fx < 1; fx += 0.15 {
			for fy := 0.1; fy < 1; fy += 0.2 {
				c := chartPoint(t, p, "timeline", fx, fy)
				p.Mouse(c.X, c.Y)
				tip := eval[string](t, p, tipTextJS)
				if strings.Contains(tip, "undefined") || strings.Contains(tip, "NaN") {
					t.Errorf("window %v: tooltip %q", w, tip)
				}
			}
		}
	}
}

// TestTooltipBesideDetail: the detail panel wraps long values, and the
// tooltip never covers it.
func TestTooltipBesideDetail(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	eval[bool](t, p, `(vz.selectRow(vz.tl.order[0], true), true)`)
	if over := eval[bool](t, p, `(function () { var p = document.getElementById('vz-detail'); return p.scrollWidth > p.clientWidth + 1; })()`); over {
		t.Error("the detail panel overflows sideways")
	}
	for fx := 0.5; fx < 1; fx += 0.05 {
		c := chartPoint(t, p, "timeline", fx, 0.05)
		p.Mouse(c.X, c.Y)
		type rects struct {
			Tip, Panel [4]float64
			Shown      bool
		}
		r := eval[rects](t, p, `(function () { var t = document.getElementById('vz-tip'), p = document.getElementById('vz-detail');
			var a = t.getBoundingClientRect(), b = p.getBoundingClientRect();
			return {Tip: [a.left, a.top, a.right, a.bottom], Panel: [b.left, b.top, b.right, b.bottom], Shown: !t.hidden && !p.hidden}; })()`)
		if r.Shown && r.Tip[0] < r.Panel[2] && r.Tip[2] > r.Panel[0] && r.Tip[1] < r.Panel[3] && r.Tip[3] > r.Panel[1] {
			t.Errorf("at %.2f the tooltip %v covers the detail panel %v", fx, r.Tip, r.Panel)
		}
	}
}

// TestHighlightPath: a chain of segments (a critical path, once the
// analysis provides them) is drawn over the timeline without errors.
func TestHighlightPath(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	eval[bool](t, p, `(function () { var g = vz.tl, d = vz.D.duration;
		vz.highlightPath([[g.order[1], d * 0.2, d * 0.3], [g.order[2], d * 0.3, d * 0.5], [g.order[0], d * 0.5, d * 0.6]]);
		document.getElementById('timeline').scrollIntoView(); return true; })()`)
	p.Sleep(200 * time.Millisecond)
	if m := p.Console(); len(m) > 0 {
		t.Errorf("console: %v", m)
	}
	shoot(t, p, "path", false)
}

// TestZoomedBigTrace: zoomed to 1 ms of a generated trace of
// VIZRUN_BIG_SIZE (default 100MB), a person sees real spans or is told the
// command that shows them; with vizrun report -window, that report shows
// single spans. Screenshots: big-1ms.png, big-window.png.
func TestZoomedBigTrace(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a trace of 100 MB")
	}
	size := os.Getenv("VIZRUN_BIG_SIZE")
	if size == "" {
		size = "100MB"
	}
	dir := t.TempDir()
	tr := filepath.Join(dir, "big.trace")
	gen := filepath.Join(shared.dir, "tracegen")
	if out, err := runGo("build", "-o", gen, "./internal/tracegen/cmd/tracegen"); err != nil {
		t.Fatal(err, out)
	}
	if out, err := runCmd(gen, "-size", size, "-o", tr); err != nil {
		t.Fatal(err, out)
	}
	path := filepath.Join(dir, "big.html")
	vizrun(t, "report", "-o", path, tr)
	st, _ := os.Stat(path)
	if st.Size() > 10<<20 {
		t.Errorf("report of the %s trace is %.1f MiB", size, float64(st.Size())/(1<<20))
	}
	p := openPage(t, path, 180*time.Second)
	checkLoaded(t, p, path)
	d := eval[float64](t, p, `vz.D.duration`)
	// Around a finding's moment, and anywhere.
	starts := eval[[]float64](t, p, `vz.D.findings.filter(function (f) { return f.to > f.from; }).map(function (f) { return f.from; }).slice(0, 2)`)
	starts = append(starts, d/2)
	var cmd string
	for i, a := range starts {
		eval[bool](t, p, fmt.Sprintf(`(vz.setWindow(%f, %f), document.getElementById('timeline').scrollIntoView(), true)`, a, a+1e6))
		p.Sleep(300 * time.Millisecond)
		type state struct {
			Spans   int
			Notice  string
			Command string
		}
		s := eval[state](t, p, `(function () { var n = 0;
			vz.tl.draw.forEach(function (d) { d.items.forEach(function (it) { if (!it.m) n++; }); });
			var el = document.getElementById('vz-timeline-notice'), c = el.querySelector('code');
			return {Spans: n, Notice: el.hidden ? '' : el.innerText, Command: c ? c.textContent : ''}; })()`)
		if s.Spans == 0 && s.Notice == "" {
			t.Errorf("window at %v: neither single spans nor a notice", a)
		}
		if s.Notice != "" {
			if !strings.HasPrefix(s.Command, "vizrun report -window ") || !strings.HasSuffix(s.Command, " "+tr) {
				t.Errorf("the notice's command %q", s.Command)
			}
			cmd = s.Command
		}
		t.Logf("1 ms at %.3f s: %d single spans; notice %q", a/1e9, s.Spans, s.Notice)
		switch {
		case i == 0 && len(starts) > 1:
			shoot(t, p, "big-1ms", false) // at a finding: single spans
		case i == len(starts)-1:
			shoot(t, p, "big-1ms-elsewhere", false) // the notice and its command
		}
	}
	// The command's report, when this vizrun has -window (the lead's
	// side of it).
	if cmd == "" {
		t.Fatal("no window command shown")
	}
	help, _ := runVizrun("help", "report")
	if !strings.Contains(help, "-window") {
		t.Logf("no window report: vizrun report has no -window yet")
		return
	}
	win := filepath.Join(dir, "window.html")
	args := strings.Fields(strings.TrimPrefix(cmd, "vizrun "))
	vizrun(t, append(args[:len(args)-1], "-o", win, tr)...)
	q := openPage(t, win, 120*time.Second)
	checkLoaded(t, q, win)
	n := eval[int](t, q, `(function () { var n = 0; vz.tl.draw.forEach(function (d) { d.items.forEach(function (it) { if (!it.m) n++; }); }); return n; })()`)
	if n == 0 {
		t.Error("the window report shows no single span")
	}
	eval[bool](t, q, `(document.getElementById('timeline').scrollIntoView(), true)`)
	shoot(t, q, "big-window", false)
}

func runGo(args ...string) (string, error) {
	c := exec.Command("go", args...)
	c.Dir = repo
	out, err := c.CombinedOutput()
	return string(out), err
}

func runCmd(name string, args ...string) (string, error) {
	c := exec.Command(name, args...)
	c.Dir = repo
	out, err := c.CombinedOutput()
	return string(out), err
}
