package main

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// Where gotd's goroutines block, by the functions in their blocking stacks.
const (
	waiterHandle = "github.com/gotd/contrib/middleware/floodwait.(*Waiter).Handle" // a caller, parked on its request's result channel
	waiterTick   = "github.com/gotd/contrib/middleware/floodwait.(*Waiter).Run"    // the scheduler, waiting for its next tick
	limiterWait  = "github.com/gotd/contrib/middleware/ratelimit.(*RateLimiter).wait"
)

// blockedIn returns g's blocked spans whose stack, below the runtime's
// frames, starts in a function whose name starts with fn.
func blockedIn(tr *parse.Trace, g *parse.Goroutine, fn string) []parse.Span {
	var out []parse.Span
	for _, s := range tracetest.Blocked(g, parse.ReasonNone) {
		for _, f := range tr.StackFrames(s.Stack) {
			if strings.HasPrefix(f.Func, "runtime.") {
				continue
			}
			if strings.HasPrefix(f.Func, fn) {
				out = append(out, s)
			}
			break
		}
	}
	return out
}

// covered is the share of [from, to] that spans cover.
func covered(spans []parse.Span, from, to int64) float64 {
	var in int64
	for _, s := range spans {
		in += tracetest.Overlap(s.Start, s.End, from, to)
	}
	return float64(in) / float64(to-from)
}

func total(spans []parse.Span) time.Duration {
	var d time.Duration
	for _, s := range spans {
		d += s.Duration()
	}
	return d
}

