package html

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
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
