package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Rewriting a program's files for the overlay. Every change stays on the
// line it replaces, so the line numbers in stacks are the source's, and
// (with rewrite.lines) line directives (//line FILE:1 first, /*line FILE:L:C*/ after each
// change) make the compiler's errors name the source file, line and
// column rather than the overlay's copy.

// rewrite says what to change in a file.
type rewrite struct {
	// rename renames top-level functions: main to vizrunUserMain, a
	// package's TestMain to vizrunUserTestMain.
	rename map[string]string
	// exits sends calls of os.Exit and log.Fatal, Fatalf and Fatalln to
	// the wrapper's versions, which complete the trace first.
	exits bool
	// names makes each test, benchmark and subtest function name its
	// goroutine (vizrun_name(t) as its first statement). runTargets lists
	// the package's top-level functions passed by name to a Run method.
	names      bool
	runTargets map[string]bool
	// lines adds line directives (see above), for a file of the user's
	// that the compiler may report errors in.
	lines bool
}

// rewriteFile applies rw to the file src. renamed lists the functions
// renamed; changed is false when the file needs no copy.
func rewriteFile(path string, src []byte, rw rewrite) (out []byte, renamed []string, changed bool, err error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, src, 0)
	if err != nil {
		return nil, nil, false, err
	}
	imports, testing := importNames(f)
	type edit struct {
		from, to int
		text     string
	}
	var edits []edit
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil {
			continue
		}
		if to, ok := rw.rename[fd.Name.Name]; ok {
			edits = append(edits, edit{off(fd.Name.Pos()), off(fd.Name.End()), to})
			renamed = append(renamed, fd.Name.Name)
		}
		if rw.names && fd.Body != nil && (isTestEntry(fd, testing) || rw.runTargets[fd.Name.Name]) {
			if p := testParam(fd.Type, testing); p != "" {
				at := off(fd.Body.Lbrace) + 1
				edits = append(edits, edit{at, at, " vizrun_name(" + p + ");"})
			}
		}
	}
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if rw.names {
			if lit := runLiteral(call); lit != nil {
				if p := testParam(lit.Type, testing); p != "" {
					at := off(lit.Body.Lbrace) + 1
					edits = append(edits, edit{at, at, " vizrun_name(" + p + ");"})
				}
			}
		}
		if !rw.exits {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		x, ok := sel.X.(*ast.Ident)
		if !ok || x.Obj != nil { // x.Obj != nil: a variable, not the package
			return true
		}
		var repl string
		switch imports[x.Name] + "." + sel.Sel.Name {
		case "os.Exit":
			repl = "vizrunExit"
		case "log.Fatal":
			repl = "vizrunFatal"
		case "log.Fatalf":
			repl = "vizrunFatalf"
		case "log.Fatalln":
			repl = "vizrunFatalln"
		default:
			return true
		}
		edits = append(edits, edit{off(sel.Pos()), off(sel.End()), repl})
		used[x.Name] = true
		return true
	})
	if len(edits) == 0 {
		return src, renamed, false, nil
	}
	slices.SortStableFunc(edits, func(a, b edit) int { return a.from - b.from })
	// Line directives make the compiler report the source's file, line and
	// column, not the overlay's: one before the first line, and one after
	// each edit, for the rest of its line.
	tf := fset.File(f.Pos())
	if rw.lines {
		// A line comment, so that a //go:build line after it still counts.
		out = append(out, "//line "+path+":1\n"...)
	}
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.from]...)
		out = append(out, e.text...)
		if rw.lines {
			pos := tf.Position(tf.Pos(e.to))
			out = append(out, fmt.Sprintf("/*line %s:%d:%d*/", path, pos.Line, pos.Column)...)
		}
		last = e.to
	}
	out = append(out, src[last:]...)
	// Imports left unused by the rewriting are kept used at the end.
	names := make([]string, 0, len(used))
	for name := range used {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ref := "Exit"
		if imports[name] == "log" {
			ref = "Fatal"
		}
		out = append(out, fmt.Sprintf("\nvar _ = %s.%s // vizrun: keeps the import used\n", name, ref)...)
	}
	return out, renamed, true, nil
}

// importNames maps the local names of the imports os and log to their
// paths, and returns the local name of the import testing ("." for a dot
// import, "" when there is none).
func importNames(f *ast.File) (pkgs map[string]string, testing string) {
	pkgs = map[string]string{}
	for _, im := range f.Imports {
		p := strings.Trim(im.Path.Value, `"`)
		if p != "os" && p != "log" && p != "testing" {
			continue
		}
		name := p
		if im.Name != nil {
			name = im.Name.Name
		}
		if p == "testing" {
			testing = name
		} else {
			pkgs[name] = p
		}
	}
	return pkgs, testing
}

// isTestEntry reports whether fd is a test, benchmark or fuzz test as go
// test finds them: TestXxx(*testing.T), BenchmarkXxx(*testing.B),
// FuzzXxx(*testing.F).
func isTestEntry(fd *ast.FuncDecl, testing string) bool {
	for _, k := range []struct{ prefix, typ string }{{"Test", "T"}, {"Benchmark", "B"}, {"Fuzz", "F"}} {
		rest, ok := strings.CutPrefix(fd.Name.Name, k.prefix)
		if !ok {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(rest); rest != "" && unicode.IsLower(r) {
			return false
		}
		return paramType(fd.Type, testing) == k.typ
	}
	return false
}

// runLiteral returns the function literal passed to a Run method
// (t.Run(name, func(t *testing.T) {...}), b.Run), or nil.
func runLiteral(call *ast.CallExpr) *ast.FuncLit {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Run" || len(call.Args) != 2 {
		return nil
	}
	lit, _ := call.Args[1].(*ast.FuncLit)
	return lit
}

// runTargets lists the top-level functions passed by name to a Run method
// in the files: t.Run("case", testCase).
func runTargets(files []*ast.File) map[string]bool {
	m := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Run" && len(call.Args) == 2 {
				if id, ok := call.Args[1].(*ast.Ident); ok {
					m[id.Name] = true
				}
			}
			return true
		})
	}
	return m
}

// paramType returns "T", "B" or "F" when ft takes exactly one parameter,
// of type *testing.T, *testing.B or *testing.F.
func paramType(ft *ast.FuncType, testing string) string {
	if testing == "" || testing == "_" || ft.Params == nil || len(ft.Params.List) != 1 || len(ft.Params.List[0].Names) > 1 {
		return ""
	}
	star, ok := ft.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return ""
	}
	var name string
	switch x := star.X.(type) {
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); !ok || id.Name != testing {
			return ""
		}
		name = x.Sel.Name
	case *ast.Ident:
		if testing != "." {
			return ""
		}
		name = x.Name
	default:
		return ""
	}
	if name == "T" || name == "B" || name == "F" {
		return name
	}
	return ""
}

// testParam returns the name of ft's *testing.T (B, F) parameter, or ""
// when it has none or it is unnamed.
func testParam(ft *ast.FuncType, testing string) string {
	if paramType(ft, testing) == "" {
		return ""
	}
	names := ft.Params.List[0].Names
	if len(names) != 1 || names[0].Name == "_" {
		return ""
	}
	return names[0].Name
}
