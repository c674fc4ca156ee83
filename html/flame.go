package html

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/internal/protocol"
)

// The wall-clock flame graph: callers on top, callees below (an icicle),
// each frame as wide as the wall-clock time spent in it and its callees,
// on and off the CPU. Frames narrower than 1/flameMinShare of the total
// are dropped, and at most maxFlameNodes are drawn.

const (
	flameMinShare = 2000
	maxFlameNodes = 20000
)

type flameData struct {
	Total int64     `json:"total"` // ns of goroutine time sampled
	Unit  string    `json:"unit"`
	Names []string  `json:"names"`
	Nodes [][]int64 `json:"nodes"` // depth, start, value, name index
	Depth int       `json:"depth"`
}

type flameNode struct {
	name     string
	value    int64
	children map[string]*flameNode
}

// flameGraph builds the flame graph of a profile; nil when it has no samples.
func flameGraph(p *profile.Profile) *flameData {
	if p == nil || len(p.SampleType) == 0 {
		return nil
	}
	// fgprof's profiles have samples/count and time/nanoseconds: use time.
	vi, unit := len(p.SampleType)-1, p.SampleType[len(p.SampleType)-1].Unit
	for i, st := range p.SampleType {
		if st.Unit == "nanoseconds" {
			vi, unit = i, st.Unit
		}
	}
	root := &flameNode{name: "all"}
	var stack []string
	for _, s := range p.Sample {
		v := s.Value[vi]
		if v <= 0 {
			continue
		}
		// Locations run from the leaf to the root; inlined lines within a
		// location run from the callee to the caller.
		stack = stack[:0]
		for i := len(s.Location) - 1; i >= 0; i-- {
			lines := s.Location[i].Line
			for j := len(lines) - 1; j >= 0; j-- {
				name := "?"
				if f := lines[j].Function; f != nil {
					name = f.Name
				}
				stack = append(stack, name)
			}
		}
		if len(stack) > 0 && stack[0] == "runtime.goexit" {
			stack = stack[1:]
		}
		if profilerStack(stack) {
			continue
		}
		root.value += v
		n := root
		for _, name := range stack {
			{
				c := n.children[name]
				if c == nil {
					if n.children == nil {
						n.children = map[string]*flameNode{}
					}
					c = &flameNode{name: name}
					n.children[name] = c
				}
				c.value += v
				n = c
			}
		}
	}
	if root.value == 0 {
		return nil
	}
	fd := &flameData{Total: root.value, Unit: unit}
	names := map[string]int{}
	minV := root.value / flameMinShare
	var walk func(n *flameNode, depth int, start int64)
	walk = func(n *flameNode, depth int, start int64) {
		if len(fd.Nodes) >= maxFlameNodes || n.value < minV {
			return
		}
		ni, ok := names[n.name]
		if !ok {
			ni = len(fd.Names)
			names[n.name] = ni
			fd.Names = append(fd.Names, n.name)
		}
		fd.Nodes = append(fd.Nodes, []int64{int64(depth), start, n.value, int64(ni)})
		fd.Depth = max(fd.Depth, depth+1)
		kids := make([]*flameNode, 0, len(n.children))
		for _, c := range n.children {
			kids = append(kids, c)
		}
		// Widest first, then by name: the same profile draws the same way.
		slices.SortFunc(kids, func(a, b *flameNode) int { return cmp.Or(cmp.Compare(b.value, a.value), cmp.Compare(a.name, b.name)) })
		for _, c := range kids {
			walk(c, depth+1, start)
			start += c.value
		}
	}
	walk(root, 0, 0)
	return fd
}

// profilerStack reports whether a stack belongs to the profiler or the
// tracer themselves rather than to the program.
func profilerStack(stack []string) bool {
	for _, f := range stack {
		if strings.HasPrefix(f, "runtime/trace.") || strings.HasPrefix(f, "github.com/felixge/fgprof.") ||
			strings.HasPrefix(f, protocol.TracerPkg+".(*wallClock)") || strings.HasPrefix(f, protocol.TracerPkg+"/wallclock.") || f == "runtime.ReadTrace" {
			return true
		}
	}
	return false
}
