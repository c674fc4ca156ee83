package parse

// Stacks and frames, interned for the whole trace, and what the classifiers
// decided about each stack.

import (
	"slices"
	"strings"
	"unsafe"

	"golang.org/x/exp/trace"
)

type frameKey struct {
	pc uint64
	fn string
}

// stackInfo caches what the classifiers decided about a stack.
type stackInfo struct {
	done   bool
	sync   Reason     // syncKind of the stack
	infer  Reason     // inferReason of the stack
	inferR uint16     // raw reason index for infer == ReasonOther
	tracer Reason     // a wait inside the tracer's Send or Recv: chan send or receive
	idle   bool       // a wait here is idle plumbing (see idleWait)
	own    bool       // a wait here is vizrun's own work (see ownWait)
	waker  WakeSource // what a wake-up from this stack stands for (wakerSource)
	raw    bool       // inside a system call the tracer does not see (inRawSyscall)
	site   FrameID
}

// raw interns a raw reason string.
func (b *builder) raw(s string) uint16 {
	if i, ok := b.rawIdx[s]; ok {
		return i
	}
	if len(b.t.RawReasons) >= 1<<16-1 {
		return 0
	}
	i := uint16(len(b.t.RawReasons))
	b.t.RawReasons = append(b.t.RawReasons, s)
	b.rawIdx[s] = i
	return i
}

// stackID interns a stack.
func (b *builder) stackID(s trace.Stack) StackID {
	if s == trace.NoStack {
		return 0
	}
	if id, ok := b.genStacks[s]; ok {
		return id
	}
	b.frameBuf = b.frameBuf[:0]
	for f := range s.Frames() {
		if strings.HasSuffix(f.File, wrapperFile) {
			continue // vizrun run's wrapper around main
		}
		k := frameKey{f.PC, f.Func}
		fid, ok := b.frameIdx[k]
		if !ok {
			fid = FrameID(len(b.t.Frames))
			b.t.Frames = append(b.t.Frames, Frame{Func: funcName(f.Func), File: valid(f.File), Line: int(f.Line)})
			b.frameIdx[k] = fid
		}
		b.frameBuf = append(b.frameBuf, fid)
	}
	if len(b.frameBuf) == 0 {
		b.genStacks[s] = 0
		return 0
	}
	key := unsafe.String((*byte)(unsafe.Pointer(&b.frameBuf[0])), len(b.frameBuf)*int(unsafe.Sizeof(FrameID(0))))
	id, ok := b.stackIdx[key]
	if !ok {
		id = StackID(len(b.t.Stacks))
		b.t.Stacks = append(b.t.Stacks, Stack{Frames: slices.Clone(b.frameBuf)})
		b.stackInfo = append(b.stackInfo, stackInfo{})
		b.stackIdx[strings.Clone(key)] = id
	}
	b.genStacks[s] = id
	return id
}

// frames is a stack's frames, innermost first.
func (t *Trace) frames(id StackID) []Frame {
	ids := t.Stacks[id].Frames
	out := make([]Frame, len(ids))
	for i, f := range ids {
		out[i] = t.Frames[f]
	}
	return out
}

// info classifies a stack once.
func (b *builder) info(id StackID) *stackInfo {
	in := &b.stackInfo[id]
	if in.done {
		return in
	}
	in.done = true
	ids := b.t.Stacks[id].Frames
	frames := b.t.frames(id)
	in.sync = syncKind(frames)
	var raw string
	in.infer, raw = inferReason(frames)
	if in.infer == ReasonOther {
		in.inferR = b.raw(raw)
	}
	in.tracer = tracerWait(frames)
	in.waker = wakerSource(frames)
	in.raw = inRawSyscall(frames)
	in.site = siteFrame(ids, b.t.Frames)
	in.idle = idleWait(frames, b.t.Frames[in.site].Func)
	in.own = ownWait(frames)
	return in
}

// ownWait reports whether a wait with these frames is vizrun's own work
// inside the program: the garbage collection the runtime's goroutine leak
// profile runs to prove leaks, which vizrun run, vizrun test and the tracer
// take just before tracing stops. Such waits are not the program's: they
// are booked to Totals.Own, not to its blocked time, call sites, series or
// profiles.
func ownWait(frames []Frame) bool {
	for _, f := range frames {
		if leakCheckFunc(f.Func) {
			return true
		}
	}
	return false
}

// leakCheckFunc reports whether fn is the runtime's goroutine leak profile
// at work (see ownWait).
func leakCheckFunc(fn string) bool {
	return fn == "runtime/pprof.runtime_goroutineLeakGC" || fn == "runtime/pprof.writeGoroutineLeak"
}

// own reports whether span s is a wait of vizrun's own work (ownWait).
func (b *builder) own(s *Span) bool {
	return s.State == StateBlocked && s.Stack != 0 && b.info(s.Stack).own
}

// OwnWait reports whether span s is a wait of vizrun's own work inside the
// program (the leak profile's garbage collection): see Totals.Own.
func (t *Trace) OwnWait(s *Span) bool {
	if s.State != StateBlocked || s.Stack == 0 || int(s.Stack) >= len(t.Stacks) {
		return false
	}
	for _, f := range t.Stacks[s.Stack].Frames {
		if leakCheckFunc(t.Frames[f].Func) {
			return true
		}
	}
	return false
}
