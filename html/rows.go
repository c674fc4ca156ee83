package html

import (
	"cmp"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
)

// Which goroutines get a row of the timeline, in which order. Groups
// come in this order: those with a goroutine a finding or a leak names
// (so the rows a CRITICAL finding is about are on screen when the timeline
// opens), then the busiest; the goroutines of the runtime's timers (a
// context's deadline, a time.AfterFunc callback: short-lived and many)
// are folded into their group's row, and such groups come last. While
// the program's other goroutines are at most MaxRows, each gets a row.
// Past that:
//
//   - every goroutine a finding or a leak names gets a row (the finding's
//     "show in the timeline" must land on it), then those on the critical
//     paths the report shows;
//   - the other rows go round the groups, one member per group per round,
//     so that a group of ten thousand cannot crowd out a group of two
//     hundred; within a group, goroutines that ended differently (a
//     different final state or place) come before more of the same;
//   - each group's remaining goroutines fold into one row after its own,
//     drawn as the group's most common state, which expands to up to
//     maxMembers of them;
//   - the runtime's goroutines are one folded row at the bottom.

const (
	maxMembers    = 40   // goroutines a folded row expands to
	maxMemberRows = 1200 // expandable goroutines in all
	maxMustRows   = 100  // rows kept for goroutines findings name
)

// plannedRow is a row before its data is built.
type plannedRow struct {
	label   string
	group   int              // index into Trace.Groups, -1 for a mixed row
	g       *parse.Goroutine // nil for a folded row
	members []*parse.Goroutine
	parent  int // index of the fold row a member row expands from, -1
	hidden  int // members with no row of their own
}

func score(g *parse.Goroutine) int64 {
	return g.Totals.Running + g.Totals.BlockedTotal() + g.Totals.Runnable + g.Totals.Syscall
}

