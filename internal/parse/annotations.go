package parse

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/exp/trace"

	"github.com/vizrun/vizrun/internal/protocol"
)

// User annotations (tasks, regions, logs) can number millions in a long
// trace. The model keeps exact statistics per type, and a bounded sample of
// instances: every one while there are at most KeepAnnotations, then the
// longest ones (tasks and regions) or the first ones (logs).

// KeepAnnotations bounds the tasks, regions and logs kept as instances.
const KeepAnnotations = 20000

// maxTypes bounds the distinct task and region types with statistics of
// their own; the rest share the type "(other types)".
const maxTypes = 1000

// TypeStats sums the tasks or regions of one type.
type TypeStats struct {
	Type       string
	Count      int64
	Unfinished int64
	Total      int64 // ns
	Max        int64 // ns
	Hist       Histogram
}

// typeAcc accumulates TypeStats by type.
type typeAcc struct {
	idx   map[string]int
	stats []TypeStats
}

func (a *typeAcc) add(typ string, d int64, unfinished bool) {
	if a.idx == nil {
		a.idx = map[string]int{}
	}
	i, ok := a.idx[typ]
	if !ok {
		if len(a.stats) >= maxTypes {
			typ = "(other types)"
			i, ok = a.idx[typ]
		}
		if !ok {
			i = len(a.stats)
			a.idx[typ] = i
			a.stats = append(a.stats, TypeStats{Type: typ})
		}
	}
	s := &a.stats[i]
	s.Count++
	s.Total += d
	s.Max = max(s.Max, d)
	s.Hist.Add(d)
	if unfinished {
		s.Unfinished++
	}
}

// sorted returns the stats, longest total first.
func (a *typeAcc) sorted() []TypeStats {
	out := slices.Clone(a.stats)
	slices.SortStableFunc(out, func(x, y TypeStats) int {
		return cmp.Or(cmp.Compare(y.Total, x.Total), cmp.Compare(x.Type, y.Type))
	})
	return out
}

// longest keeps the KeepAnnotations longest items seen (a min-heap by
// duration), in arrival order while they all fit. The heap orders small
// (duration, slot) pairs and the items stay in their slots: sifting an
// offered item down moves 12 bytes a level, not a Task or a Region, and an
// item shorter than the shortest kept costs one comparison.
type longest[T any] struct {
	items []T        // by slot
	heap  []heapSlot // a min-heap by duration once full; heap[i].slot == i before
}

type heapSlot struct {
	dur  int64
	slot int32
}

// add offers an item of duration d; it reports whether one was dropped.
func (h *longest[T]) add(x *T, d int64) (dropped bool) {
	if len(h.items) < KeepAnnotations {
		h.heap = append(h.heap, heapSlot{d, int32(len(h.items))})
		h.items = append(h.items, *x)
		if len(h.items) == KeepAnnotations {
			h.init()
		}
		return false
	}
	if d <= h.heap[0].dur {
		return true
	}
	h.items[h.heap[0].slot] = *x
	h.heap[0].dur = d
	h.down(0)
	return true
}

// init makes a heap, with the swaps of container/heap.Init: the kept
// items come out in heap order (see list), and the order of equal ones
// after the final stable sort depends on it.
func (h *longest[T]) init() {
	for i := len(h.heap)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// down restores the heap from i downwards, as container/heap's down.
func (h *longest[T]) down(i int) {
	hp := h.heap
	n := len(hp)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && hp[r].dur < hp[l].dur {
			j = r
		}
		if hp[j].dur >= hp[i].dur {
			return
		}
		hp[i], hp[j] = hp[j], hp[i]
		i = j
	}
}

// list returns the items in heap order (arrival order while they fit), as
// a heap of the items themselves would hold them.
func (h *longest[T]) list() []T {
	inOrder := true
	for i, e := range h.heap {
		if int(e.slot) != i {
			inOrder = false
			break
		}
	}
	if inOrder {
		return h.items
	}
	out := make([]T, len(h.heap))
	for i, e := range h.heap {
		out[i] = h.items[e.slot]
	}
	return out
}

