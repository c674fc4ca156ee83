package parse_test

import (
	"bytes"
	"os"
	"reflect"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

var profileTraces = []string{
	"../../testdata/go1.26-mixed.trace",
	"../pprofout/testdata/go1.26-pprof.trace",
	"../../testdata/old/go1.21-http.trace",
	"../../testdata/old/go1.11-user-task-region.trace",
}

func readProfile(t *testing.T, data []byte, opt parse.Options, p *parse.Profile) *parse.Trace {
	t.Helper()
	opt.Profile = p
	tr, err := parse.Read(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestProfileExact: the profile adds up to every goroutine's totals and to
// the blocking call sites, to the nanosecond, whether the model keeps every
// span or merges most of them, and however many decoders read the trace.
func TestProfileExact(t *testing.T) {
	for _, path := range profileTraces {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var full parse.Profile
			tr := readProfile(t, data, parse.Options{Decoders: 1}, &full)
			if len(full.Samples) == 0 {
				t.Fatal("no samples")
			}
			got := map[parse.GoID]*parse.Totals{}
			for _, s := range full.Samples {
				tot := got[s.G]
				if tot == nil {
					tot = &parse.Totals{}
					got[s.G] = tot
				}
				switch s.State {
				case parse.StateRunning:
					tot.Running += s.Ns
					if s.Assist {
						tot.GCAssist += s.Ns
					}
				case parse.StateRunnable:
					tot.Runnable += s.Ns
				case parse.StateSyscall:
					tot.Syscall += s.Ns
				case parse.StateBlocked:
					tot.Blocked[s.Reason] += s.Ns
					tot.Waits += s.Count
				}
			}
			for _, g := range tr.Goroutines {
				want := g.Totals
				have := parse.Totals{}
				if p := got[g.ID]; p != nil {
					have = *p
				}
				if have != want {
					t.Errorf("G%d %s: profile %+v, totals %+v", g.ID, g.Name, have, want)
				}
			}
			// The sites: user goroutines' blocked time by call site and reason.
			type key struct {
				f parse.FrameID
				r parse.Reason
			}
			sites := map[key][2]int64{}
			for _, s := range full.Samples {
				if g := tr.Goroutine(s.G); s.State == parse.StateBlocked && g != nil && !g.System {
					k := key{tr.SiteOf(s.Stack), s.Reason}
					v := sites[k]
					sites[k] = [2]int64{v[0] + s.Count, v[1] + s.Ns}
				}
			}
			for _, st := range tr.Sites {
				if st.Reason == parse.ReasonSyscall {
					continue
				}
				if v := sites[key{st.Frame, st.Reason}]; v != [2]int64{st.Count, st.Total} {
					t.Errorf("site %s %s: profile %d waits %d ns, sites %d waits %d ns", tr.Frames[st.Frame].Func, st.Reason, v[0], v[1], st.Count, st.Total)
				}
			}

			var coarse parse.Profile
			small := readProfile(t, data, parse.Options{MaxSpans: 200, Decoders: 1}, &coarse)
			if small.Coarsened == 0 && len(data) > 50000 {
				t.Errorf("not coarsened with 200 spans")
			}
			if !reflect.DeepEqual(coarse.Samples, full.Samples) || !reflect.DeepEqual(coarse.Contexts, full.Contexts) {
				t.Errorf("the profile changes when the model merges spans (%d vs %d samples)", len(coarse.Samples), len(full.Samples))
			}
			var par parse.Profile
			readProfile(t, data, parse.Options{Decoders: 3}, &par)
			if !reflect.DeepEqual(par.Samples, full.Samples) {
				t.Errorf("the profile changes with 3 decoders")
			}
		})
	}
}

// TestProfileWindow: a window keeps the part of each span inside it (the
// model's own spans, read without merging, say how much that is) and counts
// the spans that overlap it.
func TestProfileWindow(t *testing.T) {
	data, err := os.ReadFile("../pprofout/testdata/go1.26-pprof.trace")
	if err != nil {
		t.Fatal(err)
	}
	tr := readProfile(t, data, parse.Options{}, nil)
	if tr.Coarsened != 0 {
		t.Fatal("the test trace is coarsened")
	}
	from, to := tr.Duration/3, tr.Duration/2
	p := parse.Profile{From: from, To: to}
	readProfile(t, data, parse.Options{}, &p)
	var want [parse.NumReasons + 4]int64
	var wantWaits int64
	for _, g := range tr.Goroutines {
		for _, s := range g.Spans {
			lo, hi := max(s.Start, from), min(s.End, to)
			if hi <= lo {
				continue
			}
			if s.State == parse.StateBlocked {
				want[s.Reason] += hi - lo
				wantWaits++
			} else {
				want[int(parse.NumReasons)+int(s.State)-1] += hi - lo
			}
		}
	}
	var got [parse.NumReasons + 4]int64
	var gotWaits int64
	for _, s := range p.Samples {
		if s.State == parse.StateBlocked {
			got[s.Reason] += s.Ns
			gotWaits += s.Count
		} else {
			got[int(parse.NumReasons)+int(s.State)-1] += s.Ns
		}
	}
	if got != want || gotWaits != wantWaits {
		t.Errorf("window [%d, %d): profile %v (%d waits), spans %v (%d waits)", from, to, got, gotWaits, want, wantWaits)
	}
}

// TestProfileContexts: waits on the tracer's named locks and channels
// carry their names, and the task filter keeps only time in the task's
// regions.
func TestProfileContexts(t *testing.T) {
	data, err := os.ReadFile("../pprofout/testdata/go1.26-pprof.trace")
	if err != nil {
		t.Fatal(err)
	}
	var p parse.Profile
	tr := readProfile(t, data, parse.Options{}, &p)
	named := map[string]int64{}
	for _, s := range p.Samples {
		if c := p.Contexts[s.Ctx]; c.Named && s.State == parse.StateBlocked {
			named[c.Kind.String()+" "+c.Name] += s.Ns
		}
	}
	for _, r := range tr.Resources {
		k := r.Kind.String() + " " + r.Name
		// Blocked time is part of the wait from Lock to holding the lock.
		if named[k] <= 0 || named[k] > r.WaitTotal() {
			t.Errorf("%s: %d ns blocked in its waits, waits %d ns", k, named[k], r.WaitTotal())
		}
	}
	if len(named) != 3 {
		t.Errorf("named waits %v, want counter, cache and orders", named)
	}
	batch := parse.Profile{Task: "batch"}
	readProfile(t, data, parse.Options{}, &batch)
	var inTask int64
	for _, s := range batch.Samples {
		c := batch.Contexts[s.Ctx]
		if !c.InTask || c.Task != "batch" || c.Region != "increment" {
			t.Fatalf("sample outside the task kept: %+v in %+v", s, c)
		}
		inTask += s.Ns
	}
	var regions int64
	for _, r := range tr.Regions {
		if r.Type == "increment" {
			regions += r.End - r.Start
		}
	}
	if inTask != regions {
		t.Errorf("task batch: %d ns in the profile, its regions last %d ns", inTask, regions)
	}
}

// TestLockWaits: the histograms of mutex and RWMutex waits count every wait
// the sites count, and their longest is theirs (the fleet's lock wait p99
// comes from them).
func TestLockWaits(t *testing.T) {
	for _, path := range profileTraces {
		tr, err := parse.ReadFile(path, parse.Options{MaxSpans: 500})
		if err != nil {
			t.Fatal(err)
		}
		var n, longest int64
		for _, s := range tr.Sites {
			if s.Reason == parse.ReasonMutex || s.Reason == parse.ReasonRWMutex {
				n += s.Count
				longest = max(longest, s.Max)
			}
		}
		h := tr.WaitHist[parse.ReasonMutex]
		h.Merge(&tr.WaitHist[parse.ReasonRWMutex])
		if h.N != n || h.Max != longest {
			t.Errorf("%s: %d lock waits, longest %d; sites %d, %d", path, h.N, h.Max, n, longest)
		}
		if path == "../pprofout/testdata/go1.26-pprof.trace" && n == 0 {
			t.Errorf("%s: no lock waits", path)
		}
	}
}
