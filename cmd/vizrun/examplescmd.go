package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "examples",
		args:  "[-o DIR] [NAME...]",
		short: "run vizrun's examples and write their reports",
		long: `
Examples runs each example program of vizrun (the folders under examples/:
the Go translation of an async-programming tutorial, one concept each, and
a real Telegram client in a module of its own, slow to build the first
time) with
tracing, as vizrun run does, and writes one report per example into DIR
with an index.html that says, in one line per example, what to look at. The
traces stay beside the reports (NAME.trace).
NAMEs pick examples by folder name (default: all).

Run it from a checkout of vizrun.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "vizrun-examples", "write the reports and index.html into `dir`")
			return func(ctx context.Context, e *env, args []string) error {
				return runExamples(ctx, e, *out, args)
			}
		},
	})
}

// example is one example program.
type example struct {
	Name string // folder name
	Dir  string
	Pkg  string // import path
	Doc  string // what to look at: the package comment's first sentence
}

// findExamples lists the example main packages of the vizrun module in
// the current directory tree.
func findExamples(ctx context.Context) ([]example, error) {
	root, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/vizrun/vizrun").Output()
	if err != nil {
		return nil, fmt.Errorf("vizrun examples runs from a checkout of vizrun (github.com/vizrun/vizrun is not the current module: %v)", err)
	}
	dir := filepath.Join(strings.TrimSpace(string(root)), "examples")
	exs, err := listExamples(ctx, dir, dir, "./...")
	if err != nil {
		return nil, err
	}
	// Examples with heavy dependencies are modules of their own, which
	// ./... does not reach.
	mods, _ := filepath.Glob(filepath.Join(dir, "*", "go.mod"))
	for _, m := range mods {
		more, err := listExamples(ctx, dir, filepath.Dir(m), ".")
		if err != nil {
			return nil, err
		}
		exs = append(exs, more...)
	}
	return exs, nil
}

// listExamples lists the main packages matching pattern in dir, named by
// their folder under root.
func listExamples(ctx context.Context, root, dir, pattern string) ([]example, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-json=Dir,ImportPath,Name,Doc", pattern)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the examples in %s: %v: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var exs []example
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p struct{ Dir, ImportPath, Name, Doc string }
		if err := dec.Decode(&p); err != nil {
			return nil, err
		}
		if p.Name != "main" {
			continue
		}
		rel, _ := filepath.Rel(root, p.Dir)
		exs = append(exs, example{Name: filepath.ToSlash(rel), Dir: p.Dir, Pkg: p.ImportPath, Doc: p.Doc})
	}
	return exs, nil
}

func runExamples(ctx context.Context, e *env, outDir string, names []string) error {
	exs, err := findExamples(ctx)
	if err != nil {
		return err
	}
	if len(names) > 0 {
		want := map[string]bool{}
		for _, n := range names {
			want[n] = true
		}
		var picked []example
		for _, ex := range exs {
			if want[ex.Name] {
				picked = append(picked, ex)
				delete(want, ex.Name)
			}
		}
		for n := range want {
			return usagef("no example named %q (see examples/)", n)
		}
		exs = picked
	}
	if len(exs) == 0 {
		return fmt.Errorf("no examples found")
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %v", outDir, unwrapPath(err))
	}
	// Each example runs in its own directory, where run resolves relative
	// output paths.
	absOut, err := filepath.Abs(outDir)
	if err != nil {
		return err
	}
	var entries []html.IndexEntry
	failed := 0
	for _, ex := range exs {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted")
		}
		report := ex.Name + ".html"
		report = strings.ReplaceAll(report, "/", "_")
		fmt.Fprintf(e.stderr, "=== %s\n", ex.Name)
		traceFile := filepath.Join(absOut, strings.TrimSuffix(report, ".html")+".trace")
		var facts string
		err := runProgram(ctx, e, runOptions{
			pkg: ex.Pkg, dir: ex.Dir, report: filepath.Join(absOut, report), keepTrace: traceFile,
			title: "vizrun example: " + ex.Name, quiet: true,
			analysed: func(t *parse.Trace, s *summary.Summary) {
				facts = fmt.Sprintf("%s, parallelism %.2f, %d goroutine%s, blocked %s", units.Duration(t.Duration), s.AvgParallelism, s.Goroutines.Created, plural(s.Goroutines.Created), units.Duration(s.Time.BlockedNs))
			},
		})
		en := html.IndexEntry{Name: ex.Name, Href: report, Note: ex.Doc, Status: "ok"}
		if err != nil {
			failed++
			en.Status, en.Failed = "FAIL", true
			en.Note = err.Error() + ". " + ex.Doc
			if _, statErr := os.Stat(filepath.Join(absOut, report)); statErr != nil {
				en.Href = ""
			}
		}
		en.Facts = facts
		entries = append(entries, en)
	}
	err = writeOutput(e, filepath.Join(outDir, "index.html"), func(w io.Writer) error {
		return html.RenderIndex(w, html.IndexOptions{
			Title:   "vizrun examples",
			Intro:   "Go translations of the concepts of an async-programming tutorial, each traced: open a report and look for what its line says.",
			Entries: entries,
		})
	})
	if err != nil {
		return err
	}
	n := len(entries) - failed
	fmt.Fprintf(e.stderr, "vizrun: wrote %d example report%s and %s\n", n, plural(n), filepath.Join(outDir, "index.html"))
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d example%s failed", failed, len(entries), plural(len(entries)))}
	}
	return nil
}
