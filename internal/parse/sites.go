package parse

// Blocking call sites: where the program's goroutines blocked, booked as
// blocking spans close.

import (
	"cmp"
	"slices"
)

type siteKey struct {
	stack  StackID
	reason Reason
}

// site books a blocking span of a user goroutine to its call site.
func (b *builder) site(s *Span) {
	// Stacks are dense small ids and a stack nearly always blocks for one
	// reason: a slice indexed by stack, with a map for the odd other reason.
	var st *Site
	if i := int(s.Stack); i < len(b.siteByStack) && b.siteByStack[i].Count > 0 && b.siteByStack[i].Reason == s.Reason {
		st = &b.siteByStack[i]
	} else if i < len(b.siteByStack) && b.siteByStack[i].Count == 0 {
		st = &b.siteByStack[i]
		st.Reason, st.Stack = s.Reason, s.Stack
	} else if i >= len(b.siteByStack) {
		b.siteByStack = append(b.siteByStack, make([]Site, i+1-len(b.siteByStack)+len(b.siteByStack)/2)...)
		st = &b.siteByStack[i]
		st.Reason, st.Stack = s.Reason, s.Stack
	} else {
		k := siteKey{s.Stack, s.Reason}
		st = b.sites[k]
		if st == nil {
			st = &Site{Reason: s.Reason, Stack: s.Stack}
			b.sites[k] = st
		}
	}
	d := s.End - s.Start
	b.t.WaitHist[s.Reason].Add(d)
	st.Count++
	st.Total += d
	if d > st.Max {
		st.Max, st.MaxAt = d, s.Start
	}
}

// unsite takes back what site booked for span s.
func (b *builder) unsite(s *Span) {
	st := b.sites[siteKey{s.Stack, s.Reason}]
	if i := int(s.Stack); i < len(b.siteByStack) && b.siteByStack[i].Count > 0 && b.siteByStack[i].Reason == s.Reason {
		st = &b.siteByStack[i]
	}
	if st == nil || st.Count == 0 {
		return
	}
	d := s.End - s.Start
	b.t.WaitHist[s.Reason].Remove(d)
	st.Count--
	st.Total -= d
}

// finishSites merges blocking stacks by call site and reason, longest total
// first. The representative stack of a site is its stack with the most
// blocked time.
func (b *builder) finishSites() {
	for i := range b.siteByStack {
		if st := &b.siteByStack[i]; st.Count > 0 {
			b.sites[siteKey{st.Stack, st.Reason}] = st
		}
	}
	keys := make([]siteKey, 0, len(b.sites))
	for k := range b.sites {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, c siteKey) int { return cmp.Or(cmp.Compare(a.stack, c.stack), cmp.Compare(a.reason, c.reason)) })
	type key struct {
		f FrameID
		r Reason
	}
	merged := map[key]int{}
	var out []Site
	var rep []int64
	for _, k := range keys {
		s := b.sites[k]
		f := FrameID(0)
		if k.stack != 0 {
			f = b.info(k.stack).site
		}
		i, ok := merged[key{f, k.reason}]
		if !ok {
			i = len(out)
			merged[key{f, k.reason}] = i
			out = append(out, Site{Frame: f, Reason: k.reason, Stack: s.Stack})
			rep = append(rep, s.Total)
		} else if s.Total > rep[i] {
			out[i].Stack, rep[i] = s.Stack, s.Total
		}
		m := &out[i]
		m.Count += s.Count
		m.Total += s.Total
		if s.Max > m.Max {
			m.Max, m.MaxAt = s.Max, s.MaxAt
		}
	}
	for i := range out {
		if rs := b.locks[siteLockKey{out[i].Frame, out[i].Reason}]; rs != nil {
			out[i].Holders, out[i].HolderCount = holdersOf(rs)
		}
	}
	slices.SortStableFunc(out, func(a, c Site) int {
		return cmp.Or(cmp.Compare(c.Total, a.Total), cmp.Compare(a.Frame, c.Frame), cmp.Compare(a.Reason, c.Reason))
	})
	b.t.Sites = out
}
