package corpus

import (
	"math"

	"github.com/vizrun/vizrun/internal/parse"
)

// Definition is how a figure is read from vizrun's model. The truth program
// (scripts/corpus/truth) computes the same figure from the raw events; the
// definitions in words are in testdata/corpus/README.md.
type Definition struct {
	Doc string
	Of  func(t *parse.Trace) int64
}

// Definitions are the figures a label may list, by name.
var Definitions = map[string]Definition{
	"duration": {"ns from the first event to the last", func(t *parse.Trace) int64 { return t.Duration }},
	"running": {"ns user goroutines spent running, summed", func(t *parse.Trace) int64 {
		tot := t.UserTotals()
		return tot.Running
	}},
	"runnable": {"ns user goroutines spent runnable (waiting for a P), summed", func(t *parse.Trace) int64 {
		tot := t.UserTotals()
		return tot.Runnable
	}},
	"syscall": {"ns user goroutines spent in system calls, summed", func(t *parse.Trace) int64 {
		tot := t.UserTotals()
		return tot.Syscall
	}},
	"blocked.chan-receive": blocked(parse.ReasonChanRecv),
	"blocked.chan-send":    blocked(parse.ReasonChanSend),
	"blocked.select":       blocked(parse.ReasonSelect),
	"blocked.sleep":        blocked(parse.ReasonSleep),
	"blocked.cond":         blocked(parse.ReasonCond),
	"blocked.network":      blocked(parse.ReasonNetwork),
	"blocked.gc":           blocked(parse.ReasonGC),
	"blocked.sync": {"ns user goroutines waited for the runtime's reason \"sync\" outside the GC: mutex, rwmutex, waitgroup, and sync waits vizrun could not refine", func(t *parse.Trace) int64 {
		var n int64
		for _, g := range t.Goroutines {
			if g.System {
				continue
			}
			n += g.Totals.Blocked[parse.ReasonMutex] + g.Totals.Blocked[parse.ReasonRWMutex] + g.Totals.Blocked[parse.ReasonWaitGroup]
			n += otherRaw(t, g, true)
		}
		return n
	}},
	"blocked.other": {"ns user goroutines waited for any other reason (preempted included)", func(t *parse.Trace) int64 {
		var n int64
		for _, g := range t.Goroutines {
			if g.System {
				continue
			}
			n += g.Totals.Blocked[parse.ReasonPreempted] + otherRaw(t, g, false)
		}
		return n
	}},
	"gc.assist": {"ns user goroutines spent assisting the GC", func(t *parse.Trace) int64 {
		var n int64
		for _, g := range t.Goroutines {
			if !g.System {
				n += g.Totals.GCAssist
			}
		}
		return n
	}},
	"parallelism": {"thousandths of a P: the Ps' busy time over the duration", func(t *parse.Trace) int64 {
		return int64(math.Round(1000 * t.AvgParallelism()))
	}},
	"leaks": {"user goroutines blocked at the end, test harness waits apart", func(t *parse.Trace) int64 {
		var n int64
		for _, g := range t.Goroutines {
			if !g.System && g.End == parse.EndBlocked && !g.Harness {
				n++
			}
		}
		return n
	}},
	"goroutines.created": {"goroutines created during the trace, runtime ones included", func(t *parse.Trace) int64 { return int64(t.Created) }},
}

func blocked(r parse.Reason) Definition {
	return Definition{"ns user goroutines were blocked on " + r.String(), func(t *parse.Trace) int64 {
		var n int64
		for _, g := range t.Goroutines {
			if !g.System {
				n += g.Totals.Blocked[r]
			}
		}
		return n
	}}
}

// otherRaw is g's time blocked for ReasonOther whose raw reason is "sync"
// (sync is true) or anything else (false), from its spans.
func otherRaw(t *parse.Trace, g *parse.Goroutine, sync bool) int64 {
	var n, inSpans int64
	for _, s := range g.Spans {
		if s.State != parse.StateBlocked || s.Reason != parse.ReasonOther {
			continue
		}
		d := s.End - s.Start
		inSpans += d
		if (t.ReasonText(s.Reason, s.Raw) == "sync") == sync {
			n += d
		}
	}
	if !sync {
		// Spans merged by coarsening keep no raw reason: what the totals
		// hold beyond the spans is booked as other.
		n += max(g.Totals.Blocked[parse.ReasonOther]-inSpans, 0)
	}
	return n
}
