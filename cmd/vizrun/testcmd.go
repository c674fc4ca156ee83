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
	"slices"
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
		args:  "[-o DIR] [-C DIR] [BUILD FLAGS] [PKGS...] [-- GO TEST FLAGS]",
		short: "run packages' tests with tracing, one report per package",
		long: `
Test builds the tests of each package (go test -c) with tracing added, runs
them, and writes one HTML report per package into DIR, with an index.html
linking them and saying what to look at in each, and keeps each trace there
too (PKG.trace), so that vizrun check -budget FILE DIR can gate a CI job.
PKGS are package patterns as for go test (default: the package in the
current directory). DIR is relative to the current directory, or with -C to
that directory, as go test -C does. DIR holds the last run's results only:
the files a vizrun test writes there are listed in DIR/.vizrun-test.json,
and the next vizrun test into DIR removes them (and nothing else) first.

The trace covers the tests from before the first to after the last (a
TestMain is added, wrapping the package's own), and each test's goroutine is
named by its test: TestFoo, TestFoo/case. At the end, while the trace still
records, vizrun takes the runtime's goroutine leak profile (Go 1.27; Go 1.26
gets GOEXPERIMENT=goroutineleakprofile added): goroutines the tests left
blocked on something no other goroutine can reach show as proven leaks.

Flags after -- are go test's: build flags (-race, -tags, -ldflags, -gcflags,
-cover, -mod, -trimpath, ...) go to the build, as they do before PKGS; test
flags (-run, -skip, -count, -v, -short, -timeout, -bench, -cpu, -parallel,
-failfast, -coverprofile, ...) go to the tests, and the tests' own flags are
passed as they are. As with go test, a test binary runs in its package's
directory, and is stopped after -timeout (default 10m). Profiles go to the
current directory (-outputdir). Packages run one at a time. vizrun exits
with status 1 when a package's tests fail, after writing every report.`,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			out := fs.String("o", "vizrun-test", "write the reports and index.html into `dir`")
			chdir := fs.String("C", "", "change to `dir` before resolving packages, as go test -C")
			build := addBuildFlags(fs)
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
				more, testFlags, err := splitBuildFlags(testFlags)
				if err != nil {
					return err
				}
				return testPackages(ctx, e, testOptions{dir: *chdir, outDir: *out, patterns: pkgs, buildFlags: append(build.args, more...), testFlags: testFlags})
			}
		},
	})
}

type testOptions struct {
	dir        string // -C
	outDir     string // relative to dir
	patterns   []string
	buildFlags []string
	testFlags  []string // go test's, build flags taken out
}

// goTestFlags are go test's flags that a test binary takes as -test.NAME.
var goTestFlags = map[string]bool{
	"artifacts": true, "bench": true, "benchmem": true, "benchtime": true, "blockprofile": true,
	"blockprofilerate": true, "count": true, "coverprofile": true, "cpu": true, "cpuprofile": true,
	"failfast": true, "fullpath": true, "fuzz": true, "fuzzminimizetime": true, "fuzztime": true,
	"list": true, "memprofile": true, "memprofilerate": true, "mutexprofile": true,
	"mutexprofilefraction": true, "outputdir": true, "parallel": true, "run": true, "short": true,
	"shuffle": true, "skip": true, "timeout": true, "v": true,
}

// goTestOnly are go test's flags that do not apply under vizrun test.
var goTestOnly = map[string]string{
	"trace": "vizrun test records the trace itself",
	"json":  "vizrun test does not convert the output to JSON",
	"c":     "vizrun test runs the tests it builds",
	"o":     "vizrun test keeps no test binary",
	"exec":  "vizrun test runs test binaries itself",
}

// defaultTimeout is go test's.
const defaultTimeout = 10 * time.Minute

