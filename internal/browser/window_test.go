//go:build browser

package browser_test

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vizrun/vizrun/internal/browser"
)

// view is the report's time window.
func view(t testing.TB, p *browser.Page) [2]float64 {
	return eval[[2]float64](t, p, `[vz.view.a, vz.view.b]`)
}

// chartPoint scrolls chart key into the middle of the window and returns
// the point at fraction fx of its plot's width, fy of its height.
func chartPoint(t testing.TB, p *browser.Page, key string, fx, fy float64) point {
	return eval[point](t, p, fmt.Sprintf(`(function () {
		var tc = vz.timeCharts.filter(function (c) { return c.key === %q; })[0];
		tc.box.scrollIntoView({block: 'center'});
		var r = tc.box.getBoundingClientRect(), g = vz.gridOf(tc);
		return {X: r.left + g.left + g.width * %f, Y: r.top + g.top + g.height * %f};
	})()`, key, fx, fy))
}

// TestInteraction: the wheel scrolls the page and Ctrl+wheel zooms; the
// filter; clicking a row opens its details; a finding's link shows its
// moment with its goroutines highlighted.
func TestInteraction(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	d := eval[float64](t, p, `vz.D.duration`)
	if v := view(t, p); v[0] != 0 || v[1] != d {
		t.Fatalf("the report opens on %v, not the whole trace", v)
	}

	// The wheel alone scrolls the page, and zooms nothing.
	c := chartPoint(t, p, "timeline", 0.5, 0.5)
	y0 := eval[float64](t, p, `window.scrollY`)
	if err := p.Wheel(c.X, c.Y, 0, 200); err != nil {
		t.Fatal(err)
	}
	p.Sleep(300 * time.Millisecond)
	if y := eval[float64](t, p, `window.scrollY`); y <= y0 {
		t.Errorf("the wheel over the timeline did not scroll the page (%v -> %v)", y0, y)
	}
	if v := view(t, p); v[0] != 0 || v[1] != d {
		t.Errorf("the wheel alone zoomed to %v", v)
	}
	// Ctrl + wheel zooms at the pointer, and does not scroll.
	c = chartPoint(t, p, "timeline", 0.5, 0.5)
	y0 = eval[float64](t, p, `window.scrollY`)
	for range 3 {
		if err := p.Wheel(c.X, c.Y, 0, -200, chromedp.ModifierCtrl); err != nil {
			t.Fatal(err)
		}
		p.Sleep(100 * time.Millisecond)
	}
	v := view(t, p)
	if v[1]-v[0] >= d*0.9 {
		t.Errorf("Ctrl+wheel did not zoom: window %v", v)
	}
	if mid := (v[0] + v[1]) / 2; math.Abs(mid-d/2) > d*0.1 {
		t.Errorf("Ctrl+wheel at the middle zoomed to %v, not around it", v)
	}
	if y := eval[float64](t, p, `window.scrollY`); math.Abs(y-y0) > 1 {
		t.Errorf("Ctrl+wheel scrolled the page (%v -> %v)", y0, y)
	}
	// A horizontal wheel pans.
	if err := p.Wheel(c.X, c.Y, 300, 0); err != nil {
		t.Fatal(err)
	}
	p.Sleep(200 * time.Millisecond)
	if w := view(t, p); w[0] <= v[0] || math.Abs((w[1]-w[0])-(v[1]-v[0])) > 1 {
		t.Errorf("a horizontal wheel did not pan: %v -> %v", v, w)
	}
	eval[bool](t, p, `(vz.resetWindow(), true)`)

	// Filtering keeps the matching rows.
	all := eval[int](t, p, `vz.tl.order.length`)
	rows := eval[[]string](t, p, `(function () { var f = document.getElementById('vz-filter'); f.value = 'locker'; f.dispatchEvent(new Event('input'));
		return vz.tl.order.map(function (r) { return vz.tl.rows[r].label; }); })()`)
	if len(rows) != 3 || len(rows) >= all {
		t.Errorf("filter 'locker' shows %d of %d rows: %v", len(rows), all, rows)
	}
	for _, r := range rows {
		if !strings.Contains(r, "locker") {
			t.Errorf("filtered row %q", r)
		}
	}
	// Clicking a row opens its details.
	pt := eval[point](t, p, fmt.Sprintf(`%s(vz.tl.order[0], vz.D.duration / 2)`, rowPointJS))
	if err := p.Click(pt.X, pt.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(200 * time.Millisecond)
	detail := eval[string](t, p, `document.getElementById('vz-detail').hidden ? '' : document.getElementById('vz-detail').innerText`)
	for _, w := range []string{"locker", "group", "running", "blocked", "where it blocked", "sync.(*Mutex).Lock"} {
		if !strings.Contains(detail, w) {
			t.Errorf("detail panel %q lacks %q", detail, w)
		}
	}
	eval[bool](t, p, `(function () { var f = document.getElementById('vz-filter'); f.value = ''; f.dispatchEvent(new Event('input')); vz.closeDetail(); return true; })()`)

	// A finding's link zooms to its moment and highlights its goroutines.
	link := eval[point](t, p, `(function () { var a = document.querySelector('a.vz-jump'); a.scrollIntoView({block: 'center'}); var r = a.getBoundingClientRect(); return {X: r.left + 5, Y: r.top + r.height / 2}; })()`)
	if err := p.Click(link.X, link.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(500 * time.Millisecond)
	if v := view(t, p); v[1]-v[0] >= d*0.99 {
		t.Errorf("the finding's link did not zoom the timeline: %v", v)
	}
	type hl struct {
		Want, Highlighted, Shown []int
		Selected                 int
	}
	h := eval[hl](t, p, `(function () {
		var f = vz.D.findings[Number(document.querySelector('a.vz-jump').getAttribute('data-finding'))];
		var g = vz.tl, shown = g.draw.map(function (d) { return d.row; });
		return {Want: f.gs, Highlighted: Array.from(g.highlight).map(function (r) { return g.rows[r].g; }), Shown: shown.map(function (r) { return g.rows[r].g || -1; }), Selected: g.rows[g.selected] ? g.rows[g.selected].g : -1};
	})()`)
	for _, id := range h.Want {
		found := false
		for _, x := range h.Highlighted {
			found = found || x == id
		}
		if !found {
			t.Errorf("G%d, named by the finding, is not highlighted (%v)", id, h.Highlighted)
		}
	}
	if len(h.Want) > 0 {
		inView := false
		for _, x := range h.Shown {
			inView = inView || x == h.Selected
		}
		if h.Selected != h.Want[0] || !inView {
			t.Errorf("selected G%d (in view: %v), want G%d in view", h.Selected, inView, h.Want[0])
		}
	}
}

// TestLinkedWindow: every time chart follows one window; the cursor shows
// on all of them; dragging zooms to the range dragged, Shift-dragging
// measures it.
func TestLinkedWindow(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	d := eval[float64](t, p, `vz.D.duration`)
	a, b := d*0.3, d*0.45
	eval[bool](t, p, fmt.Sprintf(`(vz.setWindow(%f, %f), true)`, a, b))
	settle(t, p)
	type axis struct {
		Key      string
		Min, Max float64
	}
	axes := eval[[]axis](t, p, `vz.timeCharts.map(function (tc) { var x = tc.chart.getOption().xAxis[0]; return {Key: tc.key, Min: x.min, Max: x.max}; })`)
	if len(axes) < 5 {
		t.Fatalf("only %d time charts: %v", len(axes), axes)
	}
	for _, ax := range axes {
		if math.Abs(ax.Min-a) > 1 || math.Abs(ax.Max-b) > 1 {
			t.Errorf("chart %s shows [%v, %v], the window is [%v, %v]", ax.Key, ax.Min, ax.Max, a, b)
		}
	}
	// The cursor over one chart shows on the others too, at the same time.
	c := chartPoint(t, p, "running", 0.25, 0.5)
	if err := p.Mouse(c.X, c.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(100 * time.Millisecond)
	type cur struct {
		Shown         bool
		X, Want, Time float64
	}
	cs := eval[cur](t, p, `(function () {
		var tc = vz.timeCharts.filter(function (c) { return c.key === 'waiting'; })[0], tl = vz.timeCharts.filter(function (c) { return c.key === 'running'; })[0];
		var t = vz.toTime(tl, parseFloat(tl.cursor.style.left));
		return {Shown: !tc.cursor.hidden, X: parseFloat(tc.cursor.style.left), Want: vz.toPx(tc, t), Time: t};
	})()`)
	if !cs.Shown || math.Abs(cs.X-cs.Want) > 1.5 {
		t.Errorf("the cursor on the next chart: %+v", cs)
	}
	if want := a + (b-a)*0.25; math.Abs(cs.Time-want) > (b-a)/200 {
		t.Errorf("the cursor is at %v, the pointer at %v", cs.Time, want)
	}

	// Shift-drag measures: the range and its length show on every chart.
	c0, c1 := chartPoint(t, p, "running", 0.2, 0.5), chartPoint(t, p, "running", 0.6, 0.5)
	if err := p.Drag(c0.X, c0.Y, c1.X, c1.Y, chromedp.ModifierShift); err != nil {
		t.Fatal(err)
	}
	p.Sleep(200 * time.Millisecond)
	type sel struct {
		A, B   float64
		Labels []string
	}
	s := eval[sel](t, p, `(function () { var s = vz.selection(); return {A: s ? s.a : 0, B: s ? s.b : 0,
		Labels: vz.timeCharts.filter(function (tc) { return !tc.sel.hidden; }).map(function (tc) { return tc.selLabel.textContent; })}; })()`)
	span := b - a
	if math.Abs(s.A-(a+0.2*span)) > span/100 || math.Abs(s.B-(a+0.6*span)) > span/100 {
		t.Errorf("Shift-drag selected [%v, %v], want about [%v, %v]", s.A, s.B, a+0.2*span, a+0.6*span)
	}
	if v := view(t, p); math.Abs(v[0]-a) > 1 || math.Abs(v[1]-b) > 1 {
		t.Errorf("Shift-drag zoomed to %v", v)
	}
	wantLen := eval[string](t, p, fmt.Sprintf(`vz.fmt.dur(%f)`, s.B-s.A))
	if len(s.Labels) < 2 || s.Labels[0] != wantLen {
		t.Errorf("the selection's length shows as %q on %d charts, want %q", s.Labels, len(s.Labels), wantLen)
	}
	// A plain drag zooms to the range.
	c0, c1 = chartPoint(t, p, "timeline", 0.5, 0.5), chartPoint(t, p, "timeline", 0.75, 0.5)
	if err := p.Drag(c0.X, c0.Y, c1.X, c1.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(300 * time.Millisecond)
	if v := view(t, p); math.Abs(v[0]-(a+0.5*span)) > span/100 || math.Abs(v[1]-(a+0.75*span)) > span/100 {
		t.Errorf("dragging zoomed to %v, want about [%v, %v]", v, a+0.5*span, a+0.75*span)
	}
	checkLoaded(t, p, path)
}

// TestURLFragment: the window and the selected goroutine are kept in the
// URL's fragment, and a link with one opens the same view.
func TestURLFragment(t *testing.T) {
	path := mixedReport(t)
	b := startBrowser(t)
	p, err := b.Open(path, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	d := eval[float64](t, p, `vz.D.duration`)
	eval[bool](t, p, fmt.Sprintf(`(vz.setWindow(%f, %f), vz.selectRow(vz.rowOfG(12), false), true)`, d*0.2, d*0.3))
	p.Sleep(400 * time.Millisecond)
	hash := eval[string](t, p, `location.hash`)
	if !strings.HasPrefix(hash, "#w=") || !strings.Contains(hash, "&g=12") {
		t.Fatalf("fragment %q lacks the window or G12", hash)
	}
	want := view(t, p)
	q, err := b.OpenURL(path, hash, 60*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	got := view(t, q)
	if math.Abs(got[0]-want[0]) > (want[1]-want[0])/1000 || math.Abs(got[1]-want[1]) > (want[1]-want[0])/1000 {
		t.Errorf("the link %s opens %v, the view was %v", hash, got, want)
	}
	if g := eval[int](t, q, `vz.tl.rows[vz.tl.selected] ? vz.tl.rows[vz.tl.selected].g : -1`); g != 12 {
		t.Errorf("the link selects G%d, want G12", g)
	}
	if det := eval[string](t, q, `document.getElementById('vz-detail').hidden ? '' : document.getElementById('vz-detail').innerText`); !strings.Contains(det, "G12") {
		t.Errorf("the link does not open G12's details: %q", det)
	}
	if m := q.Console(); len(m) > 0 {
		t.Errorf("console: %v", m)
	}
}

// TestKeyboard: charts are focusable and labelled; keys pan, zoom and move
// between rows; Enter opens the detail panel, Escape closes it.
func TestKeyboard(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	labels := eval[[]string](t, p, `Array.from(document.querySelectorAll('.chart')).filter(function (e) { return !(e.tabIndex >= 0 && e.getAttribute('aria-label')); }).map(function (e) { return e.id; })`)
	if len(labels) > 0 {
		t.Errorf("charts not focusable or unlabelled: %v", labels)
	}
	// Tab reaches the timeline.
	eval[bool](t, p, `(document.getElementById('vz-filter').focus(), true)`)
	reached := false
	for range 12 {
		if err := p.Keys(browser.KeyTab); err != nil {
			t.Fatal(err)
		}
		if eval[string](t, p, `document.activeElement.id`) == "vz-timeline" {
			reached = true
			break
		}
	}
	if !reached {
		t.Fatalf("Tab from the filter does not reach the timeline (at %s)", eval[string](t, p, `document.activeElement.id + ' ' + document.activeElement.tagName`))
	}
	d := eval[float64](t, p, `vz.D.duration`)
	key := func(k string) {
		t.Helper()
		if err := p.Keys(k); err != nil {
			t.Fatal(err)
		}
		p.Sleep(80 * time.Millisecond)
	}
	key("+")
	v := view(t, p)
	if math.Abs((v[1]-v[0])-d/2) > 1 {
		t.Errorf("+ zoomed to %v", v)
	}
	key(browser.KeyRight)
	if w := view(t, p); w[0] <= v[0] {
		t.Errorf("→ did not pan: %v -> %v", v, w)
	}
	key("0")
	if w := view(t, p); w[0] != 0 || w[1] != d {
		t.Errorf("0 shows %v, not the whole trace", w)
	}
	key(browser.KeyDown)
	key(browser.KeyDown)
	sel := eval[int](t, p, `vz.tl.order.indexOf(vz.tl.selected)`)
	if sel != 1 {
		t.Errorf("two ↓ select displayed row %d, want 1", sel)
	}
	key(browser.KeyEnter)
	title := eval[string](t, p, `document.getElementById('vz-detail').hidden ? '' : document.querySelector('#vz-detail h3').textContent`)
	want := eval[string](t, p, `vz.tl.rows[vz.tl.selected].detail.title`)
	if title != want {
		t.Errorf("Enter opened %q, want %q", title, want)
	}
	key(browser.KeyEscape)
	if open := eval[bool](t, p, `!document.getElementById('vz-detail').hidden`); open {
		t.Error("Escape did not close the detail panel")
	}
	// E expands a folded group (the runtime's goroutines, last).
	key(browser.KeyEnd)
	if kind := eval[string](t, p, `vz.tl.rows[vz.tl.selected].kind`); kind != "fold" {
		t.Fatalf("End selects a %s row", kind)
	}
	n := eval[int](t, p, `vz.tl.order.length`)
	key("e")
	if m := eval[int](t, p, `vz.tl.order.length`); m <= n {
		t.Errorf("E did not expand the group: %d -> %d rows", n, m)
	}
	if m := p.Console(); len(m) > 0 {
		t.Errorf("console: %v", m)
	}
}