// openTask is a task that has begun and not ended.
type openTask struct {
	typ       string
	parent    TaskID
	start     int64
	goroutine GoID
}

// annotations follows tasks, regions and logs while streaming.
type annotations struct {
	open      map[TaskID]openTask
	tasks     longest[Task]
	regions   longest[Region]
	taskStats typeAcc
	regStats  typeAcc
	strings   map[string]string // interned types and categories
}

func newAnnotations() *annotations {
	return &annotations{
		open:    map[TaskID]openTask{},
		strings: map[string]string{},
	}
}

// intern returns a shared copy of s, so that millions of annotations of a
// few types hold a few strings.
func (a *annotations) intern(s string) string {
	if v, ok := a.strings[s]; ok {
		return v
	}
	if len(a.strings) < 1<<16 {
		a.strings[s] = s
	}
	return s
}

func (b *builder) taskBegin(id, parent TaskID, typ string, g GoID) {
	a := b.ann
	if _, ok := a.open[id]; !ok {
		a.open[id] = openTask{typ: a.intern(typ), parent: parent, start: b.now, goroutine: g}
	}
}

func (b *builder) taskEnd(id, parent TaskID, typ string, ender GoID) {
	a := b.ann
	o, ok := a.open[id]
	if ok {
		delete(a.open, id)
	} else {
		// It began before the trace started.
		o = openTask{typ: a.intern(typ), parent: parent}
	}
	b.addTask(Task{ID: id, Parent: o.parent, Type: o.typ, Start: o.start, End: b.now, Goroutine: o.goroutine, Ender: ender})
}

func (b *builder) addTask(t Task) {
	b.ann.taskStats.add(cmpOr(t.Type, "(unnamed)"), t.End-t.Start, t.Unfinished)
	if b.ann.tasks.add(&t, t.End-t.Start) {
		b.t.TasksDropped++
	}
}

// addUserRegion books a region of the program's.
func (b *builder) addUserRegion(r Region) {
	r.Type = b.ann.intern(r.Type)
	b.ann.regStats.add(r.Type, r.End-r.Start, r.Unfinished)
	if b.ann.regions.add(&r, r.End-r.Start) {
		b.t.RegionsDropped++
	}
}

func (b *builder) addLog(l Log) {
	if len(b.t.Logs) >= KeepAnnotations {
		b.t.LogsDropped++
		return
	}
	l.Category = b.ann.intern(l.Category)
	b.t.Logs = append(b.t.Logs, l)
}

// finishAnnotations closes open tasks and sorts the samples by start.
func (b *builder) finishAnnotations(end int64) {
	a := b.ann
	ids := make([]TaskID, 0, len(a.open))
	for id := range a.open {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		o := a.open[id]
		b.addTask(Task{ID: id, Parent: o.parent, Type: o.typ, Start: o.start, End: end, Goroutine: o.goroutine, Unfinished: true})
	}
	t := b.t
	t.Tasks = sortedStable(a.tasks.list(), func(x, c *Task) int { return cmp.Or(cmp.Compare(x.Start, c.Start), cmp.Compare(x.ID, c.ID)) })
	t.Regions = sortedStable(a.regions.list(), func(x, c *Region) int {
		return cmp.Or(cmp.Compare(x.Start, c.Start), cmp.Compare(x.Goroutine, c.Goroutine), cmp.Compare(c.End, x.End))
	})
	t.TaskTypes = a.taskStats.sorted()
	t.RegionTypes = a.regStats.sorted()
}

