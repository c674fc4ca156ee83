package parse_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	rtrace "runtime/trace"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/workload"
)

// The fuzz targets' seed corpora, under testdata/fuzz, are small real
// traces (and cuts of them) written by:
//
//	go test ./internal/parse -run TestWriteFuzzCorpus -corpus
//
// Crashers the fuzzer finds are added next to them and kept as regression
// seeds. `go test` runs every seed; `make fuzz` fuzzes for a bounded time.
var writeCorpus = flag.Bool("corpus", false, "rewrite the fuzz seed corpora from freshly recorded traces")

// FuzzRead: whatever the input, Read returns a model or an error saying
// what is wrong, never panics, and the model it returns is consistent,
// decoded sequentially or in parallel alike.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		// No hang: inputs are small (the fuzzer's are at most 1 MB), so
		// seconds are a hang, whatever the machine's load.
		start := time.Now()
		defer func() {
			if d := time.Since(start); d > 10*time.Second {
				t.Fatalf("reading %d bytes took %v", len(data), d)
			}
		}()
		// A small span budget exercises coarsening on small inputs.
		tr, err := parse.Read(bytes.NewReader(data), parse.Options{MaxSpans: 512, Decoders: 1})
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("an error that says nothing")
			}
		} else {
			checkInvariants(t, tr)
			if err := tr.Check(); err != nil {
				t.Fatal(err)
			}
			// Critical paths walk the wake-ups: they end, and cover no
			// more than they explain.
			for i, g := range tr.Goroutines {
				if i == 8 {
					break
				}
				end := g.Ended
				if end < 0 {
					end = tr.Duration
				}
				p := tr.CriticalPath(g.ID, 0, end)
				if l := p.Length(); l > end || l < 0 {
					t.Fatalf("G%d: a critical path of %d ns for %d ns", g.ID, l, end)
				}
				tr.Breakdown(&p)
			}
		}
		par, perr := parse.Read(bytes.NewReader(data), parse.Options{MaxSpans: 512, Decoders: 2})
		if (err == nil) != (perr == nil) {
			t.Fatalf("sequential error %v, parallel error %v", err, perr)
		}
		if err == nil && (par.Generations != tr.Generations || par.Duration != tr.Duration || len(par.Goroutines) != len(tr.Goroutines)) {
			t.Fatalf("sequential: %d generations, %d ns, %d goroutines; parallel: %d, %d, %d",
				tr.Generations, tr.Duration, len(tr.Goroutines), par.Generations, par.Duration, len(par.Goroutines))
		}
	})
}

// seedTraces records small traces covering what the parser follows: named
// goroutines, regions, tasks, logs, blocking of every kind, a leak, and a
// trace of several generations.
func seedTraces(t *testing.T) map[string][]byte {
	seeds := map[string][]byte{}
	add := func(name string, fn func()) {
		data, err := workload.Capture(fn)
		if err != nil {
			t.Fatal(err)
		}
		seeds[name] = data
	}
	add("sleep", func() { workload.Sleep(time.Millisecond) })
	add("chan", func() { workload.ChanWait(2 * time.Millisecond) })
	add("mutex", func() { workload.MutexContention(3, time.Millisecond) })
	add("rwmutex", func() { workload.RWMutexWait(2, time.Millisecond) })
	add("select", func() { workload.SelectTimer(time.Millisecond) })
	add("annotated", func() {
		ctx, task := rtrace.NewTask(context.Background(), "request")
		rtrace.Log(ctx, "note", "a log <b>&</b> \xff")
		workload.Phase("phase", func() { workload.Spin(100 * time.Microsecond) })
		rtrace.Log(ctx, parse.RegionWait+"x", "y")
		task.End()
	})
	gens, err := workload.CaptureGenerations(t.TempDir(), 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ends := parse.GenerationEnds(gens)
	if len(ends) < 3 {
		t.Fatalf("%d generations", len(ends))
	}
	seeds["generations"] = gens[:ends[2]]     // three whole generations
	seeds["cut"] = gens[:(ends[0]+ends[1])/2] // cut in the second
	seeds["header"] = gens[:16]               // a header alone
	seeds["text"] = []byte("go 1.26 trace\x00\x00\x00not a batch")
	return seeds
}

// TestWriteFuzzCorpus rewrites the seed corpora with -corpus; without it,
// it checks they are there.
func TestWriteFuzzCorpus(t *testing.T) {
	dirs := []string{"testdata/fuzz/FuzzRead", "../../html/testdata/fuzz/FuzzRender"}
	if !*writeCorpus {
		for _, d := range dirs {
			if es, err := os.ReadDir(d); err != nil || len(es) < 5 {
				t.Errorf("seed corpus %s missing or thin (%v); write it with -corpus", d, err)
			}
		}
		return
	}
	for name, data := range seedTraces(t) {
		for _, d := range dirs {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
			if err := os.WriteFile(filepath.Join(d, "seed-"+name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("seed %s: %d bytes", name, len(data))
	}
}
