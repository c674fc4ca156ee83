package html

import (
	"bytes"
	"io"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/tracegen"
)

// BenchmarkRender renders the report of a ~20 MB realistic trace
// (VIZRUN_BENCH_TRACE names another).
func BenchmarkRender(b *testing.B) {
	data, err := tracegen.BenchTrace()
	if err != nil {
		b.Fatal(err)
	}
	t, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var size int
	for b.Loop() {
		var w countWriter
		if err := Render(&w, t, summary.Build(t, ""), Options{}); err != nil {
			b.Fatal(err)
		}
		size = int(w)
	}
	b.ReportMetric(float64(size)/(1<<20), "html-MB")
}

type countWriter int

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)
