package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/units"
)

func init() {
	register(&command{
		name:  "test",
		args:  "[-o DIR] [-C DIR] [PKGS...] [-- GO TEST FLAGS]",
		short: "run packages' tests with tracing, one report per package",
		long: `
Test builds the tests of each package (go test -c), runs them with the
execution tracer on (-test.trace), and writes one HTML report per package
into DIR, with an index.html linking them, and keeps each trace there too
(PKG.trace), so that vizrun check -budget FILE DIR can gate a CI job. PKGS are package patterns as for
go test (default: the package in the current directory).

Flags after -- go to the tests, as go test takes them: -run, -skip, -count,
-v, -short, -timeout, -bench, -cpu, -parallel, -failfast, ...; flags of the
tests' own are passed as they are. Each package's tests run in the
package's directory, one package at a time. vizrun exits with status 1 when
a package's tests fail, after writing every report.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "vizrun-test", "write the reports and index.html into `dir`")
			chdir := fs.String("C", "", "change to `dir` before resolving packages, as go test -C")
			return func(ctx context.Context, e *env, args []string) error {
				var pkgs, testFlags []string
				for i, a := range args {
					if a == "--" {
						testFlags = args[i+1:]
						break
					}
					pkgs = append(pkgs, a)
				}
				if len(pkgs) == 0 {
					pkgs = []string{"."}
				}
				return testPackages(ctx, e, *chdir, *out, pkgs, testFlags)
			}
		},
	})
}

// goTestFlags are go test's flags that a test binary takes as -test.NAME.
var goTestFlags = map[string]bool{
	"bench": true, "benchmem": true, "benchtime": true, "blockprofile": true, "count": true,
	"cpu": true, "cpuprofile": true, "failfast": true, "fullpath": true, "list": true,
	"memprofile": true, "mutexprofile": true, "parallel": true, "run": true, "short": true,
	"shuffle": true, "skip": true, "timeout": true, "v": true, "coverprofile": true,
	"outputdir": true,
}

// testBinaryFlags translates go test flags to the test binary's.
func testBinaryFlags(flags []string) []string {
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		if strings.HasPrefix(f, "-") && !strings.HasPrefix(f, "-test.") {
			name := strings.TrimLeft(f, "-")
			name, _, _ = strings.Cut(name, "=")
			if goTestFlags[name] {
				f = "-test." + strings.TrimLeft(f, "-")
			}
		}
		out = append(out, f)
	}
	return out
}

// testResult is one package's run.
type testResult struct {
	pkg      goPackage
	report   string // file name in the output directory
	passed   bool
	noTests  bool
	err      error
	trace    *parse.Trace
	summary  *summary.Summary // of trace
	duration time.Duration
}

func testPackages(ctx context.Context, e *env, dir, outDir string, patterns, testFlags []string) error {
	pkgs, err := listTestPackages(ctx, dir, patterns)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %v", outDir, unwrapPath(err))
	}
	work, err := os.MkdirTemp("", "vizrun-test-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var results []testResult
	failed := 0
	for i, p := range pkgs {
		if ctx.Err() != nil {
			return errors.New("interrupted")
		}
		r := testOne(ctx, e, dir, p, i, work, outDir, testBinaryFlags(testFlags))
		if r.err != nil || (!r.passed && !r.noTests) {
			failed++
		}
		results = append(results, r)
	}
	if err := writeTestIndex(e, outDir, results); err != nil {
		return err
	}
	n := countReports(results)
	fmt.Fprintf(e.stderr, "vizrun: wrote %d report%s and %s\n", n, plural(n), filepath.Join(outDir, "index.html"))
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d packages failed", failed, len(results))}
	}
	return nil
}

func countReports(rs []testResult) int {
	n := 0
	for _, r := range rs {
		if r.report != "" {
			n++
		}
	}
	return n
}

// listTestPackages lists the packages matched by patterns, with their test files.
func listTestPackages(ctx context.Context, dir string, patterns []string) ([]goPackage, error) {
	cmd := exec.CommandContext(ctx, "go", append([]string{"list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{len .TestGoFiles}}\t{{len .XTestGoFiles}}\t{{if .Error}}{{.Error.Err}}{{end}}\t."}, patterns...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []goPackage
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			continue
		}
		p := goPackage{ImportPath: f[0], Dir: f[1]}
		if f[4] != "" {
			p.Error = &struct{ Err string }{strings.ReplaceAll(f[4], "\n", " ")}
		}
		if f[2] == "0" && f[3] == "0" {
			p.Name = "" // no tests
		} else {
			p.Name = "tests"
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages match %s", strings.Join(patterns, " "))
	}
	return pkgs, nil
}

func reportName(importPath string) string {
	r := strings.NewReplacer("/", "_", "\\", "_", ":", "_", ".", "_")
	return r.Replace(importPath) + ".html"
}

// testOne builds and runs one package's tests and writes its report.
func testOne(ctx context.Context, e *env, dir string, p goPackage, i int, work, outDir string, flags []string) testResult {
	r := testResult{pkg: p}
	if p.Error != nil {
		r.err = errors.New(p.Error.Err)
		fmt.Fprintf(e.stderr, "vizrun: %s: %s\n", p.ImportPath, p.Error.Err)
		return r
	}
	if p.Name == "" {
		r.noTests = true
		fmt.Fprintf(e.stderr, "?   \t%s\t[no test files]\n", p.ImportPath)
		return r
	}
	exe := filepath.Join(work, fmt.Sprintf("pkg%d.test", i))
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", exe, p.ImportPath)
	build.Dir = dir
	build.Stdout, build.Stderr = e.stderr, e.stderr
	if err := build.Run(); err != nil {
		r.err = fmt.Errorf("building the tests failed (%v)", err)
		fmt.Fprintf(e.stderr, "FAIL\t%s [build failed]\n", p.ImportPath)
		return r
	}
	// The trace stays next to the report, for vizrun check.
	name := reportName(p.ImportPath)
	tracePath := filepath.Join(outDir, strings.TrimSuffix(name, ".html")+".trace")
	start := time.Now()
	cmd := exec.CommandContext(ctx, exe, append([]string{"-test.trace=" + tracePath}, flags...)...)
	cmd.Dir = p.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, e.stdout, e.stderr
	runErr := cmd.Run()
	r.duration = time.Since(start)
	r.passed = runErr == nil
	status := "ok  "
	if !r.passed {
		status = "FAIL"
	}
	fmt.Fprintf(e.stderr, "%s\t%s\t%.3fs\n", status, p.ImportPath, r.duration.Seconds())

	t, err := parse.ReadFile(tracePath, parse.Options{})
	if err != nil {
		r.err = fmt.Errorf("no report: %v", err)
		fmt.Fprintf(e.stderr, "vizrun: %s: no report: %v\n", p.ImportPath, err)
		return r
	}
	if !r.passed {
		t.Warnings = append(t.Warnings, "the tests failed: "+runErr.Error())
	}
	r.trace = t
	r.summary = summary.Build(t, p.ImportPath)
	err = writeOutput(e, filepath.Join(outDir, name), func(w io.Writer) error {
		return html.Render(w, t, r.summary, html.Options{Title: "vizrun test " + p.ImportPath, Source: p.ImportPath})
	})
	if err != nil {
		r.err = err
		return r
	}
	r.report = name
	return r
}

func writeTestIndex(e *env, outDir string, results []testResult) error {
	var entries []html.IndexEntry
	for _, r := range results {
		en := html.IndexEntry{Name: r.pkg.ImportPath, Href: r.report}
		switch {
		case r.noTests:
			en.Status = "no tests"
		case r.err != nil && r.report == "":
			en.Status, en.Note, en.Failed = "FAIL", r.err.Error(), true
		case !r.passed:
			en.Status, en.Failed = "FAIL", true
		default:
			en.Status = "ok"
		}
		if t, s := r.trace, r.summary; t != nil {
			en.Facts = fmt.Sprintf("%s, parallelism %.2f, %d goroutines, blocked %s", units.Duration(t.Duration), s.AvgParallelism, s.Goroutines.Created, units.Duration(s.Time.BlockedNs))
			if s.Goroutines.Leaked > 0 {
				en.Note = fmt.Sprintf("%d goroutines still blocked at the end", s.Goroutines.Leaked)
			} else if len(s.Blocked) > 0 {
				en.Note = "blocked most on " + s.Blocked[0].Reason
			}
		}
		entries = append(entries, en)
	}
	return writeOutput(e, filepath.Join(outDir, "index.html"), func(w io.Writer) error {
		return html.RenderIndex(w, html.IndexOptions{Title: "vizrun test", Intro: "One report per package: the tests ran with the execution tracer on.", Entries: entries})
	})
}
