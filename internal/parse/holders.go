package parse

import (
	"cmp"
	"slices"
	"strings"
)

// Holders of unnamed locks. A goroutine waiting for a sync.Mutex or
// sync.RWMutex is woken by the goroutine that released the lock, so the
// wake-ups tell who held a contended lock, without the tracer's named locks:
// the same bookkeeping as named locks (resState), with the lock known by the
// call site where goroutines waited for it (Site).

// siteLockKey is an unnamed lock: the call site waited at, and the reason.
type siteLockKey struct {
	site   FrameID
	reason Reason
}

// siteLock follows the unnamed lock waited for at site.
func (b *builder) siteLock(site FrameID, r Reason) *resState {
	k := siteLockKey{site, r}
	rs := b.locks[k]
	if rs == nil {
		rs = &resState{since: map[GoID]int64{}, blame: map[GoID]holderInfo{}}
		b.locks[k] = rs
	}
	return rs
}

// lockWaitBegins notes a user goroutine starting to wait for a lock at
// stack stk, at t.
func (b *builder) lockWaitBegins(s *Span) {
	if s.Reason != ReasonMutex && s.Reason != ReasonRWMutex || s.Stack == 0 {
		return
	}
	rs := b.siteLock(b.info(s.Stack).site, s.Reason)
	rs.open = append(rs.open, s.Start)
}

// lockWaitEnds books the wait s of g for a lock, which w ended: w.By
// released it and g takes it.
func (b *builder) lockWaitEnds(g GoID, s *Span, w *Wake) {
	if s.Reason != ReasonMutex && s.Reason != ReasonRWMutex || s.Stack == 0 {
		return
	}
	rs := b.siteLock(b.info(s.Stack).site, s.Reason)
	if w.Source == WakeGoroutine {
		// Booked while this wait still counts as open: a lock with one
		// waiter at a time has a holder too.
		rs.released(w.By, s.End, !b.readerRelease(w.Stack), w.Stack)
	}
	if i := slices.Index(rs.open, s.Start); i >= 0 {
		rs.open = slices.Delete(rs.open, i, i+1)
	}
	rs.blameHolders(g, s.Start, s.End, true)
}

// readerRelease reports whether a waker's stack is a reader's RUnlock.
func (b *builder) readerRelease(stk StackID) bool {
	if stk == 0 {
		return false
	}
	for _, f := range b.t.Stacks[stk].Frames {
		fn := b.t.Frames[f].Func
		if strings.HasPrefix(fn, "sync.(*RWMutex).RUnlock") {
			return true
		}
		if !strings.HasPrefix(fn, "sync.") && !strings.HasPrefix(fn, "internal/sync.") && !strings.HasPrefix(fn, "runtime.") {
			return false
		}
	}
	return false
}

// holdersOf ranks the holders of a lock, most blame first, the first
// maxHolders of n.
func holdersOf(rs *resState) (out []Holder, n int) {
	for g, v := range rs.blame {
		if v.blame > 0 {
			out = append(out, Holder{g, v.blame, v.release})
		}
	}
	slices.SortFunc(out, func(a, c Holder) int { return cmp.Or(cmp.Compare(c.Blame, a.Blame), cmp.Compare(a.G, c.G)) })
	n = len(out)
	if len(out) > maxHolders {
		out = out[:maxHolders]
	}
	return out, n
}
