package findings

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
)

// leaks: goroutines still blocked at the end, or proven leaked, grouped as
// the summary and the report list them (parse.Trace.LeakGroups).
func (a *analysis) leaks() {
	t := a.t
	groups := t.LeakGroups(int64(a.th.LeakMinBlocked))
	// Proven leaks first: where the costs tie, the findings keep this
	// order, and what the runtime proved is the surer claim.
	slices.SortStableFunc(groups, func(x, y parse.LeakGroup) int { return cmp.Compare(min(y.Proven, 1), min(x.Proven, 1)) })
	for _, lg := range groups {
		sev := Warning
		if lg.Count >= a.th.LeakCritical {
			sev = Critical
		}
		where := a.place(lg.Site)
		age := fmt.Sprintf("the oldest for %s", dur(t.Duration-lg.Since))
		if lg.Since == 0 {
			age = "since the trace began"
		}
		var msg, title string
		if lg.Proven > 0 {
			title = "Goroutine leak (proven)"
			msg = fmt.Sprintf("%d goroutine%s (%s) leaked: the runtime proved %s blocked on %s at %s, which no running goroutine can ever reach, %s.",
				lg.Count, plural(lg.Count), lg.Name, them(lg.Proven, lg.Count), lg.Reason, where, age)
		} else {
			title = "Goroutine leak"
			msg = fmt.Sprintf("%d goroutine%s (%s) never finished: still blocked on %s at %s when the trace ended, %s.",
				lg.Count, plural(lg.Count), lg.Name, lg.Reason, where, age)
			if t.LeakChecked {
				msg += " The runtime's leak check did not prove it: something alive could still wake them."
			}
		}
		ev := []string{fmt.Sprintf("blocked on %s since %s", lg.Reason, dur(lg.Since))}
		if first := t.Goroutine(lg.Goroutines[0]); first != nil {
			if chain := t.CreatorChain(first); len(chain) > 0 {
				var places []string
				for _, f := range chain {
					places = append(places, a.place(f))
				}
				ev = append(ev, "created at "+strings.Join(places, " ← "))
			}
		}
		ev = append(ev, a.stackLines(lg.Stack, 6)...)
		var names []string
		for i, id := range lg.Goroutines {
			if i == 5 {
				names = append(names, fmt.Sprintf("and %d more", lg.Count-5))
				break
			}
			names = append(names, a.gname(id))
		}
		ev = append(ev, "goroutines: "+strings.Join(names, ", "))
		var cost int64
		for _, id := range lg.Goroutines {
			if g := t.Goroutine(id); g != nil {
				cost += t.Duration - g.EndSince
			}
		}
		if n := len(lg.Goroutines); n > 0 && lg.Count > n {
			cost = cost * int64(lg.Count) / int64(n)
		}
		a.add(Finding{
			Title: title, Severity: sev, Message: msg, Evidence: ev, Proven: lg.Proven > 0,
			Subject: lg.Name + " @ " + a.funcOf(lg.Site), CostNs: cost, Site: a.site(lg.Site),
			From: lg.Since, To: t.Duration, Goroutines: goids(lg.Goroutines),
		})
	}
}

// them says which of n goroutines were proven: "them" or "3 of them".
func them(proven, n int) string {
	switch {
	case proven == n && n == 1:
		return "it is"
	case proven == n:
		return "they are"
	}
	return fmt.Sprintf("%d of them are", proven)
}

var _ = parse.LeakProven
