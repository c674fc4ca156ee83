package html

import (
	"testing"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// syntheticTrace builds a model of n goroutines with k spans of d ns each,
// cycling through states.
func syntheticTrace(n, k int, d int64) *parse.Trace {
	tr := &parse.Trace{Duration: int64(k) * d, GOMAXPROCS: 4, Frames: []parse.Frame{{}}, Stacks: []parse.Stack{{}}, RawReasons: []string{""}}
	tr.Groups = []parse.Group{{Name: "worker"}}
	states := []struct {
		s parse.State
		r parse.Reason
	}{{parse.StateRunning, 0}, {parse.StateRunnable, 0}, {parse.StateBlocked, parse.ReasonChanRecv}, {parse.StateBlocked, parse.ReasonMutex}}
	for i := 0; i < n; i++ {
		g := &parse.Goroutine{ID: parse.GoID(i + 1), Name: "worker", Ended: -1}
		for j := 0; j < k; j++ {
			st := states[(i+j)%len(states)]
			s := parse.Span{Start: int64(j) * d, End: int64(j+1) * d, State: st.s, Reason: st.r}
			g.Spans = append(g.Spans, s)
			g.Totals.Running += d
		}
		tr.Goroutines = append(tr.Goroutines, g)
		tr.Groups[0].Goroutines = append(tr.Groups[0].Goroutines, g.ID)
	}
	return tr
}

// decoded is a tile's row as absolute segments.
func decoded(td tileData, k int) []segment {
	f := td.Segs[k]
	var out []segment
	prev := td.From
	for j := 0; j+4 < len(f); j += 5 {
		s := segment{start: prev + f[j], code: int(f[j+2]), ref: int(f[j+3]), aux: int(f[j+4])}
		s.end = s.start + f[j+1]
		out = append(out, s)
		prev = s.end
	}
	return out
}

// TestSegmentsKeepTime: at any resolution, a row's segments tile its
// goroutine's life without gaps or overlaps, merged segments account for
// every span, and count agrees with segments.
func TestSegmentsKeepTime(t *testing.T) {
	tr := syntheticTrace(1, 1000, 777)
	g := tr.Goroutines[0]
	src := spanSource{spans: g.Spans}
	for _, res := range []int64{0, 100, 1000, 5000, 1 << 20} {
		for _, w := range []interval{{0, tr.Duration, ""}, {1234, 56789, ""}} {
			segs := src.segments(w.from, w.to, res, nil)
			if n := src.count(w.from, w.to, res, 1<<30); n != len(segs) {
				t.Errorf("res %d %v: count %d != %d segments", res, w, n, len(segs))
			}
			var spans int
			for i, s := range segs {
				if i > 0 && segs[i-1].end != s.start {
					t.Fatalf("res %d: gap or overlap at segment %d", res, i)
				}
				if s.ref < 0 {
					spans += -s.ref
				} else {
					spans++
				}
			}
			if segs[0].start != w.from || segs[len(segs)-1].end != w.to {
				t.Errorf("res %d: segments cover [%d,%d], want %v", res, segs[0].start, segs[len(segs)-1].end, w)
			}
			if w.from == 0 && spans != len(g.Spans) {
				t.Errorf("res %d: segments hold %d spans, want %d", res, spans, len(g.Spans))
			}
		}
	}
}

// TestEverySegmentKnown: whatever states, reasons and merged spans the
// model holds (its merging once left stale states), every segment drawn
// names a state of the goroutine chart: the page never shows "undefined".
func TestEverySegmentKnown(t *testing.T) {
	tr := syntheticTrace(30, 10, 1000)
	for i, g := range tr.Goroutines {
		g.Spans = g.Spans[:0]
		at := int64(0)
		for s := range parse.State(7) {
			for r := range parse.Reason(parse.NumReasons + 2) {
				d := int64(1 + (i*7+int(s)*3+int(r))%900)
				sp := parse.Span{Start: at, End: at + d, State: s, Reason: r}
				if (int(s)+int(r)+i)%5 == 0 {
					sp.Raw = parse.RawMerged
				}
				g.Spans = append(g.Spans, sp)
				at += d
			}
		}
		tr.Duration = max(tr.Duration, at)
	}
	tr.Groups[0].Name = "worker"
	for _, maxRows := range []int{300, 5} { // one row each, then folded
		page := render(t, tr, Options{MaxRows: maxRows})
		d := readData(t, page)
		n := 0
		for _, td := range d.Timeline.Tiles {
			for k := range td.Rows {
				for _, s := range decoded(td, k) {
					n++
					if s.code < 0 || s.code >= len(d.Palette) || d.Palette[s.code].Chart != "state" {
						t.Fatalf("segment %+v has code %d, not a goroutine state", s, s.code)
					}
					if s.end < s.start {
						t.Fatalf("segment %+v ends before it starts", s)
					}
				}
			}
		}
		if n == 0 {
			t.Fatal("no segments")
		}
	}
}

// TestFindingWindowsFullDetail: a trace too large to draw in full keeps
// every span around a finding's moment.
func TestFindingWindowsFullDetail(t *testing.T) {
	tr := syntheticTrace(500, 2000, 1000) // a million spans
	s := summary.Build(tr, "")
	s.Findings = []findings.Finding{{Kind: "test", Level: "warning", Title: "t", From: 1_000_000, To: 1_010_000, Goroutines: []int64{450}}}
	b := newBuilder(tr, s, &Options{MaxRows: 300})
	b.buildFindings()
	b.buildTimeline()
	ts := b.d.Timeline.Tiles
	if ts[0].Why != "trace" || ts[0].Res == 0 {
		t.Fatalf("first tile %s at res %d: the whole trace should be merged", ts[0].Why, ts[0].Res)
	}
	found := false
	for _, td := range ts[1:] {
		if td.Why == "finding" && td.From <= 1_000_000 && td.To >= 1_010_000 {
			found = true
			if td.Res != 0 {
				t.Errorf("finding tile at res %d, want every span", td.Res)
			}
		}
	}
	if !found {
		t.Errorf("no tile around the finding: %d tiles", len(ts))
	}
	// The goroutine the finding names has a row of its own.
	rowFound := false
	for _, r := range b.d.Timeline.Rows {
		rowFound = rowFound || r.Kind == "g" && r.G == 450 && r.Parent < 0
	}
	if !rowFound {
		t.Error("G450, named by the finding, has no row")
	}
}