// byInterest orders a group's goroutines: leaked first, then the busiest,
// and among those one of each way of ending before the rest.
func byInterest(gs []*parse.Goroutine) []*parse.Goroutine {
	ranked := slices.Clone(gs)
	slices.SortStableFunc(ranked, func(a, b *parse.Goroutine) int {
		if a.Leaked() != b.Leaked() {
			if a.Leaked() {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(score(b), score(a)), cmp.Compare(a.ID, b.ID))
	})
	type sig struct {
		end    parse.EndState
		reason parse.Reason
		stack  parse.StackID
	}
	seen := map[sig]bool{}
	var first, rest []*parse.Goroutine
	for _, g := range ranked {
		k := sig{g.End, g.EndReason, g.EndStack}
		if seen[k] {
			rest = append(rest, g)
		} else {
			seen[k] = true
			first = append(first, g)
		}
	}
	return append(first, rest...)
}

// planRows picks the timeline's rows (see above): the rows shown at first,
// in order, then the member rows of folded groups. The goroutines of must
// get rows first, then those of also (the goroutines on critical paths),
// in the room left.
func planRows(t *parse.Trace, maxRows int, must map[parse.GoID]bool, also ...map[parse.GoID]bool) []plannedRow {
	var user, sys []*parse.Goroutine
	for _, g := range t.Goroutines {
		if g.System {
			sys = append(sys, g)
		} else {
			user = append(user, g)
		}
	}
	// Groups in order of their first goroutine.
	type grp struct {
		idx     int
		members []*parse.Goroutine // by id
		weight  int64
	}
	byGroup := map[int]*grp{}
	var groups []*grp
	timers := map[parse.GoID]bool{} // fold whatever the room (timerGoroutine)
	for _, g := range user {
		if !must[g.ID] && timerGoroutine(t, g) {
			timers[g.ID] = true
		}
		gr := byGroup[g.Group]
		if gr == nil {
			gr = &grp{idx: g.Group}
			byGroup[g.Group] = gr
			groups = append(groups, gr)
		}
		gr.members = append(gr.members, g)
		gr.weight += score(g)
	}
	keep := map[parse.GoID]bool{}
	if len(user)-len(timers) <= maxRows {
		for _, g := range user {
			keep[g.ID] = !timers[g.ID]
		}
	} else {
		// The goroutines findings name may take every row (up to
		// maxMustRows): "show in the timeline" must land on a row; those on
		// critical paths, three quarters of them.
		budget := maxRows * 3 / 4
		for i, set := range append([]map[parse.GoID]bool{must}, also...) {
			limit := min(maxMustRows, budget)
			if i == 0 {
				limit = min(maxMustRows, max(maxRows, 1))
			}
			for _, g := range user {
				if set[g.ID] && !keep[g.ID] && len(keep) < limit {
					keep[g.ID] = true
				}
			}
		}
		// Round-robin over the groups, heaviest first.
		order := slices.Clone(groups)
		slices.SortStableFunc(order, func(a, b *grp) int { return cmp.Compare(b.weight, a.weight) })
		queues := make([][]*parse.Goroutine, len(order))
		for i, gr := range order {
			queues[i] = byInterest(gr.members)
		}
		for more := true; more && len(keep) < budget; {
			more = false
			for i := range queues {
				for len(queues[i]) > 0 && (keep[queues[i][0].ID] || timers[queues[i][0].ID]) {
					queues[i] = queues[i][1:]
				}
				if len(queues[i]) == 0 || len(keep) >= budget {
					continue
				}
				keep[queues[i][0].ID] = true
				queues[i] = queues[i][1:]
				more = more || len(queues[i]) > 0
			}
		}
	}
	// Groups named by findings first, then the busiest; groups of timers
	// last. Within a group, the goroutines findings name first, then by id.
	named := func(gr *grp) bool {
		return slices.ContainsFunc(gr.members, func(g *parse.Goroutine) bool { return must[g.ID] })
	}
	allTimers := func(gr *grp) bool {
		return !slices.ContainsFunc(gr.members, func(g *parse.Goroutine) bool { return !timers[g.ID] })
	}
	slices.SortStableFunc(groups, func(a, b *grp) int {
		return cmp.Or(-cmp.Compare(boolInt(named(a)), boolInt(named(b))),
			cmp.Compare(boolInt(allTimers(a)), boolInt(allTimers(b))),
			cmp.Compare(b.weight, a.weight))
	})
	var rows []plannedRow
	var folds []int // indexes of fold rows
	for _, gr := range groups {
		var rest []*parse.Goroutine
		for _, g := range slices.SortedStableFunc(slices.Values(gr.members), func(a, b *parse.Goroutine) int {
			return -cmp.Compare(boolInt(must[a.ID]), boolInt(must[b.ID]))
		}) {
			if keep[g.ID] {
				rows = append(rows, plannedRow{label: g.Name, group: gr.idx, g: g, parent: -1})
			} else {
				rest = append(rest, g)
			}
		}
		slices.SortFunc(rest, func(a, b *parse.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
		if len(rest) > 0 {
			folds = append(folds, len(rows))
			rows = append(rows, plannedRow{label: t.Groups[gr.idx].Name, group: gr.idx, members: rest, parent: -1})
		}
	}
	// Too many folded groups for the rows left: the smallest share one.
	if room := max(maxRows-(len(rows)-len(folds)), 1); len(folds) > room {
		bySize := slices.Clone(folds)
		slices.SortStableFunc(bySize, func(a, b int) int { return cmp.Compare(len(rows[b].members), len(rows[a].members)) })
		other := plannedRow{label: "other goroutines", group: -1, parent: -1}
		drop := map[int]bool{}
		for _, i := range bySize[room-1:] {
			other.members = append(other.members, rows[i].members...)
			drop[i] = true
		}
		slices.SortFunc(other.members, func(a, b *parse.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
		kept := rows[:0:0]
		for i, r := range rows {
			if !drop[i] {
				kept = append(kept, r)
			}
		}
		rows = append(kept, other)
	}
	if len(sys) > 0 {
		rows = append(rows, plannedRow{label: "runtime", group: -1, members: sys, parent: -1})
	}
	// Members of folded rows that can be expanded.
	shown := len(rows)
	total := 0
	for i := range shown {
		r := &rows[i]
		if r.g != nil {
			continue
		}
		n := min(len(r.members), maxMembers, maxMemberRows-total)
		picked := byInterest(r.members)[:n]
		slices.SortFunc(picked, func(a, b *parse.Goroutine) int { return cmp.Compare(a.ID, b.ID) })
		r.hidden = len(r.members) - n
		total += n
		for _, g := range picked {
			rows = append(rows, plannedRow{label: g.Name, group: g.Group, g: g, parent: i})
		}
	}
	return rows
}

// timerGoroutine says whether g is one of the short-lived goroutines the
// runtime's timers start: a context's deadline or cancellation callback
// (context.WithDeadlineCause.func2) or any time.AfterFunc callback (created
// by time.goFunc), that ran and ended. They are many, say little one by
// one, and fold into their group's row.
func timerGoroutine(t *parse.Trace, g *parse.Goroutine) bool {
	if g.Ended < 0 || g.Leaked() || g.Label != "" {
		return false
	}
	if strings.HasPrefix(g.StartFunc, "context.") {
		return true
	}
	for _, f := range t.StackFrames(g.CreateStack) {
		if f.Func == "time.goFunc" {
			return true
		}
		if !strings.HasPrefix(f.Func, "runtime.") {
			break
		}
	}
	return false
}
