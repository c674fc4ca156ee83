//go:build browser

package browser_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/browser"
)

// Causality in the report (issue 16): who woke a span, with the waker a
// link to its row; critical paths highlighted on the timeline from the
// Critical path section and from a goroutine's details; the section's
// chart. On recorded traces, so what they show is known exactly.

// causalReport writes the report of a committed trace (a path from the
// top of the repository) once.
var causalReports sync.Map

func causalReport(t testing.TB, name, trace string) string {
	t.Helper()
	out := filepath.Join(shared.dir, name+".html")
	if _, done := causalReports.LoadOrStore(out, true); !done {
		vizrun(t, "report", "-o", out, trace)
	}
	return out
}

// lockReport is the report of the lock-across-await example, from a trace
// of it recorded once (vizrun examples lock-across-await) and committed:
// what a live run's trace holds varies with the machine's load.
func lockReport(t testing.TB) string {
	return causalReport(t, "lock-across-await", "internal/browser/testdata/lock-across-await.trace.gz")
}

// wakeTarget finds, on the row labelled like label, the longest blocked
// segment woken by a goroutine whose name matches waker.
const wakeTargetJS = `(function (label, waker) {
	var g = vz.tl, best = null;
	g.tiles.forEach(function (td, ti) {
		td.rows.forEach(function (r, k) {
			if (!new RegExp(label).test(g.rows[r].label) || g.order.indexOf(r) < 0) return;
			var d = g.decode(ti, k);
			for (var i = 0; i < d.n; i++) {
				var x = d.x[i], w = d.r[i] >= 0 && x > 0 ? vz.D.wakes[x - 1] : null;
				if (!w || !(w.g > 0) || !new RegExp(waker).test(vz.gName(w.g))) continue;
				if (!best || d.e[i] - d.s[i] > best.D) best = {Row: r, Start: d.s[i], D: d.e[i] - d.s[i], Waker: vz.D.gs[w.g - 1][0], Text: vz.wakeText(x), Found: true};
			}
		});
	});
	return best || {Found: false};
})`

type wakeTarget struct {
	Row      int
	Start, D float64
	Waker    int
	Text     string
	Found    bool
}

