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
)

const repo = "../.."

// artifacts is where screenshots go: $VIZRUN_ARTIFACTS, else artifacts/ at
// the top of the repository (ignored by git).
func artifacts(t *testing.T) string {
	dir := os.Getenv("VIZRUN_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repo, "artifacts", "browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func startBrowser(t *testing.T) *browser.Browser {
	t.Helper()
	b, err := browser.Start(1400, 1000)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

// openPage opens the report at path in a new browser, until the test ends.
func openPage(t *testing.T, path string, timeout time.Duration) *browser.Page {
	t.Helper()
	p, err := startBrowser(t).Open(path, timeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// vizrun runs the command from the repository.
func vizrun(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runVizrun(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func vizrunB(b *testing.B, args ...string) {
	b.Helper()
	if _, err := runVizrun(args...); err != nil {
		b.Fatal(err)
	}
}

func runVizrun(args ...string) (string, error) {
	cmd := exec.Command("go", append([]string{"run", "./cmd/vizrun"}, args...)...)
	cmd.Dir = repo
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("vizrun %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

func startB() (*browser.Browser, error) { return browser.Start(1400, 1000) }

func eval[T any](t *testing.T, p *browser.Page, expr string) T {
	t.Helper()
	v, err := browser.Eval[T](p, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
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
		if u != "file://"+abs {
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
	for _, id := range []string{"vz-timeline", "vz-parallel"} {
		for _, e := range empty {
			if e == id {
				t.Errorf("chart %s shows nothing", id)
			}
		}
	}
}

// expectedRows is how many rows the goroutine timeline must draw for t:
// one per user goroutine (at most 300) and one for the runtime's.
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

// hoverSpan hovers the longest span with a stack in the timeline and
// returns the tooltip's text, with what it should say.
func hoverSpan(t *testing.T, p *browser.Page) (tip string, want []string) {
	t.Helper()
	type target struct {
		X, Y        float64
		Name, Frame string
		Dur         string
		Found       bool
	}
	tg := eval[target](t, p, `(function () {
		var D = JSON.parse(document.getElementById('vz-data').textContent);
		var best = null;
		D.timeline.segs.forEach(function (s, row) {
			for (var k = 0; k + 4 < s.length; k += 5) {
				if (s[k + 3] > 0 && (!best || s[k + 1] > best.d)) best = {row: row, start: s[k], d: s[k + 1], code: s[k + 2], ref: s[k + 3]};
			}
		});
		if (!best) return {Found: false};
		var el = document.getElementById('vz-timeline');
		el.scrollIntoView({block: 'center'});
		var c = vz.charts['vz-timeline'];
		// Show the row, then zoom to the span.
		c.dispatchAction({type: 'dataZoom', dataZoomIndex: 0, startValue: best.start, endValue: best.start + best.d});
		if (D.timeline.labels.length > 30) c.dispatchAction({type: 'dataZoom', dataZoomIndex: 2, startValue: Math.max(0, best.row - 5), endValue: Math.max(0, best.row - 5) + 29});
		var px = c.convertToPixel({seriesIndex: 0}, [best.start + best.d / 2, best.row]);
		// Bring that point to the middle of the window, clear of the header.
		window.scrollTo(0, window.scrollY + el.getBoundingClientRect().top + px[1] - window.innerHeight / 2);
		var r = el.getBoundingClientRect();
		return {X: r.left + px[0], Y: r.top + px[1], Name: D.names[best.code], Frame: D.frames[D.stacks[best.ref - 1][0]], Dur: vz.fmtDur(best.d), Found: true};
	})()`)
	if !tg.Found {
		t.Skip("no span with a stack in this report")
	}
	p.Sleep(200 * time.Millisecond)
	if err := p.Mouse(tg.X, tg.Y); err != nil {
		t.Fatal(err)
	}
	p.Sleep(400 * time.Millisecond)
	// The tooltip is the visible element of the chart with the most text.
	tip = eval[string](t, p, `Array.from(document.querySelectorAll('#vz-timeline div')).filter(function (d) { return getComputedStyle(d).display !== 'none' && d.innerText; }).map(function (d) { return d.innerText; }).sort(function (a, b) { return b.length - a.length; })[0] || ''`)
	return strings.Join(strings.Fields(tip), " "), []string{tg.Name, tg.Dur, strings.Join(strings.Fields(tg.Frame), " ")}
}

func TestExampleReports(t *testing.T) {
	// VIZRUN_EXAMPLES_DIR reuses reports made by vizrun examples earlier.
	dir := os.Getenv("VIZRUN_EXAMPLES_DIR")
	if dir == "" {
		dir = t.TempDir()
		vizrun(t, "examples", "-o", dir)
	}
	reports, _ := filepath.Glob(filepath.Join(dir, "*.html"))
	if len(reports) < 3 {
		t.Fatalf("%d reports in %s", len(reports), dir)
	}
	b := startBrowser(t)
	shots := artifacts(t)
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
			rows := eval[int](t, p, `vz.charts['vz-timeline'].getOption().yAxis[0].data.length`)
			if want := expectedRows(tr); want >= 0 && rows != want {
				t.Errorf("timeline draws %d rows, want %d", rows, want)
			}
			if shot, err := p.Screenshot(); err == nil {
				os.WriteFile(filepath.Join(shots, name+".png"), shot, 0o644)
			}
			// Hovering a span shows its state, duration and stack.
			tip, want := hoverSpan(t, p)
			for _, w := range want {
				if !strings.Contains(tip, w) {
					t.Errorf("tooltip %q lacks %q", tip, w)
				}
			}
			t.Logf("painted in %.0f ms; %d rows; tooltip %q", p.ReadyMs, rows, strings.ReplaceAll(tip, "\n", " | "))
		})
	}
}

// TestInteraction: zoom, filter, the detail panel and a finding's link, on
// the committed mixed trace's report.
func TestInteraction(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.html")
	vizrun(t, "report", "-o", path, "testdata/go1.26-mixed.trace")
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)

	zoom := func() [2]float64 {
		return eval[[2]float64](t, p, `(function () { var z = vz.charts['vz-timeline'].getOption().dataZoom[0]; return [z.start, z.end]; })()`)
	}
	if z := zoom(); z[0] != 0 || z[1] != 100 {
		t.Fatalf("timeline starts zoomed: %v", z)
	}
	// The mouse wheel over the timeline zooms in.
	c := eval[[2]float64](t, p, `(function () { var el = document.getElementById('vz-timeline'); el.scrollIntoView({block: 'center'}); var r = el.getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`)
	for range 3 {
		if err := p.Wheel(c[0], c[1], -300); err != nil {
			t.Fatal(err)
		}
		p.Sleep(150 * time.Millisecond)
	}
	if z := zoom(); z[1]-z[0] >= 99 {
		t.Errorf("the wheel did not zoom the timeline: window %v", z)
	} else {
		t.Logf("zoomed to %.1f%%-%.1f%%", z[0], z[1])
	}

	// Filtering keeps the matching rows.
	all := eval[int](t, p, `vz.charts['vz-timeline'].getOption().yAxis[0].data.length`)
	rows := eval[[]string](t, p, `(function () { var f = document.getElementById('vz-filter'); f.value = 'locker'; f.dispatchEvent(new Event('input')); return vz.charts['vz-timeline'].getOption().yAxis[0].data; })()`)
	if len(rows) != 3 || len(rows) >= all {
		t.Errorf("filter 'locker' shows %d of %d rows: %v", len(rows), all, rows)
	}
	for _, r := range rows {
		if !strings.Contains(r, "locker") {
			t.Errorf("filtered row %q", r)
		}
	}

	// Clicking a row opens its details.
	pt := eval[[2]float64](t, p, `(function () { var el = document.getElementById('vz-timeline'); el.scrollIntoView({block: 'center'}); var c = vz.charts['vz-timeline'];
		var px = c.convertToPixel({seriesIndex: 0}, [D_dur() / 2, 0]); var r = el.getBoundingClientRect(); return [r.left + px[0], r.top + px[1]];
		function D_dur() { return JSON.parse(document.getElementById('vz-data').textContent).duration; } })()`)
	if err := p.Click(pt[0], pt[1]); err != nil {
		t.Fatal(err)
	}
	p.Sleep(200 * time.Millisecond)
	detail := eval[string](t, p, `document.getElementById('vz-detail').hidden ? '' : document.getElementById('vz-detail').innerText`)
	for _, w := range []string{"locker", "group", "running", "blocked", "where it blocked", "sync.(*Mutex).Lock"} {
		if !strings.Contains(detail, w) {
			t.Errorf("detail panel %q lacks %q", detail, w)
		}
	}

	// A finding's link zooms the timeline to its moment.
	eval[bool](t, p, `(function () { var f = document.getElementById('vz-filter'); f.value = ''; f.dispatchEvent(new Event('input')); return true; })()`)
	eval[bool](t, p, `(function () { vz.charts['vz-timeline'].dispatchAction({type: 'dataZoom', dataZoomIndex: 0, start: 0, end: 100}); return true; })()`)
	link := eval[[2]float64](t, p, `(function () { var a = document.querySelector('a.vz-jump'); a.scrollIntoView({block: 'center'}); var r = a.getBoundingClientRect(); return [r.left + 5, r.top + r.height / 2]; })()`)
	if err := p.Click(link[0], link[1]); err != nil {
		t.Fatal(err)
	}
	p.Sleep(500 * time.Millisecond)
	if z := zoom(); z[1]-z[0] >= 99 {
		t.Errorf("the finding's link did not zoom the timeline: %v", z)
	}
}

// TestHostileNames: names made of HTML and script render as text and run
// nothing.
func TestHostileNames(t *testing.T) {
	const payload = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "evil.trace")
	err := tracer.Run(tracer.Config{TraceFile: tracePath}, func(ctx context.Context) error {
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
	eval[bool](t, p, `(function () { var D = JSON.parse(document.getElementById('vz-data').textContent);
		for (var r = 0; r < D.timeline.labels.length; r++) if (D.timeline.labels[r].indexOf('<img') >= 0) { vz.showDetail(r); return true; } return false; })()`)
	if v := eval[string](t, p, `String(window.__pwned)`); v != "undefined" {
		t.Fatalf("the detail panel ran a name as script: %s", v)
	}
	if d := eval[string](t, p, `document.getElementById('vz-detail').innerText`); !strings.Contains(d, payload) {
		t.Errorf("detail panel %q does not show the name as text", d)
	}
	tip, _ := hoverSpan(t, p)
	if v := eval[string](t, p, `String(window.__pwned)`); v != "undefined" {
		t.Fatalf("a tooltip ran a name as script: %s (tooltip %q)", v, tip)
	}
}

// TestNarrowWindow: on a phone-sized window the page does not overflow
// sideways and the charts still paint.
func TestNarrowWindow(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mixed.html")
	vizrun(t, "report", "-o", path, "testdata/go1.26-mixed.trace")
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
	if shot, err := p.Screenshot(); err == nil {
		os.WriteFile(filepath.Join(artifacts(t), "narrow.png"), shot, 0o644)
	}
}

// TestLargeTraceReport: a trace of many goroutines and events stays under
// 10 MB as a report, and the page loads and paints.
func TestLargeTraceReport(t *testing.T) {
	dir := t.TempDir()
	tracePath := filepath.Join(dir, "large.trace")
	f, err := os.Create(tracePath)
	if err != nil {
		t.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		t.Fatal(err)
	}
	busy(2000, 1500*time.Millisecond)
	trace.Stop()
	f.Close()
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
	rows := eval[int](t, p, `vz.charts['vz-timeline'].getOption().yAxis[0].data.length`)
	if rows > 301 || rows < 10 {
		t.Errorf("large trace timeline draws %d rows", rows)
	}
	t.Logf("trace %.1f MB -> report %.1f MB, %d rows, painted in %.0f ms", float64(st.Size())/(1<<20), float64(rst.Size())/(1<<20), rows, p.ReadyMs)
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
