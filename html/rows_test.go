package html

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// groupsTrace has, like the memory example, a big group of identical
// parked goroutines and a smaller one of goroutines that were busier.
func groupsTrace(parked, busy int) *parse.Trace {
	tr := &parse.Trace{Duration: 1000, GOMAXPROCS: 2, Frames: []parse.Frame{{}}, Stacks: []parse.Stack{{}}, RawReasons: []string{""}}
	tr.Groups = []parse.Group{{Name: "main.main"}, {Name: "parked"}, {Name: "locked"}}
	add := func(group int, state parse.State, reason parse.Reason, end parse.EndState) {
		g := &parse.Goroutine{ID: parse.GoID(len(tr.Goroutines) + 1), Name: tr.Groups[group].Name, Group: group, Ended: -1, End: end, EndReason: reason}
		g.Spans = []parse.Span{{Start: 0, End: 1000, State: state, Reason: reason}}
		if state == parse.StateRunning {
			g.Totals.Running = 1000
		} else {
			g.Totals.Blocked[reason] = 1000
		}
		tr.Goroutines = append(tr.Goroutines, g)
		tr.Groups[group].Goroutines = append(tr.Groups[group].Goroutines, g.ID)
	}
	add(0, parse.StateRunning, 0, parse.EndRunning)
	for range parked {
		add(1, parse.StateBlocked, parse.ReasonChanRecv, parse.EndBlocked)
	}
	for range busy {
		add(2, parse.StateRunning, 0, parse.EndRunning)
	}
	return tr
}

// TestRowsRepresentGroups: past MaxRows, every group gets rows of its own
// (not the biggest group all of them), and what is folded can expand.
func TestRowsRepresentGroups(t *testing.T) {
	tr := groupsTrace(10000, 200)
	rows := planRows(tr, 300, nil)
	own := map[string]int{}
	shown, folds := 0, 0
	for _, r := range rows {
		if r.parent >= 0 {
			continue
		}
		shown++
		if r.g != nil {
			own[r.label]++
		} else {
			folds++
			if len(r.members) == 0 {
				t.Errorf("fold row %s has no members", r.label)
			}
		}
	}
	if shown > 300 {
		t.Errorf("%d rows, want at most 300", shown)
	}
	for _, g := range []string{"main.main", "parked", "locked"} {
		if own[g] == 0 {
			t.Errorf("group %s has no row of its own: %v", g, own)
		}
	}
	if own["locked"] < 50 {
		t.Errorf("the 200 busy goroutines got %d rows, the 10000 parked ones %d", own["locked"], own["parked"])
	}
	// Folded rows expand to members.
	members := 0
	for _, r := range rows {
		if r.parent >= 0 {
			members++
			if rows[r.parent].g != nil {
				t.Errorf("member row %s belongs to a goroutine row", r.label)
			}
		}
	}
	if folds == 0 || members == 0 {
		t.Errorf("%d folded rows, %d member rows", folds, members)
	}
}

// TestRowsForFindings: every goroutine a finding names gets a row, even
// in a group folded otherwise.
func TestRowsForFindings(t *testing.T) {
	tr := groupsTrace(5000, 0)
	must := map[parse.GoID]bool{}
	for _, id := range []parse.GoID{4000, 4001, 4999} {
		must[id] = true
	}
	rows := planRows(tr, 50, must)
	got := map[parse.GoID]bool{}
	for _, r := range rows {
		if r.g != nil && r.parent < 0 {
			got[r.g.ID] = true
		}
	}
	for id := range must {
		if !got[id] {
			t.Errorf("G%d, named by a finding, has no row", id)
		}
	}
}

// TestRowsDiverse: within a group, goroutines that ended differently come
// before more of the same.
func TestRowsDiverse(t *testing.T) {
	var gs []*parse.Goroutine
	for i := range 100 {
		g := &parse.Goroutine{ID: parse.GoID(i + 1), End: parse.EndBlocked, EndStack: 1}
		g.Totals.Running = int64(1000 - i)
		gs = append(gs, g)
	}
	gs[90].EndStack = 2
	gs[95].End = parse.EndExited
	got := byInterest(gs)
	firsts := fmt.Sprint(got[0].ID, got[1].ID, got[2].ID)
	if firsts != fmt.Sprint(1, 91, 96) {
		t.Errorf("first three %s, want one of each way of ending", firsts)
	}
}

