package html

import (
	"fmt"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
)

// Stacks as users see them: the frames of the program, without those of the
// vizrun tracer (its Mutex.Lock, Go, Send... wrap the program's calls) or of
// the wrapper vizrun run adds around main. The model keeps every frame; the
// report leaves these out everywhere it shows a stack.

const (
	maxFrames = 12    // frames shown per stack
	maxStacks = 20000 // stacks the page holds; past it, spans show none
)

// hiddenFrame reports whether a frame is vizrun's rather than the program's.
func hiddenFrame(f parse.Frame) bool {
	fn := f.Func
	// The tracer's packages ("tracer.(*Mutex).Lock", "tracer/report.Run"),
	// not another package whose path merely starts the same way.
	if protocol.TracerFunc(fn) {
		return true
	}
	return strings.HasSuffix(f.File, "/"+protocol.WrapperFile) || f.File == protocol.WrapperFile
}

// userFrames is a stack's frames as shown, innermost first.
func userFrames(t *parse.Trace, id parse.StackID) []parse.Frame {
	if id == 0 || int(id) >= len(t.Stacks) {
		return nil
	}
	var out []parse.Frame
	for _, f := range t.Stacks[id].Frames {
		if int(f) < len(t.Frames) && !hiddenFrame(t.Frames[f]) {
			out = append(out, t.Frames[f])
		}
	}
	return out
}

// frameText is one frame as the report prints it.
func frameText(f parse.Frame) string {
	if f.File == "" {
		return f.Func
	}
	return fmt.Sprintf("%s  %s:%d", f.Func, f.File, f.Line)
}

// stackText is a stack as lines of text, for the tables.
func stackText(t *parse.Trace, id parse.StackID) []string {
	fr := userFrames(t, id)
	var out []string
	for i, f := range fr {
		if i == maxFrames {
			out = append(out, fmt.Sprintf("... %d more", len(fr)-maxFrames))
			break
		}
		out = append(out, frameText(f))
	}
	return out
}

// stackTable collects the stacks the page refers to.
type stackTable struct {
	t        *parse.Trace
	Stacks   [][]int
	Frames   []string
	stackIdx map[parse.StackID]int
	frameIdx map[string]int
}

func newStackTable(t *parse.Trace) *stackTable {
	return &stackTable{t: t, Stacks: [][]int{}, Frames: []string{}, stackIdx: map[parse.StackID]int{}, frameIdx: map[string]int{}}
}

// ref registers a stack: its reference (index + 1), or 0 for none.
func (st *stackTable) ref(id parse.StackID) int {
	if id == 0 {
		return 0
	}
	if i, ok := st.stackIdx[id]; ok {
		return i
	}
	fr := userFrames(st.t, id)
	if len(fr) == 0 || len(st.Stacks) >= maxStacks {
		st.stackIdx[id] = 0
		return 0
	}
	var frames []int
	for i, f := range fr {
		if i == maxFrames {
			break
		}
		txt := frameText(f)
		fi, ok := st.frameIdx[txt]
		if !ok {
			fi = len(st.Frames)
			st.frameIdx[txt] = fi
			st.Frames = append(st.Frames, txt)
		}
		frames = append(frames, fi)
	}
	st.Stacks = append(st.Stacks, frames)
	st.stackIdx[id] = len(st.Stacks)
	return len(st.Stacks)
}