// sortedStable returns s in the order slices.SortStableFunc(s, cmp) would
// leave it in: it sorts indices, equal items by index, and moves each item
// once. The stable sort's merging moved the 72-byte items O(n log² n)
// times, 3% of the time of a fleet of traces with 20,000 of each.
func sortedStable[T any](s []T, c func(a, b *T) int) []T {
	if len(s) < 2 {
		return s
	}
	idx := make([]int32, len(s))
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(i, j int32) int { return cmp.Or(c(&s[i], &s[j]), cmp.Compare(i, j)) })
	out := make([]T, len(s))
	for i, j := range idx {
		out[i] = s[j]
	}
	return out
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Regions and logs as the events come: the tracer's own annotations are
// read here (see internal/protocol), the program's kept.

func (b *builder) regionEnd(gs *gstate, rg trace.Region) {
	rg.Type = valid(rg.Type)
	r := Region{Goroutine: gs.g.ID, Task: TaskID(rg.Task), Type: rg.Type, End: b.now}
	begun := false
	for i := len(gs.regions) - 1; i >= 0; i-- {
		if o := gs.regions[i]; o.typ == rg.Type {
			r.Start, r.Stack, r.Task = o.start, o.stack, o.task
			gs.regions = slices.Delete(gs.regions, i, i+1)
			begun = true
			break
		}
	}
	b.profileChanged(gs)
	// Without a beginning, it began before the trace started (Start 0).
	b.addRegion(r, begun)
}

// addRegion books a finished region: the tracer's own become statistics of
// named resources, the program's are listed.
func (b *builder) addRegion(r Region, begun bool) {
	switch {
	case strings.HasPrefix(r.Type, RegionWait):
		b.waitEnd(r.Type, r.Goroutine, r.Start, r.End, begun)
	case r.Type == RegionOwn:
		b.t.Own = append(b.t.Own, Window{Start: r.Start, End: r.End})
	case strings.HasPrefix(r.Type, Prefix):
	default:
		b.addUserRegion(r)
	}
}

func (b *builder) log(ev *trace.Event) {
	l := ev.Log()
	l.Category, l.Message = valid(l.Category), valid(l.Message)
	switch l.Category {
	case LogName:
		if gs := b.current(ev); gs != nil {
			b.name(gs, l.Message)
		}
		return
	case LogNameOf:
		if id, name, ok := parseNameOf(l.Message); ok {
			b.name(b.g(id), name)
		}
		return
	}
	g := GoID(0)
	if id := ev.Goroutine(); id != trace.NoGoroutine {
		g = GoID(id)
	}
	if strings.HasPrefix(l.Category, Prefix) {
		switch l.Category {
		case LogRelease:
			b.lockLog(l.Category, l.Message, g, b.now)
		case LogStart:
			b.started = true
		case LogStop:
			b.stopped = true
			// A flight snapshot's live mark, written into this trace
			// because a snapshot was taken while it recorded, does not
			// make it live: it was stopped after it.
			b.snapshotLive = false
		case LogDeadlock:
			b.t.Deadlock = true
		case LogStuck:
			b.t.StuckAt = b.now
			b.stuck = b.stuck[:0]
			for _, f := range strings.Fields(l.Message) {
				if id, err := strconv.ParseInt(f, 10, 64); err == nil && id > 0 {
					b.stuck = append(b.stuck, GoID(id))
				}
			}
		case LogLive:
			if l.Message == protocol.LiveSnapshot {
				b.snapshotLive = true
			} else {
				b.t.Live = true
			}
		case LogLeaked:
			b.t.LeakChecked = true
			for _, f := range strings.Fields(l.Message) {
				if id, err := strconv.ParseInt(f, 10, 64); err == nil && id > 0 {
					b.g(GoID(id)).g.ProvenLeak = true
				}
			}
		}
		return
	}
	b.addLog(Log{Time: b.now, Goroutine: g, Task: TaskID(l.Task), Category: l.Category, Message: l.Message})
}

func (b *builder) name(gs *gstate, name string) {
	gs.g.Label = name
	if strings.HasPrefix(name, SystemName) {
		gs.decideSystem(b, true, b.now)
	}
}