// hoverWake hovers the target span and returns the tooltip's text.
func hoverWake(t *testing.T, p *browser.Page, tg wakeTarget) (string, point) {
	t.Helper()
	eval[bool](t, p, fmt.Sprintf(`(vz.setWindow(%f, %f), true)`, tg.Start-tg.D*0.1, tg.Start+tg.D*1.1))
	settle(t, p)
	pt := eval[point](t, p, fmt.Sprintf(`%s(%d, %f)`, rowPointJS, tg.Row, tg.Start+tg.D/2))
	p.Sleep(200 * time.Millisecond)
	if err := p.Mouse(pt.X, pt.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(300 * time.Millisecond)
	return strings.Join(strings.Fields(eval[string](t, p, tipTextJS)), " "), pt
}

// TestWokenBy: in the chain workload (A receives from B, which waited for
// the mutex C held), A's wait says it was woken by B at its chan send, and
// B's by C at its Unlock; clicking the waker in the span's details selects
// the waker's row and puts it in the URL.
func TestWokenBy(t *testing.T) {
	path := causalReport(t, "chain", "internal/parse/testdata/causality/chain.trace.gz")
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	for _, c := range []struct{ row, waker, want string }{
		{` A$`, ` B$`, `^woken by G\d+ B at chan send \(critpath_test\.go:\d+\)$`},
		{` B$`, ` C$`, `^woken by G\d+ C at Mutex\.Unlock \(critpath_test\.go:\d+\)$`},
	} {
		tg := eval[wakeTarget](t, p, fmt.Sprintf(`%s(%q, %q)`, wakeTargetJS, c.row, c.waker))
		if !tg.Found {
			t.Fatalf("no span of %s woken by %s in the report", c.row, c.waker)
		}
		if !regexp.MustCompile(c.want).MatchString(tg.Text) {
			t.Errorf("the wake of %s says %q, want %s", c.row, tg.Text, c.want)
		}
		tip, pt := hoverWake(t, p, tg)
		if !strings.Contains(tip, tg.Text) {
			t.Errorf("tooltip %q does not say %q", tip, tg.Text)
		}
		// Click the span: its details say who woke it, the waker a button.
		if err := p.Click(pt.X, pt.Y); err != nil {
			t.Fatal(err)
		}
		p.Sleep(200 * time.Millisecond)
		det := strings.Join(strings.Fields(eval[string](t, p, `document.getElementById('vz-detail-body').innerText`)), " ")
		if !strings.Contains(det, tg.Text) {
			t.Errorf("the detail panel does not say %q: %q", tg.Text, det)
		}
		if c.waker == ` B$` {
			shoot(t, p, "woken-by", false)
		}
		btn := eval[point](t, p, `(function () { var b = document.querySelector('#vz-detail-body button.vz-waker');
			if (!b) return {X: -1, Y: -1}; var r = b.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`)
		if btn.X < 0 {
			t.Fatal("no waker button in the detail panel")
		}
		if err := p.Click(btn.X, btn.Y); err != nil {
			t.Fatal(err)
		}
		p.Sleep(400 * time.Millisecond)
		type sel struct {
			G     int
			Title string
			Hash  string
		}
		s := eval[sel](t, p, `(function () { var r = vz.tl.rows[vz.tl.selected];
			return {G: r && r.kind === 'g' ? r.g : -1, Title: document.querySelector('#vz-detail-body h3').textContent, Hash: location.hash}; })()`)
		if s.G != tg.Waker {
			t.Errorf("clicking the waker selected G%d, want G%d", s.G, tg.Waker)
		}
		if !strings.HasPrefix(s.Title, fmt.Sprintf("G%d ", tg.Waker)) {
			t.Errorf("the detail panel shows %q after clicking the waker G%d", s.Title, tg.Waker)
		}
		if !strings.Contains(s.Hash, fmt.Sprintf("g=%d", tg.Waker)) {
			t.Errorf("the URL fragment %q does not name the waker G%d", s.Hash, tg.Waker)
		}
	}
	if m := p.Console(); len(m) > 0 {
		t.Errorf("console: %v", m)
	}
}

// pathState is what the page shows of a highlighted path.
const pathStateJS = `(function () {
	var n = document.getElementById('vz-path-note'), rows = {};
	Object.keys(vz.tl.steps || {}).forEach(function (r) { rows[r] = true; });
	return {Shown: vz.pathShown, Rows: Object.keys(rows).length, Steps: vz.pathShown >= 0 ? vz.D.paths[vz.pathShown].steps.length : 0,
		Note: n && !n.hidden ? n.textContent : '', Highlighted: vz.tl.highlight.size};
})()`

type pathState struct {
	Shown, Rows, Steps, Highlighted int
	Note                            string
}

// TestCriticalPathSection: the lock-across-await example's Critical path
// section draws its chart; its "show on the timeline" buttons highlight the
// path (the region waiting for the lock held across a slow call hands off
// to the holder), and a goroutine's details show its own; Escape clears it.
func TestCriticalPathSection(t *testing.T) {
	path := lockReport(t)
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	if ink := eval[int](t, p, `vz.charts.paths ? 1 : 0`); ink != 1 {
		t.Fatal("the Critical path chart did not draw")
	}
	eval[bool](t, p, `(document.getElementById('critpath').scrollIntoView(), true)`)
	p.Sleep(200 * time.Millisecond)
	shoot(t, p, "critical-path-section", false)
	labels := eval[[]string](t, p, `vz.charts.paths.getOption().yAxis[0].data`)
	if len(labels) == 0 || labels[0] != "program" {
		t.Errorf("the chart's bars are %q, want the program first", labels)
	}
	// The held-across-call region's path: a real click on its button.
	btn := eval[point](t, p, `(function () { var rows = document.querySelectorAll('#vz-paths-table tbody tr');
		for (var i = 0; i < rows.length; i++) {
			if (rows[i].cells[0].textContent.indexOf('held-across-call') < 0) continue;
			var b = rows[i].querySelector('button.vz-show-path'); b.scrollIntoView({block: 'center'});
			var r = b.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2};
		}
		return {X: -1, Y: -1}; })()`)
	if btn.X < 0 {
		t.Fatal("no held-across-call row with a button in the Critical path table")
	}
	if err := p.Click(btn.X, btn.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(400 * time.Millisecond)
	st := eval[pathState](t, p, pathStateJS)
	if st.Shown < 0 || st.Steps == 0 {
		t.Fatalf("no path highlighted after the click: %+v", st)
	}
	if st.Rows < 2 {
		t.Errorf("the held-across-call path stays on %d row: it should hand off to the lock's holder", st.Rows)
	}
	if !strings.Contains(st.Note, "Critical path of region held-across-call") {
		t.Errorf("the timeline's note says %q", st.Note)
	}
	shoot(t, p, "critical-path", false)
	// Escape clears it.
	eval[bool](t, p, `(vz.tl.tc.el.focus(), true)`)
	if err := p.Keys(browser.KeyEscape); err != nil {
		t.Fatal(err)
	}
	p.Sleep(200 * time.Millisecond)
	if st := eval[pathState](t, p, pathStateJS); st.Shown >= 0 || st.Rows > 0 || st.Note != "" {
		t.Errorf("Escape left the path shown: %+v", st)
	}
	// A goroutine's own path, from its details.
	eval[bool](t, p, `(vz.selectRow(vz.rowOfG(1), true), true)`)
	b := eval[point](t, p, `(function () { var b = document.querySelector('#vz-detail-body button.vz-path-button');
		if (!b) return {X: -1, Y: -1}; var r = b.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`)
	if b.X < 0 {
		t.Fatal("no \"show critical path\" button in main's details")
	}
	if err := p.Click(b.X, b.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(300 * time.Millisecond)
	if st := eval[pathState](t, p, pathStateJS); st.Shown < 0 || st.Steps == 0 {
		t.Errorf("\"show critical path\" highlighted nothing: %+v", st)
	}
	if txt := eval[string](t, p, `document.querySelector('#vz-detail-body button.vz-path-button').textContent`); txt != "hide the critical path" {
		t.Errorf("the button says %q once the path is shown", txt)
	}
	if m := p.Console(); len(m) > 0 {
		t.Errorf("console: %v", m)
	}
}

// TestUnnamedMutexServer: the corpus' HTTP server serialised by a plain
// sync.Mutex: the handlers' waits say which handler woke them at its
// Unlock, the call-site table says who held the lock and where it was
// released, and a handler's critical path shows the hand-offs. With no
// annotation in the program.
func TestUnnamedMutexServer(t *testing.T) {
	path := causalReport(t, "http-mutex", "testdata/corpus/http-mutex.trace.gz")
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	tg := eval[wakeTarget](t, p, fmt.Sprintf(`%s(%q, %q)`, wakeTargetJS, `conn\)\.serve`, `conn\)\.serve`))
	if !tg.Found {
		t.Fatal("no handler's wait woken by another handler")
	}
	want := regexp.MustCompile(`^woken by G\d+ net/http\.\(\*conn\)\.serve at Mutex\.Unlock \(main\.go:\d+\)$`)
	tip, _ := hoverWake(t, p, tg)
	if !want.MatchString(tg.Text) || !strings.Contains(tip, tg.Text) {
		t.Errorf("the handler's wait says %q (tooltip %q), want %s", tg.Text, tip, want)
	}
	held := eval[string](t, p, `Array.from(document.querySelectorAll('#sites td.holders')).map(function (c) { return c.innerText; }).join('\n')`)
	if !regexp.MustCompile(`G\d+ net/http\.\(\*conn\)\.serve, released at main\.main\.handler\.func2 \(main\.go:\d+\): others waited`).MatchString(held) {
		t.Errorf("the call-site table's holders say %q", held)
	}
	// The handler's path, and going to a waker, timed as the interaction
	// benchmarks time them (logged, not asserted: speed is the machine's).
	eval[bool](t, p, fmt.Sprintf(`(vz.selectRow(%d, true), true)`, tg.Row))
	t.Logf("show a handler's critical path: %.1f ms", timed(t, p, `document.querySelector('#vz-detail-body button.vz-path-button').click()`))
	p.Sleep(300 * time.Millisecond)
	if st := eval[pathState](t, p, pathStateJS); st.Shown < 0 || st.Rows < 2 {
		t.Errorf("the handler's critical path is not on several rows: %+v", st)
	}
	eval[bool](t, p, `(vz.closeDetail(), document.getElementById('timeline').scrollIntoView(), true)`)
	p.Sleep(200 * time.Millisecond)
	shoot(t, p, "unnamed-mutex-path", false)
	t.Logf("go to a waker: %.1f ms", timed(t, p, fmt.Sprintf(`vz.gotoG(%d)`, tg.Waker)))
	eval[bool](t, p, `(vz.closeDetail(), document.getElementById('sites').scrollIntoView(), true)`)
	p.Sleep(200 * time.Millisecond)
	shoot(t, p, "unnamed-mutex-holders", false)
	if m := p.Console(); len(m) > 0 {
		t.Errorf("console: %v", m)
	}
}

// timed runs js in the page and returns how long it took to show (to the
// second animation frame after it), in ms.
func timed(t testing.TB, p *browser.Page, js string) float64 {
	t.Helper()
	ms, err := browser.EvalAsync[float64](p, `new Promise(function (done) {
		var t0 = performance.now();
		`+js+`;
		requestAnimationFrame(function () { requestAnimationFrame(function () { done(performance.now() - t0); }); });
	})`)
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return ms
}

// TestDiffCriticalPath: vizrun diff's page charts the program's critical
// path of both traces, part by part (net-idle against net-load: main's
// sleeps and work against a main that only sleeps), offline, every chart
// painted.
func TestDiffCriticalPath(t *testing.T) {
	out := filepath.Join(shared.dir, "diff-net.html")
	vizrun(t, "diff", "-o", out, "testdata/corpus/net-idle.trace.gz", "testdata/corpus/net-load.trace.gz")
	p := openPage(t, out, 60*time.Second)
	checkLoaded(t, p, out)
	eval[bool](t, p, `(document.getElementById('critical-path').scrollIntoView(), true)`)
	p.Sleep(200 * time.Millisecond)
	shoot(t, p, "diff-critical-path", false)
	labels := eval[[]string](t, p, `vz.D.bars['diff-path'].labels`)
	if !slices.Contains(labels, "running main.main") || !slices.ContainsFunc(labels, func(s string) bool { return strings.HasPrefix(s, "sleep at main.main") }) {
		t.Errorf("the critical path chart's parts are %q, want main's running and its sleeps", labels)
	}
}