func TestShortFunc(t *testing.T) {
	for in, want := range map[string]string{
		"github.com/alitto/pond.(*WorkerPool).purge":         "pond.(*WorkerPool).purge",
		"github.com/panjf2000/ants/v2.(*goWorker).run.func1": "ants/v2.(*goWorker).run.func1",
		"main.main":              "main.main",
		"net/http.(*conn).serve": "http.(*conn).serve",
		"example.com/p.F[go.shape.*example.com/q.T]": "p.F[go.shape.*example.com/q.T]",
		"v2.F":          "v2.F",
		"(unknown)":     "(unknown)",
		"TestFoo.func1": "TestFoo.func1",
	} {
		if got := shortFunc(in); got != want {
			t.Errorf("shortFunc(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRowLabelsShort: the ants test suite's rows are named by function
// without the package path (github.com/panjf2000/...), which the axis would
// cut every label at; the tooltip keeps the full name.
func TestRowLabelsShort(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/ants.trace.gz")
	d := readData(t, render(t, tr, Options{}))
	purge := false
	for _, r := range d.Timeline.Rows {
		if strings.Contains(r.Label, "github.com/") {
			t.Errorf("row label %q keeps the package path", r.Label)
		}
		if strings.Contains(r.Full, "github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers") {
			purge = true
			if !strings.Contains(r.Label, " ants/v2.(*poolCommon).purgeStaleWorkers") {
				t.Errorf("purge row %q: label %q", r.Full, r.Label)
			}
		}
	}
	if !purge {
		t.Error("no row for the purge goroutine with its full name in the tooltip")
	}
}

// TestRowsFindingsFirst: the HTTP server's lock-contention finding is
// about its conn.serve goroutines; their rows open the timeline, before the
// client's transport rows (issue 17).
func TestRowsFindingsFirst(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-mutex.trace.gz")
	s := summary.Build(tr, "")
	named := map[int64]bool{}
	for _, f := range s.Findings {
		for _, id := range f.Goroutines {
			named[int64(id)] = true
		}
	}
	if len(named) == 0 {
		t.Fatal("no finding names a goroutine")
	}
	d := readData(t, render(t, tr, Options{}))
	var top []rowData
	for _, r := range d.Timeline.Rows {
		if r.Parent < 0 {
			top = append(top, r)
		}
	}
	if len(top) == 0 || !named[top[0].G] {
		t.Fatalf("the first row is %q, not a goroutine a finding names", top[0].Label)
	}
	if !strings.Contains(top[0].Label, "http.(*conn).serve") {
		t.Errorf("the first row is %q, want a conn.serve goroutine", top[0].Label)
	}
	// The groups the findings name are all before any other group.
	other := false
	for _, r := range top {
		isNamed := r.Kind == "g" && named[r.G]
		if other && isNamed {
			t.Errorf("row %q, named by a finding, comes after rows no finding names", r.Label)
		}
		if !isNamed && (r.Kind != "g" || !strings.Contains(r.Label, "http.(*conn).serve")) {
			other = true
		}
	}
}

// TestRowsFoldTimers: x/sync's semaphore tests start goroutines for their
// contexts' deadlines (context.WithDeadlineCause.func2), which end at once:
// they fold into their group's row, after the program's own rows.
func TestRowsFoldTimers(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/semaphore.trace.gz")
	timers := 0
	for _, g := range tr.Goroutines {
		if strings.HasPrefix(g.StartFunc, "context.WithDeadlineCause") {
			timers++
		}
	}
	if timers == 0 {
		t.Fatal("no context deadline goroutine in the trace")
	}
	d := readData(t, render(t, tr, Options{}))
	folded, seenFold := false, false
	for _, r := range d.Timeline.Rows {
		if r.Parent >= 0 {
			continue
		}
		if strings.HasPrefix(r.Label, "context.") || strings.Contains(r.Label, " context.") {
			if r.Kind != "fold" {
				t.Errorf("timer goroutine row %q has a row of its own", r.Label)
			}
			folded = true
			seenFold = true
			continue
		}
		if seenFold && r.Label != fmt.Sprintf("runtime ×%d", r.N) {
			t.Errorf("row %q comes after the timers' folded rows", r.Label)
		}
	}
	if !folded {
		t.Error("no folded row of the context deadline goroutines")
	}
}

// TestRowsForEveryNamedGoroutine: with as few rows as goroutines findings
// name (vizrun report -rows 4), each of them still gets one.
func TestRowsForEveryNamedGoroutine(t *testing.T) {
	tr := groupsTrace(100, 20)
	must := map[parse.GoID]bool{2: true, 3: true, 50: true, 110: true}
	own := map[parse.GoID]bool{}
	for _, r := range planRows(tr, 4, must) {
		if r.g != nil && r.parent < 0 {
			own[r.g.ID] = true
		}
	}
	for id := range must {
		if !own[id] {
			t.Errorf("G%d, named by a finding, has no row", id)
		}
	}
}
