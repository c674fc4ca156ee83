package parse

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/vizrun/vizrun/internal/tracegen"
)

// BenchmarkBuild is the builder alone: the events of a trace (20 MB
// generated, or VIZRUN_BENCH_TRACE), decoded once beforehand, fed to a
// fresh builder per iteration. It is what the model costs beyond the bare
// reader (BenchmarkBareReader), without the decoder running beside it.
func BenchmarkBuild(b *testing.B) {
	data, err := tracegen.BenchTrace()
	if err != nil {
		b.Fatal(err)
	}
	r, err := trace.NewReader(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		b.Fatal(err)
	}
	var batch eventBatch
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		batch.add(&ev)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		bl := newBuilder(0)
		bl.taskEnds = batch.taskEnds
		for i := range batch.events {
			bl.event(&batch.events[i])
		}
		bl.finish()
	}
}
