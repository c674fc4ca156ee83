package parse

import "strings"

// Naming the goroutines that run tests. The testing package runs each
// test, subtest, benchmark and fuzz test on a goroutine that starts in
// testing.tRunner (benchmarks in testing.(*B).run1 or launch, fuzz tests in
// testing.fRunner), so without a name they would all be one group,
// "testing.tRunner". vizrun test names each by its test (LogName, the exact
// "TestFoo/case"); in other traces (go test -trace) the test function the
// harness called, found in the goroutine's stacks or in those of the
// goroutines it started, names it: "TestFoo", "TestFoo.func1" for a subtest
// written as a function literal.

// testCallers are the testing package's functions that call a test
// function: the first frame inside one of them that is not the testing
// package's or reflect's (fuzz targets are called through reflect) is the
// test's.
var testCallers = map[string]bool{
	"testing.tRunner":   true,
	"testing.fRunner":   true,
	"testing.(*B).runN": true,
}

// isTestRunner reports whether fn starts the testing package's goroutines
// that run tests.
func isTestRunner(fn string) bool {
	switch fn {
	case "testing.tRunner", "testing.fRunner", "testing.(*B).run1.func1", "testing.(*B).launch", "testing.(*B).doBench":
		return true
	}
	return false
}

// testNamer finds test names for the goroutines of one trace.
type testNamer struct {
	t        *Trace
	children map[GoID][]StackID // creation stacks of the goroutines each started
	byStack  map[StackID]string
}

func newTestNamer(t *Trace) *testNamer {
	return &testNamer{t: t}
}

// name is g's name when it has no label: its test's, else its start
// function.
func (n *testNamer) name(g *Goroutine) string {
	if !isTestRunner(g.StartFunc) {
		return g.StartFunc
	}
	if n.children == nil {
		n.children = map[GoID][]StackID{}
		n.byStack = map[StackID]string{}
		for _, c := range n.t.Goroutines {
			if c.Parent != 0 && c.CreateStack != 0 {
				n.children[c.Parent] = append(n.children[c.Parent], c.CreateStack)
			}
		}
	}
	try := func(s StackID) string {
		if s == 0 {
			return ""
		}
		name, ok := n.byStack[s]
		if !ok {
			name = n.fromStack(s)
			n.byStack[s] = name
		}
		return name
	}
	if name := try(g.EndStack); name != "" {
		return name
	}
	for _, s := range g.Spans {
		if name := try(s.Stack); name != "" {
			return name
		}
	}
	for _, s := range n.children[g.ID] {
		if name := try(s); name != "" {
			return name
		}
	}
	return g.StartFunc
}

// fromStack returns the test function a stack runs, without its package
// path. Frames are innermost first.
func (n *testNamer) fromStack(s StackID) string {
	if int(s) >= len(n.t.Stacks) {
		return ""
	}
	fr := n.t.Stacks[s].Frames
	for i := len(fr) - 1; i > 0; i-- {
		if !testCallers[n.t.Frames[fr[i]].Func] {
			continue
		}
		for j := i - 1; j >= 0; j-- {
			fn := n.t.Frames[fr[j]].Func
			switch p := pkgOf(fn); {
			case p == "testing" || p == "reflect":
			case p == "runtime" || strings.HasPrefix(p, "internal/"):
				return "" // only the harness, waiting (t.Run)
			default:
				return testFuncName(fn)
			}
		}
		return ""
	}
	return ""
}

// testFuncName drops the package path of a function name:
// "example.com/pkg_test.TestFoo.func1" is "TestFoo.func1".
func testFuncName(fn string) string {
	rest := fn[strings.LastIndexByte(fn, '/')+1:]
	if i := strings.IndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest
}
