//go:build browser

package browser_test

import (
	"os"
	"path/filepath"
	"runtime/trace"
	"testing"
	"time"
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
	vizrunB(b, "examples", "-o", dir, "lock-across-await")
	large := os.Getenv("VIZRUN_BENCH_TRACE")
	if large == "" {
		large = filepath.Join(dir, "large.trace")
		f, err := os.Create(large)
		if err != nil {
			b.Fatal(err)
		}
		trace.Start(f)
		busy(2000, 1500*time.Millisecond)
		trace.Stop()
		f.Close()
	}
	largeReport := filepath.Join(dir, "large.html")
	vizrunB(b, "report", "-o", largeReport, large)

	br, err := startB()
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
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
