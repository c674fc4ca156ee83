//go:build browser

// These tests open reports in a real headless Chromium. They need Chromium
// (make test installs Debian's) and run with: go test -tags browser ./internal/browser
package browser_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/trace"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/browser"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/workload"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

const repo = "../.."

// shared holds reports made once for several tests.
var shared struct {
	dir string

	examplesOnce sync.Once
	examples     string
	examplesErr  error

	mixedOnce sync.Once
	mixed     string
	mixedErr  error
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vizrun-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	shared.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// examplesDir is a directory of every example's report and trace (made
// once; VIZRUN_EXAMPLES_DIR names reports made by vizrun examples earlier).
func examplesDir(t testing.TB) string {
	t.Helper()
	shared.examplesOnce.Do(func() {
		if d := os.Getenv("VIZRUN_EXAMPLES_DIR"); d != "" {
			shared.examples = d
			return
		}
		shared.examples = filepath.Join(shared.dir, "examples")
		_, shared.examplesErr = runVizrun("examples", "-o", shared.examples)
	})
	if shared.examplesErr != nil {
		t.Fatal(shared.examplesErr)
	}
	return shared.examples
}

// mixedReport is the report of the committed mixed trace.
func mixedReport(t testing.TB) string {
	t.Helper()
	shared.mixedOnce.Do(func() {
		shared.mixed = filepath.Join(shared.dir, "mixed.html")
		_, shared.mixedErr = runVizrun("report", "-o", shared.mixed, "testdata/go1.26-mixed.trace")
	})
	if shared.mixedErr != nil {
		t.Fatal(shared.mixedErr)
	}
	return shared.mixed
}

// artifacts is where screenshots go: $VIZRUN_ARTIFACTS, else artifacts/ at
// the top of the repository (ignored by git).
func artifacts(t testing.TB) string {
	dir := os.Getenv("VIZRUN_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repo, "artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// shoot saves what the window shows (or the whole page) as name.png.
func shoot(t testing.TB, p *browser.Page, name string, whole bool) {
	var png []byte
	var err error
	if whole {
		png, err = p.Screenshot()
	} else {
		png, err = p.Viewport()
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(artifacts(t), name+".png"), png, 0o644); err != nil {
		t.Error(err)
	}
}

func startBrowser(t testing.TB) *browser.Browser {
	t.Helper()
	b, err := browser.Start(1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// openPage opens the report at path in a new browser, until the test ends.
func openPage(t testing.TB, path string, timeout time.Duration) *browser.Page {
	t.Helper()
	p, err := startBrowser(t).Open(path, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// vizrun runs the command from the repository.
func vizrun(t testing.TB, args ...string) string {
	t.Helper()
	out, err := runVizrun(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var buildOnce sync.Once
var buildErr error

// runVizrun runs vizrun, built once for the whole test binary.
func runVizrun(args ...string) (string, error) {
	exe := filepath.Join(shared.dir, "vizrun")
	buildOnce.Do(func() {
		cmd := exec.Command("go", "build", "-o", exe, "./cmd/vizrun")
		cmd.Dir = repo
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building vizrun: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		return "", buildErr
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("vizrun %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func eval[T any](t testing.TB, p *browser.Page, expr string) T {
	t.Helper()
	v, err := browser.Eval[T](p, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// settle waits until every time chart has followed the window.
func settle(t testing.TB, p *browser.Page) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if eval[bool](t, p, `vz.windowSettled()`) {
			p.Sleep(50 * time.Millisecond)
			return
		}
		p.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the time charts did not follow the window")
}

// checkLoaded asserts what every report must do in a browser: nothing in
// the console, no request but the page itself, every chart painted.
func checkLoaded(t *testing.T, p *browser.Page, path string) {
	t.Helper()
	for _, m := range p.Console() {
		t.Errorf("console: %s", m)
	}
	abs, _ := filepath.Abs(path)
	urls, failed := p.Requests()
	for _, u := range urls {
		if strings.SplitN(u, "#", 2)[0] != "file://"+abs {
			t.Errorf("request for %s", u)
		}
	}
	for _, f := range failed {
		t.Errorf("failed request %s", f)
	}
	inks, err := p.Charts()
	if err != nil {
		t.Fatal(err)
	}
	empty := eval[[]string](t, p, `Array.from(document.querySelectorAll('.chart.empty')).map(function (e) { return e.id; })`)
	for _, ink := range inks {
		isEmpty := false
		for _, e := range empty {
			isEmpty = isEmpty || e == ink.ID
		}
		if isEmpty {
			continue // a chart with nothing to show says so in words
		}
		if ink.Width == 0 || ink.Height == 0 || ink.Painted <= 0 {
			t.Errorf("chart %s is blank: %+v", ink.ID, ink)
		}
	}
	for _, id := range []string{"vz-timeline", "vz-running"} {
		for _, e := range empty {
			if e == id {
				t.Errorf("chart %s shows nothing", id)
			}
		}
	}
	// The page's side of the contract: every chart the table lists drew
	// with the series it declares, and every function options may call
	// exists.
	bad := eval[[]string](t, p, `(function () {
		var out = [];
		vz.D.charts.forEach(function (s) {
			var c = vz.charts[s.key];
			if (!c) return;
			var names = c.getOption().series.map(function (x) { return x.name; });
			if (JSON.stringify(names) !== JSON.stringify(s.series)) out.push(s.key + ": " + JSON.stringify(names) + " != " + JSON.stringify(s.series));
			if (c.getDom().id !== s.id) out.push(s.key + " drawn in " + c.getDom().id);
		});
		vz.D.funcs.forEach(function (f) {
			var v = window;
			f.split(".").forEach(function (k) { v = v && v[k]; });
			if (typeof v !== "function") out.push(f + " is not a function");
		});
		return out;
	})()`)
	for _, b := range bad {
		t.Errorf("contract: %s", b)
	}
}

// expectedRows is how many rows the goroutine timeline must show at first
// for t: one per user goroutine (at most 300) and one for the runtime's.
func expectedRows(t *parse.Trace) int {
	user, sys := 0, 0
	for _, g := range t.Goroutines {
		if g.System {
			sys = 1
		} else {
			user++
		}
	}
	if user > 300 {
		return -1 // folded: not checked here
	}
	return user + sys
}

// point is a place on the page, in CSS pixels of the window.
type point struct{ X, Y float64 }

// rowPoint scrolls the goroutine timeline into view and returns where row
// r (an index into the timeline's rows) is drawn at time at.
const rowPointJS = `(function (r, at) {
	var g = vz.tl, i = g.order.indexOf(r);
	if (i < 0) return null;
	g.show(i); g.refresh();
	var box = g.tc.box;
	box.scrollIntoView({block: 'center'});
	var rect = box.getBoundingClientRect(), gr = vz.gridOf(g.tc);
	return {X: rect.left + vz.toPx(g.tc, at), Y: rect.top + gr.top + (i - g.first + 0.5) * vz.gantt.ROW};
})`

// tipText is the text of the page's tooltip, or "" when hidden.
const tipTextJS = `(function () { var t = document.getElementById('vz-tip'); return t.hidden ? '' : t.innerText; })()`

// hoverSpan hovers the longest span with a stack in the timeline and
// returns the tooltip's text, with what it should say.
func hoverSpan(t *testing.T, p *browser.Page) (tip string, want []string) {
	t.Helper()
	type target struct {
		Row       int
		Start, D  float64
		Name, Dur string
		Frame     string
		Found     bool
	}
	tg := eval[target](t, p, `(function () {
		var g = vz.tl, best = null;
		g.tiles.forEach(function (td, ti) {
			if (td.why !== 'trace') return;
			td.rows.forEach(function (r, k) {
				if (g.order.indexOf(r) < 0) return;
				var d = g.decode(ti, k);
				for (var i = 0; i < d.n; i++) {
					if (d.r[i] > 0 && (!best || d.e[i] - d.s[i] > best.d)) best = {row: r, start: d.s[i], d: d.e[i] - d.s[i], code: d.c[i], ref: d.r[i]};
				}
			});
		});
		if (!best) return {Found: false};
		return {Row: best.row, Start: best.start, D: best.d, Name: vz.D.palette[best.code].name, Dur: vz.fmt.dur(best.d),
			Frame: vz.D.frames[vz.D.stacks[best.ref - 1][0]], Found: true};
	})()`)
	if !tg.Found {
		t.Skip("no span with a stack in this report")
	}
	eval[bool](t, p, fmt.Sprintf(`(vz.setWindow(%f, %f), true)`, tg.Start-tg.D*0.1, tg.Start+tg.D*1.1))
	pt := eval[point](t, p, fmt.Sprintf(`%s(%d, %f)`, rowPointJS, tg.Row, tg.Start+tg.D/2))
	p.Sleep(200 * time.Millisecond)
	if err := p.Mouse(pt.X, pt.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(300 * time.Millisecond)
	tip = eval[string](t, p, tipTextJS)
	return strings.Join(strings.Fields(tip), " "), []string{tg.Name, tg.Dur, strings.Join(strings.Fields(tg.Frame), " ")}
}

func TestExampleReports(t *testing.T) {
	dir := examplesDir(t)
	reports, _ := filepath.Glob(filepath.Join(dir, "*.html"))
	if len(reports) < 3 {
		t.Fatalf("%d reports in %s", len(reports), dir)
	}
	b := startBrowser(t)
	for _, path := range reports {
		name := strings.TrimSuffix(filepath.Base(path), ".html")
		t.Run(name, func(t *testing.T) {
			ready := `body[data-vz-ready]`
			if name == "index" {
				ready = `table.index`
			}
			p, err := b.OpenUntil(path, ready, 60*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if name == "index" {
				n := eval[int](t, p, `document.querySelectorAll('table.index tbody tr a').length`)
				if n != len(reports)-1 {
					t.Errorf("index links %d reports, want %d", n, len(reports)-1)
				}
				return
			}
			checkLoaded(t, p, path)
			tr, err := parse.ReadFile(strings.TrimSuffix(path, ".html")+".trace", parse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			rows := eval[int](t, p, `vz.tl.order.length`)
			if want := expectedRows(tr); want >= 0 && rows != want {
				t.Errorf("timeline shows %d rows, want %d", rows, want)
			}
			shoot(t, p, name, true)
			// Hovering a span shows its state, duration and stack.
			tip, want := hoverSpan(t, p)
			for _, w := range want {
				if !strings.Contains(tip, w) {
					t.Errorf("tooltip %q lacks %q", tip, w)
				}
			}
			t.Logf("painted in %.0f ms; %d rows; tooltip %q", p.ReadyMs, rows, tip)
		})
	}
}

// TestHostileNames: names made of HTML and script render as text and run
// nothing.
func TestHostileNames(t *testing.T) {
	const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "evil.trace")
	err := report.Run(report.Config{TraceFile: tracePath}, func(ctx context.Context) error {
		ctx, task := tracer.Task(ctx, payload)
		defer task.End()
		mu := tracer.NewMutex(payload)
		ch := make(chan int)
		var wg sync.WaitGroup
		wg.Add(2)
		mu.Lock()
		tracer.Go(ctx, payload, func(ctx context.Context) {
			defer wg.Done()
			defer tracer.Region(ctx, payload).End()
			tracer.Log(ctx, payload, payload)
			mu.Lock()
			mu.Unlock()
			tracer.Send(ctx, payload, ch, 1)
		})
		tracer.Go(ctx, "receiver", func(ctx context.Context) {
			defer wg.Done()
			time.Sleep(20 * time.Millisecond)
			tracer.Recv(ctx, payload, ch)
		})
		time.Sleep(20 * time.Millisecond)
		mu.Unlock()
		wg.Wait()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "evil.html")
	vizrun(t, "report", "-o", path, tracePath)
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	if v := eval[string](t, p, `String(window.__pwned)`); v != "undefined" {
		t.Fatalf("a name ran as script: window.__pwned = %s", v)
	}
	if n := eval[int](t, p, `document.querySelectorAll('img').length`); n != 0 {
		t.Errorf("%d img elements: a name became markup", n)
	}
	text := eval[string](t, p, `document.body.innerText`)
	if !strings.Contains(text, payload) {
		t.Error("the names are not shown as text")
	}
	// Open the detail panel of the hostile goroutine: text again.
	eval[bool](t, p, `(function () { var rows = vz.tl.rows;
		for (var r = 0; r < rows.length; r++) if (rows[r].label.indexOf('<img') >= 0) { vz.showDetail(r); return true; } return false; })()`)
	if v := eval[string](t, p, `String(window.__pwned)`); v != "undefined" {
		t.Fatalf("the detail panel ran a name as script: %s", v)
	}
	if d := eval[string](t, p, `document.getElementById('vz-detail').innerText`); !strings.Contains(d, payload) {
		t.Errorf("detail panel %q does not show the name as text", d)
	}
	eval[bool](t, p, `(vz.closeDetail(), true)`)
	tip, _ := hoverSpan(t, p)
	if v := eval[string](t, p, `String(window.__pwned)`); v != "undefined" {
		t.Fatalf("a tooltip ran a name as script: %s (tooltip %q)", v, tip)
	}
	// Hover the tasks-and-regions timeline and the processors too.
	for _, key := range []string{"spans", "procs"} {
		pts := eval[[]point](t, p, `(function (key) {
			var c = vz.charts[key], box = c.getDom().parentNode; box.scrollIntoView({block: 'center'});
			var r = box.getBoundingClientRect(), out = [];
			for (var x = 0.05; x < 1; x += 0.05) out.push({X: r.left + r.width * x, Y: r.top + 20});
			return out; })('`+key+`')`)
		for _, pt := range pts {
			p.Mouse(pt.X, pt.Y)
		}
	}
	if v := eval[string](t, p, `String(window.__pwned)`); v != "undefined" {
		t.Fatalf("a tooltip ran a name as script: %s", v)
	}
}

// TestNarrowWindow: on a phone-sized window the page does not overflow
// sideways and the charts still paint.
func TestNarrowWindow(t *testing.T) {
	path := mixedReport(t)
	p := openPage(t, path, 60*time.Second)
	if err := p.Resize(390, 844); err != nil {
		t.Fatal(err)
	}
	p.Sleep(500 * time.Millisecond) // the charts redraw on resize
	checkLoaded(t, p, path)
	w := eval[[2]float64](t, p, `[document.documentElement.scrollWidth, window.innerWidth]`)
	if w[0] > w[1]+2 {
		wide := eval[[]string](t, p, `Array.from(document.querySelectorAll('body *')).filter(function (e) { var r = e.getBoundingClientRect(); if (e.closest('table') && e.tagName !== 'TABLE') return false; return r.right > window.innerWidth + 2; }).slice(0, 8).map(function (e) { return e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right) + ' ' + getComputedStyle(e).display + ' ' + (e.parentElement && e.parentElement.tagName); })`)
		t.Errorf("page is %v px wide in a %v px window; too wide: %v", w[0], w[1], wide)
	}
	shoot(t, p, "narrow", true)
}

// TestLargeTraceReport: a trace of many goroutines and events stays under
// 10 MB as a report, and the page loads and paints.
func TestLargeTraceReport(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "large.trace")
	recordTrace(t, tracePath, func() { busy(2000, 1500*time.Millisecond) })
	st, _ := os.Stat(tracePath)
	path := filepath.Join(dir, "large.html")
	vizrun(t, "report", "-o", path, tracePath)
	rst, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if rst.Size() > 10<<20 {
		t.Errorf("report of a %d MB trace is %.1f MB, over 10 MB", st.Size()>>20, float64(rst.Size())/(1<<20))
	}
	p := openPage(t, path, 120*time.Second)
	checkLoaded(t, p, path)
	rows := eval[int](t, p, `vz.tl.order.length`)
	if rows > 301 || rows < 10 {
		t.Errorf("large trace timeline shows %d rows", rows)
	}
	t.Logf("trace %.1f MB -> report %.1f MB, %d rows, painted in %.0f ms", float64(st.Size())/(1<<20), float64(rst.Size())/(1<<20), rows, p.ReadyMs)
}

// recordTrace traces fn into path.
func recordTrace(t testing.TB, path string, fn func()) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		t.Fatal(err)
	}
	fn()
	trace.Stop()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// busy runs n goroutines that pass messages, take a lock and sleep for d.
func busy(n int, d time.Duration) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	ch := make(chan int, 16)
	go func() {
		for range ch {
		}
	}()
	for i := range n {
		wg.Add(1)
		workload.Go(fmt.Sprintf("worker-%d", i%13), func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				mu.Lock()
				x := math.Sqrt(float64(i))
				mu.Unlock()
				select {
				case ch <- int(x):
				default:
				}
				time.Sleep(time.Duration(1+i%7) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(ch)
}
