//go:build browser

package browser_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/browser"
	"github.com/vizrun/vizrun/internal/workload"
)

// BenchmarkPaint measures, in headless Chromium, the time from opening a
// report to every chart having painted (the page's own performance.now()
// when it marks itself ready), and the report's size: for an example's
// report and for the report of a large trace. VIZRUN_BENCH_TRACE names a
// trace to use as the large one (make bench passes its ~100 MB trace);
// without it a trace of a few MB is recorded here.
//
//	go test -tags browser -run ^$ -bench Paint ./internal/browser
func BenchmarkPaint(b *testing.B) {
	dir := b.TempDir()
	example := filepath.Join(dir, "lock-across-await.html")
	if _, err := runVizrun("examples", "-o", dir, "lock-across-await"); err != nil {
		b.Fatal(err)
	}
	large := os.Getenv("VIZRUN_BENCH_TRACE")
	if large == "" {
		large = filepath.Join(dir, "large.trace")
		recordTrace(b, large, func() { busy(2000, 1500*time.Millisecond) })
	}
	largeReport := filepath.Join(dir, "large.html")
	if _, err := runVizrun("report", "-o", largeReport, large); err != nil {
		b.Fatal(err)
	}
	br := startBrowser(b)
	for _, c := range []struct{ name, path string }{{"example", example}, {"large", largeReport}} {
		b.Run(c.name, func(b *testing.B) {
			st, _ := os.Stat(c.path)
			var total float64
			for b.Loop() {
				p, err := br.Open(c.path, 120*time.Second)
				if err != nil {
					b.Fatal(err)
				}
				total += p.ReadyMs
				p.Close()
			}
			b.ReportMetric(total/float64(b.N), "paint-ms")
			b.ReportMetric(float64(st.Size())/(1<<20), "html-MB")
		})
	}
}

// tenThousand records a trace of 10,000 goroutines of a dozen kinds that
// pass messages, take a lock and sleep, and writes its report.
func tenThousand(t testing.TB) string {
	t.Helper()
	tenOnce.Do(func() {
		dir := filepath.Join(shared.dir, "tenk")
		os.MkdirAll(dir, 0o755)
		tr := filepath.Join(dir, "tenk.trace")
		f, err := os.Create(tr)
		if err != nil {
			tenErr = err
			return
		}
		tenErr = workloadTrace(f, func() { busy(10000, 1200*time.Millisecond) })
		f.Close()
		if tenErr == nil {
			tenPath = filepath.Join(dir, "tenk.html")
			_, tenErr = runVizrun("report", "-o", tenPath, tr)
		}
	})
	if tenErr != nil {
		t.Fatal(tenErr)
	}
	return tenPath
}

var (
	tenOnce sync.Once
	tenPath string
	tenErr  error
)

func workloadTrace(f *os.File, fn func()) error {
	data, err := workload.Capture(fn)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return err
}

// interaction is one thing a person does, timed in the page from the
// event to the second animation frame after it (the frame it shows in).
type interaction struct {
	name string
	js   string // runs the interaction
}

var interactions = []interaction{
	{"first zoom", `vz.zoomBy(0.25)`},
	{"zoom to 1 ms", `vz.setWindow(vz.D.duration / 2, vz.D.duration / 2 + 1e6)`},
	{"pan at 1 ms", `vz.panBy(0.5)`},
	{"zoom out from 1 ms", `vz.resetWindow()`},
	{"scroll rows", `(vz.tl.first = Math.min(vz.tl.first + 30, vz.tl.order.length - vz.tl.visible), vz.tl.refresh())`},
	{"filter", `(function () { var f = document.getElementById('vz-filter'); f.value = 'worker-3'; f.dispatchEvent(new Event('input')); })()`},
	{"clear filter", `(function () { var f = document.getElementById('vz-filter'); f.value = ''; f.dispatchEvent(new Event('input')); })()`},
	{"expand group", `vz.toggleGroup(vz.tl.rows.findIndex(function (r) { return r.kind === 'fold' && vz.tl.members[vz.tl.rows.indexOf(r)]; }))`},
	{"select row", `vz.selectRow(vz.tl.order[5], true)`},
	{"show critical path", `vz.showPath(vz.D.paths.length - 1, true)`},
	{"clear critical path", `vz.showPath(-1)`},
	{"go to a waker", `(function () { var w = vz.D.wakes.filter(function (w) { return w.g > 0; })[0]; if (w) vz.gotoG(vz.D.gs[w.g - 1][0]); })()`},
	{"drag select", `vz.setWindow(vz.D.duration * 0.4, vz.D.duration * 0.45)`},
	{"reset", `vz.resetWindow()`},
}

// timeInteractions runs each interaction on the page (scrolled to the
// timeline) and returns how long each took to show, in ms.
func timeInteractions(t testing.TB, p *browser.Page) map[string]float64 {
	t.Helper()
	eval[bool](t, p, `(document.getElementById('timeline').scrollIntoView(), true)`)
	p.Sleep(300 * time.Millisecond)
	out := map[string]float64{}
	for _, in := range interactions {
		ms, err := browser.EvalAsync[float64](p, `new Promise(function (done) {
			var t0 = performance.now();
			`+in.js+`;
			requestAnimationFrame(function () { requestAnimationFrame(function () { done(performance.now() - t0); }); });
		})`)
		if err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		out[in.name] = ms
		p.Sleep(100 * time.Millisecond)
	}
	return out
}

// TestInteractions10k runs every interaction on the report of 10,000
// goroutines and logs how long each took. It asserts that they work
// (nothing in the console, the charts follow) but not their speed, which
// depends on the machine: BenchmarkInteractions reports the figures.
func TestInteractions10k(t *testing.T) {
	if testing.Short() {
		t.Skip("records a trace of 10,000 goroutines")
	}
	path := tenThousand(t)
	p := openPage(t, path, 120*time.Second)
	checkLoaded(t, p, path)
	if n := eval[int](t, p, `vz.tl.rows.filter(function (r) { return r.kind === 'g'; }).length`); n < 300 {
		t.Errorf("only %d goroutine rows for 10,000 goroutines", n)
	}
	ms := timeInteractions(t, p)
	settle(t, p)
	var names []string
	for n := range ms {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		t.Logf("%-20s %6.1f ms", n, ms[n])
	}
	for _, m := range p.Console() {
		t.Errorf("console: %s", m)
	}
	shoot(t, p, "tenk", false)
}

// BenchmarkInteractions reports, for the report of 10,000 goroutines, the
// time each interaction takes to show in headless Chromium (ms, the
// slowest of the runs), and the time to first paint.
//
//	go test -tags browser -run ^$ -bench Interactions ./internal/browser
func BenchmarkInteractions(b *testing.B) {
	path := tenThousand(b)
	br := startBrowser(b)
	worst := map[string]float64{}
	var paint float64
	for b.Loop() {
		p, err := br.Open(path, 120*time.Second)
		if err != nil {
			b.Fatal(err)
		}
		paint = max(paint, p.ReadyMs)
		for n, ms := range timeInteractions(b, p) {
			worst[n] = max(worst[n], ms)
		}
		p.Close()
	}
	b.ReportMetric(paint, "paint-ms")
	var all float64
	for _, in := range interactions {
		all = max(all, worst[in.name])
		fmt.Fprintf(os.Stderr, "%-20s %6.1f ms\n", in.name, worst[in.name])
	}
	b.ReportMetric(all, "slowest-ms")
}