func TestTelegram(t *testing.T) {
	before := runtime.NumGoroutine()
	var r result
	var err error
	tr := tracetest.Record(t, func() { r, err = run(context.Background()) })
	t.Logf("run: %d messages, %d polls in %v; server: %d calls, %d FLOOD_WAIT", r.Messages, r.Polls, r.Took.Round(time.Millisecond), r.Server.Calls, r.Server.Floods)
	if err != nil || len(r.Errors) > 0 {
		t.Fatalf("run: %v, RPC errors %v", err, r.Errors)
	}
	if tr.Coarsened != 0 || tr.TasksDropped+tr.RegionsDropped+tr.LogsDropped > 0 {
		t.Fatalf("the model merged spans or dropped annotations; the test counts them one by one")
	}

	// Every RPC completed: a finished task per call, each logged "ok".
	tasks := map[string][]parse.Task{}
	byID := map[parse.TaskID]parse.Task{}
	for _, k := range tr.Tasks {
		tasks[k.Type] = append(tasks[k.Type], k)
		byID[k.ID] = k
	}
	sends, configs, pauses := tasks["messages.sendMessage"], tasks["help.getConfig"], tasks["flood-wait"]
	if r.Messages != senders*messages || len(sends) != senders*messages {
		t.Errorf("%d messages sent, %d messages.sendMessage tasks; want %d", r.Messages, len(sends), senders*messages)
	}
	if len(configs) != r.Polls+1 { // the poller's, and the one made on connecting
		t.Errorf("%d help.getConfig tasks, want %d", len(configs), r.Polls+1)
	}
	ok := 0
	for _, l := range tr.Logs {
		if l.Category == "rpc" && strings.HasSuffix(l.Message, ": ok") {
			ok++
		}
	}
	for _, k := range append(slices.Clone(sends), configs...) {
		if k.Unfinished {
			t.Errorf("%s task %d never finished", k.Type, k.ID)
		}
	}
	if ok != len(sends)+len(configs) {
		t.Errorf("%d RPCs logged ok, want all %d", ok, len(sends)+len(configs))
	}

	// The waiter's scheduler is one goroutine that makes every server call,
	// one at a time.
	sched := tracetest.One(t, tr, "floodwait-scheduler")
	calls := tracetest.Regions(tr, "server call")
	if len(calls) != r.Server.Calls {
		t.Errorf("%d server calls in the trace, the server counted %d", len(calls), r.Server.Calls)
	}
	for i, c := range calls {
		if c.Goroutine != sched.ID {
			t.Errorf("server call %d made by G%d, want the scheduler G%d", i, c.Goroutine, sched.ID)
		}
		if i > 0 && c.Start < calls[i-1].End {
			t.Errorf("server call %d began %v before call %d ended: want one at a time", i, time.Duration(calls[i-1].End-c.Start), i-1)
		}
	}

	// Flood waits happened and were waited out: each FLOOD_WAIT_1 answer
	// paused its request at least the second the server asked for, and the
	// message was then sent.
	if r.Server.Floods == 0 {
		t.Fatalf("the server never answered FLOOD_WAIT: the client did not outpace it")
	}
	if len(pauses) != r.Server.Floods {
		t.Errorf("%d flood-wait pauses in the trace, the server answered FLOOD_WAIT %d times", len(pauses), r.Server.Floods)
	}
	ticks := blockedIn(tr, sched, waiterTick)
	const asked = floodWait * time.Second
	parked := map[parse.GoID]bool{}
	for _, p := range pauses {
		d := time.Duration(p.End - p.Start)
		call := byID[p.Parent]
		if p.Unfinished || d < asked-5*time.Millisecond || d > 2*asked+2*time.Second {
			t.Errorf("flood-wait pause of %v (unfinished: %v), want the %v asked for, and an end", d, p.Unfinished, asked)
		}
		if call.Type != "messages.sendMessage" || call.Unfinished || call.End < p.End {
			t.Errorf("flood-wait pause %d: its call is %q (unfinished: %v), want a message sent after the pause", p.ID, call.Type, call.Unfinished)
		}
		// Meanwhile the sender was parked on the waiter's result channel,
		// and the scheduler went on ticking.
		g := tr.Goroutine(call.Goroutine)
		if g == nil || g.Name != "sender" {
			t.Fatalf("flood-wait pause %d: its call was made by %v, want a sender", p.ID, g)
		}
		if c := covered(blockedIn(tr, g, waiterHandle), p.Start, p.End); c < 0.99 {
			t.Errorf("during a %v pause, sender G%d was parked in the waiter %.0f%% of the time, want all of it", d, g.ID, 100*c)
		}
		for _, s := range tr.Goroutines {
			if s.Name == "sender" && covered(blockedIn(tr, s, waiterHandle), p.Start, p.End) >= 0.99 {
				parked[s.ID] = true
			}
		}
		n := 0
		for _, s := range ticks {
			if s.Start >= p.Start && s.End <= p.End {
				n++
			}
		}
		if n < 50 {
			t.Errorf("the scheduler woke %d times in a %v pause, want it ticking (every 1 ms when idle)", n, d)
		}
		t.Logf("pause of %v (FLOOD_WAIT_%d) from %v: sender G%d parked throughout; the scheduler woke %d times", d.Round(time.Millisecond), floodWait, time.Duration(p.Start).Round(time.Millisecond), g.ID, n)
	}
	t.Logf("%d senders parked in the waiter through a whole pause", len(parked))

	// The pause is per method: the poller's help.getConfig calls went on.
	during := 0
	for _, c := range calls {
		if byID[c.Task].Type != "help.getConfig" {
			continue
		}
		for _, p := range pauses {
			if c.Start > p.Start && c.End < p.End {
				during++
				break
			}
		}
	}
	if during == 0 {
		t.Errorf("no help.getConfig call reached the server during a flood-wait pause of messages.sendMessage")
	}
	t.Logf("%d help.getConfig calls reached the server during the pauses", during)

	if len(ticks) == 0 || total(ticks)/time.Duration(len(ticks)) > 10*time.Millisecond {
		t.Errorf("the scheduler waited for its ticker %d times, %v in all; want waits of about 1 ms", len(ticks), total(ticks))
	}

	// The rate limiter made the scheduler wait for tokens.
	limited := blockedIn(tr, sched, limiterWait)
	if len(limited) < 3 || total(limited) < 100*time.Millisecond {
		t.Errorf("the scheduler waited for the rate limiter %d times, %v in all; want the limiter pacing it", len(limited), total(limited))
	}
	t.Logf("scheduler: %d server calls, %d ticks (%v), %d rate-limit waits (%v, longest %v)",
		len(calls), len(ticks), total(ticks).Round(time.Millisecond), len(limited), total(limited).Round(time.Millisecond), tracetest.Longest(limited).Duration().Round(time.Millisecond))

	// No goroutine is left behind: none is blocked when the trace ends,
	// and the process is back to the goroutines it had.
	for _, g := range tr.Goroutines {
		if g.Leaked() {
			t.Errorf("G%d %s still blocked on %v when the trace ended", g.ID, g.Name, tr.ReasonText(g.EndReason, g.EndRaw))
		}
	}
	// The flood waits show as a stall: tasks in progress, nothing running,
	// the callers parked in the waiter. Every pause lies within a stall
	// whose subject is the waiter and whose evidence lists the pauses.
	var stalls []findings.Finding
	for _, f := range findings.Analyze(tr, findings.Thresholds{}) {
		t.Logf("finding: %s %s: %s", f.Level, f.Kind, f.Message)
		switch f.Kind {
		case findings.KindLeak:
			t.Errorf("finding %s: %s", f.Kind, f.Message)
		case findings.KindStall:
			if strings.Contains(f.Subject, waiterHandle) && slices.ContainsFunc(f.Evidence, func(e string) bool { return strings.Contains(e, "flood-wait (") }) {
				stalls = append(stalls, f)
			}
		}
	}
	for _, p := range pauses {
		if !slices.ContainsFunc(stalls, func(f findings.Finding) bool { return f.From <= p.Start && p.End <= f.To }) {
			t.Errorf("the flood-wait pause from %v to %v is in no stall finding about the waiter (%d such findings)", time.Duration(p.Start), time.Duration(p.End), len(stalls))
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the run, %d before", n, before)
	}
}