// testBinaryFlags translates go test flags to the test binary's, adds go
// test's default -timeout unless one is given, and sends profiles to
// outputDir (go test writes them where it runs) unless -outputdir says
// where. It returns the timeout that applies (0: none).
func testBinaryFlags(flags []string, outputDir string) (out []string, timeout time.Duration, err error) {
	timeout = defaultTimeout
	hasTimeout, hasOutputDir := false, false
	for i := 0; i < len(flags); i++ {
		f := flags[i]
		if !strings.HasPrefix(f, "-") || f == "-" {
			out = append(out, f)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(f, "-"), "=")
		name = strings.TrimPrefix(name, "test.")
		if why, ok := goTestOnly[name]; ok {
			return nil, 0, usagef("-%s: %s", name, why)
		}
		if !goTestFlags[name] {
			out = append(out, f) // the tests' own
			continue
		}
		if !hasValue && !isBoolTestFlag(name) {
			if i+1 >= len(flags) {
				return nil, 0, usagef("flag needs an argument: -%s", name)
			}
			i++
			value, hasValue = flags[i], true
		}
		switch name {
		case "timeout":
			d, err := time.ParseDuration(value)
			if err != nil {
				return nil, 0, usagef("-timeout %s: %v", value, err)
			}
			timeout, hasTimeout = d, true
		case "outputdir":
			value, hasOutputDir = resolveOut(outputDir, value), true
		}
		if hasValue {
			out = append(out, "-test."+name+"="+value)
		} else {
			out = append(out, "-test."+name)
		}
	}
	if !hasTimeout {
		out = append(out, "-test.timeout="+defaultTimeout.String())
	}
	if !hasOutputDir {
		out = append(out, "-test.outputdir="+outputDir)
	}
	return out, timeout, nil
}

func isBoolTestFlag(name string) bool {
	switch name {
	case "benchmem", "failfast", "fullpath", "short", "v", "artifacts":
		return true
	}
	return false
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
	files    []string // written into the output directory
}

