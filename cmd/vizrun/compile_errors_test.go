package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompileErrorsNameTheSource: a compile error in a program or a test
// that vizrun rewrote for its overlay names the user's file, line and
// column, as go vet does, never vizrun's temporary copy.
func TestCompileErrorsNameTheSource(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module broken\n\ngo 1.24\n",
		// x and y are on the line vizrun changes (main renamed, os.Exit
		// redirected): their columns are the source's all the same.
		"main.go":           "package main\n\nimport \"os\"\n\nfunc main() { x := 1; os.Exit(0); y := 2 }\n",
		"badtest/b.go":      "package badtest\n",
		"badtest/b_test.go": "package badtest\n\nimport \"testing\"\n\nfunc TestB(t *testing.T) { x := 1\n\tt.Run(\"a\", func(t *testing.T) { z := 3 })\n}\n",
	}
	for name, src := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, errs, code := runIn(t, context.Background(), "", "run", "-C", dir, "-o", filepath.Join(dir, "r.html"), ".")
	if code != 1 {
		t.Errorf("run: exit %d", code)
	}
	for _, want := range []string{"main.go:5:15: declared and not used: x", "main.go:5:35: declared and not used: y"} {
		if !strings.Contains(errs, want) {
			t.Errorf("run: stderr lacks %q:\n%s", want, errs)
		}
	}
	_, errs2, code := runIn(t, context.Background(), "", "test", "-C", dir, "-o", filepath.Join(dir, "out"), "./badtest")
	if code != 1 {
		t.Errorf("test: exit %d", code)
	}
	for _, want := range []string{"b_test.go:5:28: declared and not used: x", "b_test.go:6:34: declared and not used: z"} {
		if !strings.Contains(errs2, want) {
			t.Errorf("test: stderr lacks %q:\n%s", want, errs2)
		}
	}
	for _, s := range []string{errs, errs2} {
		if strings.Contains(s, "vizrun-run-") || strings.Contains(s, "vizrun-test-") {
			t.Errorf("an error names vizrun's temporary overlay:\n%s", s)
		}
	}
}

// TestRewriteLineDirectives: with lines set, the rewritten file keeps its
// //go:build line in force (the first directive is a line comment) and
// gives the source's position after each change.
func TestRewriteLineDirectives(t *testing.T) {
	src := "//go:build linux\n\npackage main\n\nimport \"os\"\n\nfunc main() { os.Exit(1) }\n"
	out, _, changed, err := rewriteFile("/src/main.go", []byte(src), rewrite{rename: map[string]string{"main": "vizrunUserMain"}, exits: true, lines: true})
	if err != nil || !changed {
		t.Fatal(err, changed)
	}
	want := "//line /src/main.go:1\n//go:build linux\n\npackage main\n\nimport \"os\"\n\nfunc vizrunUserMain/*line /src/main.go:7:10*/() { vizrunExit/*line /src/main.go:7:22*/(1) }\n"
	if !strings.HasPrefix(string(out), want) {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}
