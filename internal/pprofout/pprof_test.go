package pprofout_test

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	xtrace "golang.org/x/exp/trace"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/pprofout"
	"github.com/vizrun/vizrun/internal/summary"
)

// The committed traces the profiles are checked on.
var traces = []string{
	"testdata/go1.26-pprof.trace",
	"../../testdata/go1.26-mixed.trace",
	"../../testdata/old/go1.19-http.trace",
	"../../testdata/old/go1.21-http.trace",
}

const pprofTrace = "testdata/go1.26-pprof.trace"

func goCmd() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// goTool runs go tool with args and returns its standard output.
func goTool(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(goCmd(), append([]string{"tool"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("go tool %s: %v\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String()
}

type traced struct {
	path string
	tr   *parse.Trace
	p    *parse.Profile
	s    *summary.Summary
}

func load(t *testing.T, path string, p *parse.Profile) *traced {
	t.Helper()
	if p == nil {
		p = &parse.Profile{}
	}
	tr, err := parse.ReadFile(path, parse.Options{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	return &traced{path: path, tr: tr, p: p, s: summary.Build(tr, path)}
}

// write writes the profile of kind into a temporary file.
func (x *traced) write(t *testing.T, kind string, withRuntime bool) string {
	t.Helper()
	k, err := pprofout.Lookup(kind)
	if err != nil {
		t.Fatal(err)
	}
	prof, err := pprofout.Build(x.tr, x.p, pprofout.Options{Kind: k, Runtime: withRuntime})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), kind+".pb.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := pprofout.Write(f, prof); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

var topLine = regexp.MustCompile(`^\s*(\S+)\s+\S+\s+\S+\s+(\S+)\s+\S+\s+(.+)$`)

// value reads a value go tool pprof printed with -unit=ns (or a count).
func value(t *testing.T, s string) int64 {
	t.Helper()
	f, err := strconv.ParseFloat(strings.TrimSuffix(s, "ns"), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		t.Fatalf("go tool pprof printed %q, not a whole number", s)
	}
	return int64(f)
}

// top runs go tool pprof -top on a profile: flat value by function, and
// the total.
func top(t *testing.T, path string, extra ...string) (flat map[string]int64, total int64) {
	t.Helper()
	flat, _, total = topCum(t, path, extra...)
	return flat, total
}

// topCum is top with the cumulative values too.
func topCum(t *testing.T, path string, extra ...string) (flat, cum map[string]int64, total int64) {
	t.Helper()
	args := append([]string{"pprof", "-top", "-unit=ns", "-nodefraction=0", "-nodecount=1000000"}, extra...)
	out := goTool(t, append(args, path)...)
	flat, cum = map[string]int64{}, map[string]int64{}
	m := regexp.MustCompile(`of (\S+) total`).FindStringSubmatch(out)
	if m == nil {
		if strings.Contains(out, "Total samples = 0") || !strings.Contains(out, "flat") {
			return flat, cum, 0
		}
		t.Fatalf("no total in go tool pprof -top:\n%s", out)
	}
	total = value(t, m[1])
	body := out[strings.Index(out, "flat%"):]
	for _, line := range strings.Split(body, "\n")[1:] {
		if m := topLine.FindStringSubmatch(line); m != nil {
			flat[m[3]] += value(t, m[1])
			cum[m[3]] += value(t, m[2])
		}
	}
	return flat, cum, total
}

// tags runs go tool pprof -tags: the total by value of the label key.
func tags(t *testing.T, path, key string, extra ...string) map[string]int64 {
	t.Helper()
	args := append([]string{"pprof", "-tags", "-unit=ns", "-tagshow=^" + key + "$"}, extra...)
	out := goTool(t, append(args, path)...)
	got := map[string]int64{}
	line := regexp.MustCompile(`^\s*(\S+) \(\s*\S+%\): (.*)$`)
	for _, l := range strings.Split(out, "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			got[m[2]] += value(t, m[1])
		}
	}
	return got
}

func blocked(s *summary.Summary, reasons ...string) int64 {
	var n int64
	for _, b := range s.Blocked {
		for _, r := range reasons {
			if b.Reason == r {
				n += b.TotalNs
			}
		}
	}
	return n
}

// TestTopMatchesTables: go tool pprof -top and -tags of every kind of
// profile say what vizrun's own tables say, to the nanosecond: blocked
// time by reason, by goroutine group and by call site, time running,
// runnable and in system calls, GC assists.
func TestTopMatchesTables(t *testing.T) {
	for _, path := range traces {
		t.Run(filepath.Base(path), func(t *testing.T) {
			x := load(t, path, nil)
			s := x.s
			// Blocked, by reason.
			b := x.write(t, "block", false)
			flat, total := top(t, b)
			if total != s.Time.BlockedNs {
				t.Errorf("block: total %d ns, summary %d ns", total, s.Time.BlockedNs)
			}
			for name, v := range flat {
				if strings.HasPrefix(name, "blocked on other (") {
					flat["blocked on other"] += v // the runtime's own words in brackets
				}
			}
			for _, r := range s.Blocked {
				if got := flat["blocked on "+r.Reason]; got != r.TotalNs {
					t.Errorf("block: blocked on %s %d ns, summary %d ns", r.Reason, got, r.TotalNs)
				}
			}
			var waits int64
			for _, g := range x.tr.Goroutines {
				if !g.System {
					waits += g.Totals.Waits
				}
			}
			if _, n := top(t, b, "-sample_index=contentions"); n != waits {
				t.Errorf("block: %d contentions, goroutines waited %d times", n, waits)
			}
			// By goroutine group.
			groups := tags(t, b, pprofout.LabelGroup)
			for _, g := range s.Groups {
				if groups[g.Name] != g.BlockedNs {
					t.Errorf("group %s: %d ns blocked in the profile, %d ns in the summary", g.Name, groups[g.Name], g.BlockedNs)
				}
			}
			// By call site (every site of the model, not only the summary's first ones).
			wantSite, wantCount := map[string]int64{}, map[string]int64{}
			for _, st := range x.tr.Sites {
				if st.Reason == parse.ReasonSyscall {
					continue
				}
				k := st.Reason.String() + " with no stack"
				if st.Frame != 0 {
					f := x.tr.Frames[st.Frame]
					k = fmt.Sprintf("%s at %s (%s:%d)", st.Reason, f.Func, f.File, f.Line)
				}
				wantSite[k] += st.Total
				wantCount[k] += st.Count
			}
			sites := tags(t, b, pprofout.LabelSite)
			counts := tags(t, b, pprofout.LabelSite, "-sample_index=contentions")
			for k, v := range wantSite {
				if sites[k] != v || counts[k] != wantCount[k] {
					t.Errorf("site %s: %d ns in %d waits in the profile, %d ns in %d in the model", k, sites[k], counts[k], v, wantCount[k])
				}
			}
			if len(wantSite) > 0 && len(sites) == 0 {
				t.Error("no site labels")
			}

			// One kind per reason.
			for _, c := range []struct {
				kind    string
				reasons []string
			}{
				{"mutex", []string{"mutex"}}, {"rwmutex", []string{"rwmutex"}}, {"waitgroup", []string{"waitgroup"}},
				{"cond", []string{"cond"}}, {"chan", []string{"chan send", "chan receive"}}, {"select", []string{"select"}},
				{"sleep", []string{"sleep"}}, {"net", []string{"network"}},
			} {
				if _, got := top(t, x.write(t, c.kind, false)); got != blocked(s, c.reasons...) {
					t.Errorf("%s: %d ns, summary %d ns", c.kind, got, blocked(s, c.reasons...))
				}
			}
			if _, got := top(t, x.write(t, "syscall", false)); got != s.Time.SyscallNs {
				t.Errorf("syscall: %d ns, summary %d ns", got, s.Time.SyscallNs)
			}
			if _, got := top(t, x.write(t, "sched", false)); got != s.Time.RunnableNs {
				t.Errorf("sched: %d ns, summary %d ns", got, s.Time.RunnableNs)
			}
			gcFlat, gc := top(t, x.write(t, "gc", false))
			if gc != blocked(s, "GC")+s.GC.AssistNs || gcFlat["running a GC assist"] != s.GC.AssistNs {
				t.Errorf("gc: %d ns (%d ns assists), summary %d ns blocked on GC and %d ns of assists", gc, gcFlat["running a GC assist"], blocked(s, "GC"), s.GC.AssistNs)
			}
			wall := x.write(t, "wall", false)
			wflat, wtotal := top(t, wall)
			if want := s.Time.RunningNs + s.Time.RunnableNs + s.Time.BlockedNs + s.Time.SyscallNs; wtotal != want {
				t.Errorf("wall: %d ns, summary %d ns", wtotal, want)
			}
			if got := wflat["running"] + wflat["running a GC assist"]; got != s.Time.RunningNs {
				t.Errorf("wall: running %d ns, summary %d ns", got, s.Time.RunningNs)
			}
			wgroups := tags(t, wall, pprofout.LabelGroup)
			for _, g := range s.Groups {
				if want := g.RunningNs + g.RunnableNs + g.BlockedNs + g.SyscallNs; wgroups[g.Name] != want {
					t.Errorf("wall: group %s %d ns, summary %d ns", g.Name, wgroups[g.Name], want)
				}
			}
		})
	}
}

// namedWaits reads the trace with x/exp/trace alone and sums, by the named
// wait region the tracer opened, the time goroutines were blocked (for one
// of reasons) inside it.
func namedWaits(t *testing.T, path string, reasons ...string) map[string]int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	regions := map[xtrace.GoID][]string{}
	type wait struct {
		since xtrace.Time
		in    string
	}
	waiting := map[xtrace.GoID]wait{}
	out := map[string]int64{}
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch ev.Kind() {
		case xtrace.EventRegionBegin:
			regions[ev.Goroutine()] = append(regions[ev.Goroutine()], ev.Region().Type)
		case xtrace.EventRegionEnd:
			rs := regions[ev.Goroutine()]
			for i := len(rs) - 1; i >= 0; i-- {
				if rs[i] == ev.Region().Type {
					regions[ev.Goroutine()] = append(rs[:i], rs[i+1:]...)
					break
				}
			}
		case xtrace.EventStateTransition:
			st := ev.StateTransition()
			if st.Resource.Kind != xtrace.ResourceGoroutine {
				continue
			}
			id := st.Resource.Goroutine()
			from, to := st.Goroutine()
			if w, ok := waiting[id]; ok && from == xtrace.GoWaiting && to != xtrace.GoWaiting {
				out[w.in] += int64(ev.Time() - w.since)
				delete(waiting, id)
			}
			if to == xtrace.GoWaiting && from != xtrace.GoWaiting {
				named := ""
				rs := regions[id]
				for i := len(rs) - 1; i >= 0 && named == ""; i-- {
					if strings.HasPrefix(rs[i], "vizrun.wait.") {
						named = strings.TrimPrefix(rs[i], "vizrun.wait.")
					}
				}
				for _, want := range reasons {
					if named != "" && st.Reason == want {
						waiting[id] = wait{ev.Time(), named}
					}
				}
			}
		}
	}
	return out
}

// TestNamedFrames: waits on the tracer's named locks and channels are
// frames of their own, named after them, holding the time goroutines were
// blocked on them (as a reader of the trace alone counts it); their waits
// in the report's table of named locks (from Lock to holding the lock,
// waiting for a P included) are at least as long.
func TestNamedFrames(t *testing.T) {
	x := load(t, pprofTrace, nil)
	locks := namedWaits(t, pprofTrace, "sync")
	chans := namedWaits(t, pprofTrace, "select", "chan send", "chan receive")
	for _, c := range []struct {
		kind, frame string
		want        int64
		res         string
	}{
		{"mutex", `lock "counter"`, locks["mutex:counter"], "counter"},
		{"rwmutex", `rwlock "cache"`, locks["rlock:cache"] + locks["lock:cache"], "cache"},
		{"chan", `chan "orders"`, chans["send:orders"] + chans["recv:orders"], "orders"},
	} {
		_, cum, total := topCum(t, x.write(t, c.kind, false))
		got := cum[c.frame]
		if c.want == 0 || got != c.want {
			t.Errorf("%s: %s holds %d ns, the trace says %d ns", c.kind, c.frame, got, c.want)
		}
		if got > total {
			t.Errorf("%s: %s holds more than the profile", c.kind, c.frame)
		}
		for _, r := range x.s.Resources {
			if r.Name == c.res && r.TotalNs < got {
				t.Errorf("%s: the table's waits (%d ns) are shorter than the blocked time (%d ns)", c.res, r.TotalNs, got)
			}
		}
	}
}

// leftOut reads the trace with x/exp/trace alone and adds up the time
// goroutines spent in state, for reasons that track says, that vizrun
// and go tool trace -pprof count differently: a goroutine's time before
// it first ran and spans still going on when the trace ended (go tool
// trace counts from the first run, and books a span when it ends), and,
// with gcSema, waits for "sync" on the GC's semaphores, whose stacks go
// through the GC and no sync type (go tool trace's sync, vizrun's GC: the
// difference is returned negative, as it is go tool trace's extra).
func leftOut(t *testing.T, path string, state xtrace.GoState, track func(reason string) bool, gcSema bool) int64 {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := xtrace.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	type span struct {
		since   xtrace.Time
		tracked bool
		gc      bool
	}
	open := map[xtrace.GoID]span{} // in state now
	ran := map[xtrace.GoID]bool{}
	var out int64
	var last xtrace.Time
	for {
		ev, err := r.ReadEvent()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = ev.Time()
		if ev.Kind() != xtrace.EventStateTransition {
			continue
		}
		st := ev.StateTransition()
		if st.Resource.Kind != xtrace.ResourceGoroutine {
			continue
		}
		id := st.Resource.Goroutine()
		from, to := st.Goroutine()
		if from == to {
			continue
		}
		if s, ok := open[id]; ok && to != state {
			switch {
			case !ran[id] && s.tracked:
				out += int64(ev.Time() - s.since) // before its first run
			case s.gc:
				out -= int64(ev.Time() - s.since)
			}
			delete(open, id)
		}
		if to == state && from != state {
			// go tool trace follows spans whose transition gives the
			// reason; a span found in progress (Undetermined) has none.
			sp := span{since: ev.Time(), tracked: track(st.Reason)}
			sp.gc = gcSema && sp.tracked && st.Reason == "sync" && onGCSemaphore(ev.Stack())
			open[id] = sp
		}
		if to == xtrace.GoRunning {
			ran[id] = true
		}
	}
	for _, s := range open {
		if s.tracked {
			out += int64(last - s.since) // still going on at the end
		}
	}
	return out
}

// onGCSemaphore reports whether a stack waits on the GC's own semaphores:
// it goes through the GC or a stop-the-world, and through no sync type.
func onGCSemaphore(stk xtrace.Stack) bool {
	gc := false
	for f := range stk.Frames() {
		switch fn := f.Func; {
		case strings.HasPrefix(fn, "sync.(*"), strings.HasPrefix(fn, "internal/sync.(*"):
			return false
		case strings.HasPrefix(fn, "runtime.gc"), strings.HasPrefix(fn, "runtime.GC"),
			strings.HasPrefix(fn, "runtime.stopTheWorld"), strings.HasPrefix(fn, "runtime.startTheWorld"):
			gc = true
		}
	}
	return gc
}

func syncReason(r string) bool {
	return strings.Contains(r, "chan") || strings.Contains(r, "sync") || strings.Contains(r, "select")
}

// TestGoToolTrace: vizrun's profiles, the runtime's goroutines included,
// agree within 1% with go tool trace -pprof=sync, net, syscall and sched
// on the same trace, once the parts the two define differently are left
// out (see leftOut). go tool trace's sync is vizrun's chan, select, mutex,
// rwmutex, waitgroup and cond waits and the runtime's other waits for
// "sync", but for those on the GC's own semaphores, which vizrun counts as
// waits on the GC.
func TestGoToolTrace(t *testing.T) {
	for _, path := range traces {
		t.Run(filepath.Base(path), func(t *testing.T) {
			x := load(t, path, nil)
			for _, c := range []struct {
				gt, kind string
				state    xtrace.GoState
				track    func(string) bool
				leaves   func(string) bool
			}{
				{"sync", "block", xtrace.GoWaiting, syncReason, func(leaf string) bool {
					r, _ := strings.CutPrefix(leaf, "blocked on ")
					switch r {
					case "chan send", "chan receive", "select", "mutex", "rwmutex", "waitgroup", "cond":
						return true
					}
					other, ok := strings.CutPrefix(r, "other (")
					return ok && syncReason(other)
				}},
				{"net", "net", xtrace.GoWaiting, func(r string) bool { return r == "network" }, nil},
				{"syscall", "syscall", xtrace.GoSyscall, func(string) bool { return true }, nil},
				{"sched", "sched", xtrace.GoRunnable, func(string) bool { return true }, nil},
			} {
				flat, ours := top(t, x.write(t, c.kind, true))
				if c.leaves != nil {
					ours = 0
					for leaf, v := range flat {
						if c.leaves(leaf) {
							ours += v
						}
					}
				}
				gt := filepath.Join(t.TempDir(), c.gt+".pprof")
				if err := os.WriteFile(gt, []byte(goTool(t, "trace", "-pprof="+c.gt, path)), 0o644); err != nil {
					t.Fatal(err)
				}
				_, theirs := top(t, gt)
				left := leftOut(t, path, c.state, c.track, c.gt == "sync")
				same := ours - left
				diff := math.Abs(float64(same - theirs))
				if diff > 0.01*float64(theirs) || theirs == 0 && same != 0 {
					t.Errorf("%s: vizrun %d ns (%d ns of it counted differently), go tool trace %d ns: %.2f%% apart", c.gt, ours, left, theirs, 100*diff/max(float64(theirs), 1))
				}
				t.Logf("%s: vizrun %d ns, %d ns of it counted differently; go tool trace %d ns", c.gt, ours, left, theirs)
			}
		})
	}
}