func testPackages(ctx context.Context, e *env, o testOptions) error {
	base, err := baseDir(o.dir)
	if err != nil {
		return err
	}
	outDir := resolveOut(base, o.outDir)
	binFlags, timeout, err := testBinaryFlags(o.testFlags, base)
	if err != nil {
		return err
	}
	buildFlags := o.buildFlags
	if slices.ContainsFunc(binFlags, func(f string) bool { return strings.HasPrefix(f, "-test.coverprofile=") }) && !slices.Contains(buildFlags, "-cover") {
		buildFlags = append(buildFlags, "-cover") // as go test -coverprofile does
	}
	b, err := newGoBuild(ctx, e, o.dir, buildFlags)
	if err != nil {
		return err
	}
	pkgs, err := b.list(ctx, o.patterns...)
	if err != nil {
		return err
	}
	if len(pkgs) == 0 {
		return fmt.Errorf("no packages match %s", strings.Join(o.patterns, " "))
	}
	// Patterns that name no package at all (./... outside a module): what
	// go said, in one line, rather than a package that failed.
	if !slices.ContainsFunc(pkgs, func(p goPackage) bool { return p.Error == nil || p.Name != "" }) {
		return errors.New(firstLine(pkgs[0].Error.Err))
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %v", outDir, unwrapPath(err))
	}
	// What the last vizrun test wrote here goes, so that check, summary
	// and report of the directory see this run's results only.
	if err := removePrevious(e, outDir); err != nil {
		return err
	}
	work, err := tempDir("test")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	var results []testResult
	failed := 0
	var interrupted os.Signal
	for i, p := range pkgs {
		if ctx.Err() != nil || interrupted != nil {
			break
		}
		r, sig := testOne(ctx, e, b, p, filepath.Join(work, fmt.Sprintf("pkg%d", i)), outDir, binFlags, timeout)
		interrupted = sig
		if r.err != nil || (!r.passed && !r.noTests) {
			failed++
		}
		results = append(results, r)
		if err := writeManifest(e, outDir, results); err != nil {
			return err
		}
	}
	if err := writeTestIndex(e, outDir, results); err != nil {
		return err
	}
	n := countReports(results)
	fmt.Fprintf(e.stderr, "vizrun: wrote %d report%s and %s\n", n, plural(n), filepath.Join(outDir, "index.html"))
	if len(results) < len(pkgs) {
		return &exitError{code: 1, msg: fmt.Sprintf("interrupted after %d of %d package%s", len(results), len(pkgs), plural(len(pkgs)))}
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d package%s failed", failed, len(results), plural(len(results)))}
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

func reportName(importPath string) string {
	r := strings.NewReplacer("/", "_", "\\", "_", ":", "_", ".", "_")
	return r.Replace(importPath) + ".html"
}

// testOne builds and runs one package's tests and writes its report and
// trace. It returns the signal vizrun received meanwhile, if any.
func testOne(ctx context.Context, e *env, b *goBuild, p goPackage, work, outDir string, flags []string, timeout time.Duration) (testResult, os.Signal) {
	r := testResult{pkg: p}
	if p.Error != nil {
		r.err = errors.New(firstLine(p.Error.Err))
		fmt.Fprintf(e.stderr, "vizrun: %s: %s\n", p.ImportPath, r.err)
		return r, nil
	}
	if !p.hasTests() {
		r.noTests = true
		fmt.Fprintf(e.stderr, "?   \t%s\t[no test files]\n", p.ImportPath)
		return r, nil
	}
	if err := os.Mkdir(work, 0o700); err != nil {
		r.err = err
		return r, nil
	}
	exe := filepath.Join(work, "pkg.test")
	mode, err := b.buildTests(ctx, p, work, exe)
	if err != nil {
		r.err = err
		fmt.Fprintf(e.stderr, "FAIL\t%s [build failed]\n", p.ImportPath)
		return r, nil
	}
	tracePath := filepath.Join(work, "pkg.trace") // the test binary creates it
	if mode != tracedByTestMain {
		flags = append([]string{"-test.trace=" + tracePath}, flags...)
	}
	start := time.Now()
	cmd := exec.Command(exe, flags...)
	cmd.Dir = p.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = nil, e.stdout, e.stderr
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug())
	if mode == tracedByTestMain {
		cmd.Env = append(cmd.Env, envTraceOut+"="+tracePath)
	}
	killAfter := time.Duration(0)
	if timeout > 0 {
		killAfter = timeout + time.Minute // as go test does
	}
	res, err := execProgram(ctx, e, cmd, killAfter)
	r.duration = time.Since(start)
	if err != nil {
		r.err = err
		return r, nil
	}
	r.passed = res.code == 0
	status := "ok  "
	if !r.passed {
		status = "FAIL"
	}
	fmt.Fprintf(e.stderr, "%s\t%s\t%.3fs\n", status, p.ImportPath, r.duration.Seconds())

	// The trace stays next to the report, for vizrun check: copied into
	// place all at once, as reports are.
	name := reportName(p.ImportPath)
	if _, err := os.Stat(tracePath); err != nil {
		r.err = errors.New("no report: the test binary ended before it started tracing")
		fmt.Fprintf(e.stderr, "vizrun: %s: %v\n", p.ImportPath, r.err)
		return r, res.interrupted
	}
	traceName := strings.TrimSuffix(name, ".html") + ".trace"
	if err := copyGenerated(&env{}, filepath.Join(outDir, traceName), tracePath); err != nil {
		r.err = err
		return r, res.interrupted
	}
	r.files = append(r.files, traceName)
	t, err := parse.ReadFile(tracePath, parse.Options{})
	if err != nil {
		r.err = fmt.Errorf("no report: %v", err)
		fmt.Fprintf(e.stderr, "vizrun: %s: no report: %v\n", p.ImportPath, err)
		return r, res.interrupted
	}
	switch {
	case mode == tracedPlain:
		t.Warnings = append(t.Warnings, "the package is in the module cache, where vizrun cannot add code to its tests: they are named from their stacks, and no goroutine leak profile was taken")
	}
	switch {
	case res.sig != 0:
		t.Warnings = append(t.Warnings, fmt.Sprintf("the tests were killed by signal %d (%v): up to 200 ms before the end were not traced", int(res.sig), res.sig))
		t.MarkCut() // goroutines blocked when it was killed were not done
	case !r.passed:
		t.Warnings = append(t.Warnings, fmt.Sprintf("the tests failed (exit status %d); a test binary that panics or runs past its -timeout loses up to the last 200 ms of its trace", res.code))
	}
	r.trace = t
	r.summary = summary.Build(t, p.ImportPath)
	err = writeOutput(e, filepath.Join(outDir, name), func(w io.Writer) error {
		return html.Render(w, t, r.summary, html.Options{Title: "vizrun test " + p.ImportPath, Source: p.ImportPath})
	})
	if err != nil {
		r.err = err
		return r, res.interrupted
	}
	r.report = name
	r.files = append(r.files, name)
	return r, res.interrupted
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
			en.Facts = fmt.Sprintf("%s, parallelism %.2f, %d goroutine%s, blocked %s", units.Duration(t.Duration), s.AvgParallelism, s.Goroutines.Created, plural(s.Goroutines.Created), units.Duration(s.Time.BlockedNs))
			en.Note = lookAt(s)
		}
		entries = append(entries, en)
	}
	return writeOutput(e, filepath.Join(outDir, "index.html"), func(w io.Writer) error {
		return html.RenderIndex(w, html.IndexOptions{Title: "vizrun test", Intro: "One report per package: the tests ran with the execution tracer on. The third column is what to look at first: the top finding.", Entries: entries})
	})
}

// lookAt is what to look at first in a report: its top finding, else where
// the goroutines blocked most.
func lookAt(s *summary.Summary) string {
	if len(s.Findings) > 0 {
		f := s.Findings[0]
		return f.Title + ": " + f.Message
	}
	if len(s.Blocked) > 0 {
		return "no finding; blocked most on " + s.Blocked[0].Reason
	}
	return "no finding"
}
