package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkSummaryFleet reads 40 traces of 10 MB (internal/tracegen's
// workload) with vizrun summary DIR: go test -run '^$' -bench SummaryFleet
// -benchtime 3x ./cmd/vizrun (make bench-fleet). VIZRUN_FLEET_DIR keeps
// the traces between runs (they take a minute to record).
func BenchmarkSummaryFleet(b *testing.B) {
	dir := os.Getenv("VIZRUN_FLEET_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	const n, size = 40, "10MB"
	var gen string
	var bytes int64
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("snap-%02d.trace", i))
		if st, err := os.Stat(p); err == nil && st.Size() >= 10<<20 {
			bytes += st.Size()
			continue
		}
		if gen == "" {
			gen = filepath.Join(b.TempDir(), "tracegen")
			build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", gen, "../../internal/tracegen/cmd/tracegen")
			if out, err := build.CombinedOutput(); err != nil {
				b.Fatalf("building tracegen: %v\n%s", err, out)
			}
		}
		if out, err := exec.Command(gen, "-size", size, "-o", p).CombinedOutput(); err != nil {
			b.Fatalf("tracegen: %v\n%s", err, out)
		}
		st, err := os.Stat(p)
		if err != nil {
			b.Fatal(err)
		}
		bytes += st.Size()
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	for b.Loop() {
		if err := run(context.Background(), []string{"summary", dir}, nil, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
