package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/vizrun/vizrun/internal/testmod"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/findings"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
)

// These tests build and run real programs: they need the go command, take
// a few seconds each, and are skipped with -short. Those that only start
// processes run in parallel. They assert what the programs guarantee
// under any load (exit statuses, output, names, reasons, lower bounds),
// never how fast anything ran.

func runIn(t *testing.T, ctx context.Context, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(ctx, args, strings.NewReader(stdin), &out, &errb)
	if err != nil && exitCode(err) != 0 {
		errb.WriteString("vizrun: " + err.Error() + "\n")
	}
	return out.String(), errb.String(), exitCode(err)
}

func readTrace(t *testing.T, path string) *parse.Trace {
	t.Helper()
	tr, err := parse.ReadFile(path, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func needsBuilds(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	t.Parallel()
}

// TestMain removes the vizrun binary that vizrunBinary built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

// vizrunBinary builds the vizrun command once, for the tests that run it
// as a process of its own: to send it signals, to kill it, to give it
// another environment.
func vizrunBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "vizrun-bin-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "vizrun")
		if b, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, b)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// process is a vizrun running as a process of its own.
type process struct {
	cmd    *exec.Cmd
	out    *bufio.Reader // its standard output (the program's)
	stderr bytes.Buffer
	seen   string
}

// startVizrun starts the vizrun binary with args and extra environment.
func startVizrun(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(vizrunBinary(t), args...)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.out = bufio.NewReader(out)
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	return p
}

// waitFor reads the program's output until a line contains s, and
// returns that line.
func (p *process) waitFor(t *testing.T, s string) string {
	t.Helper()
	for {
		line, err := p.out.ReadString('\n')
		p.seen += line
		if strings.Contains(line, s) {
			return line
		}
		if err != nil {
			p.cmd.Wait()
			t.Fatalf("the program never printed %q: output %q, vizrun's stderr %q", s, p.seen, p.stderr.String())
		}
	}
}

// wait waits for vizrun to end and returns the rest of the program's
// output and vizrun's exit status.
func (p *process) wait(t *testing.T) (rest string, code int) {
	t.Helper()
	b, _ := io.ReadAll(p.out)
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return string(b), p.cmd.ProcessState.ExitCode()
}

// copyDir copies the tree at src into a new temporary directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestRunPassesThrough(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	out, errs, code := runIn(t, context.Background(), "one\ntwo\n", "run", "-o", report, "-trace", tr, "-C", "testdata/prog", ".", "stdin", "--flag-for-the-program")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "args: [stdin --flag-for-the-program]") || !strings.Contains(out, "read: one\nread: two") {
		t.Errorf("program output %q: arguments or standard input not passed through", out)
	}
	if !strings.Contains(errs, "vizrun: wrote "+report) {
		t.Errorf("stderr %q does not name the report", errs)
	}
	if _, err := os.Stat(report); err != nil {
		t.Fatal(err)
	}
	// The trace covers main: three workers slept 20 ms each, named by the
	// program's own function names (main.main, not the wrapper's).
	m := readTrace(t, tr)
	workers := 0
	for _, g := range m.Goroutines {
		if g.StartFunc == "main.worker" && g.Totals.Blocked[parse.ReasonSleep] >= int64(19*time.Millisecond) {
			workers++
		}
		if strings.Contains(g.Name, "vizrun") && !g.System {
			t.Errorf("vizrun's own goroutine or name %q shows as the program's", g.Name)
		}
	}
	if workers != 3 {
		t.Errorf("%d workers found sleeping in the trace, want 3", workers)
	}
	if !m.LeakChecked || len(m.Own) == 0 {
		t.Errorf("the goroutine leak profile was not taken at the end (leak checked %v), or not as vizrun's own work (%d windows)", m.LeakChecked, len(m.Own))
	}
}

// TestRunOutputPaths: with -C, output paths are relative to that
// directory, as go build -C takes -o.
func TestRunOutputPaths(t *testing.T) {
	needsBuilds(t)
	dir := copyDir(t, "testdata/prog")
	if _, errs, code := runIn(t, context.Background(), "", "run", "-o", "out/r.html", "-trace", "t.trace", "-C", dir, "."); code != 1 || !strings.Contains(errs, "cannot write") {
		t.Errorf("report into a missing directory: exit %d, %s", code, errs)
	}
	if err := os.Mkdir(filepath.Join(dir, "out"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runIn(t, context.Background(), "", "run", "-o", "out/r.html", "-trace", "t.trace", "-C", dir, "."); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, f := range []string{"out/r.html", "t.trace"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("not written relative to -C: %v", err)
		}
	}
}

func TestRunExitPaths(t *testing.T) {
	needsBuilds(t)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"exit", "3"}, 3},
		{[]string{"fatal"}, 1},
		{[]string{"panic"}, 2},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
			_, errs, code := runIn(t, context.Background(), "", append([]string{"run", "-o", report, "-trace", tr, "-C", "testdata/prog", "."}, c.args...)...)
			if code != c.code {
				t.Errorf("exit %d, want the program's %d; stderr %s", code, c.code, errs)
			}
			// However the program ended, its whole trace was written:
			// the three workers are in it.
			m := readTrace(t, tr)
			n := 0
			for _, g := range m.Goroutines {
				if g.StartFunc == "main.worker" {
					n++
				}
			}
			if n != 3 {
				t.Errorf("%d workers in the trace of a program that ended with %v, want 3", n, c.args)
			}
			if b, err := os.ReadFile(report); err != nil || !bytes.Contains(b, []byte("exited with status")) {
				t.Errorf("report missing or without the exit status warning: %v", err)
			}
		})
	}
}

// TestRunKilled: a program that dies of SIGKILL mid-run (no deferred
// function runs, the trace is never stopped) still gets the report of what
// its trace holds, with a warning saying how it ended and what is missing.
func TestRunKilled(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", report, "-trace", tr, "-C", "testdata/prog", ".", "kill")
	if !strings.Contains(out, "killing myself") {
		t.Fatalf("the program did not get to kill itself: stdout %q, stderr %q", out, errs)
	}
	if code != 128+int(syscall.SIGKILL) || !strings.Contains(errs, "killed by signal 9") {
		t.Errorf("exit %d, want %d, and a message saying the program was killed; stderr %q", code, 128+int(syscall.SIGKILL), errs)
	}
	// It ran about 700 ms at 200 ms per generation: on a quiet machine the
	// trace holds three generations; on a busy one, where the runtime ends
	// generations late, at least one complete generation (200 ms or more)
	// and workers in it.
	m := readTrace(t, tr)
	workers := 0
	for _, g := range m.Goroutines {
		if g.StartFunc == "main.worker" {
			workers++
		}
	}
	if m.Generations < 1 || m.Duration < int64(180*time.Millisecond) || workers < 1 {
		t.Errorf("trace of the killed program: %d generations, %v, %d workers; want >= 1, >= 200ms, some", m.Generations, time.Duration(m.Duration), workers)
	}
	t.Logf("trace of the killed program: %d generations, %v, %d workers", m.Generations, time.Duration(m.Duration), workers)
	// The trace itself says it was cut short, whether the kill landed in
	// the middle of a generation or between two.
	if !slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, "truncated") }) {
		t.Errorf("the killed program's trace has no truncation warning: %q", m.Warnings)
	}
	b, err := os.ReadFile(report)
	if err != nil || !bytes.Contains(b, []byte("killed by signal 9")) || !bytes.Contains(b, []byte("truncated")) {
		t.Errorf("report missing or without the warnings about the kill: %v", err)
	}
}

// TestRunSignals: a signal sent to vizrun reaches the program, once, and
// the program decides what it means; the report of what was traced is
// written and vizrun exits as the program did. A program that shuts down
// cleanly on Ctrl-C prints its goodbye and exits 0.
func TestRunSignals(t *testing.T) {
	needsBuilds(t)
	for _, c := range []struct {
		mode    string
		sig     syscall.Signal
		code    int
		goodbye bool
	}{
		{"graceful", syscall.SIGINT, 0, true},
		{"wait", syscall.SIGINT, 128 + int(syscall.SIGINT), false},
		{"wait", syscall.SIGTERM, 128 + int(syscall.SIGTERM), false},
	} {
		t.Run(fmt.Sprintf("%s-%v", c.mode, c.sig), func(t *testing.T) {
			t.Parallel()
			report := filepath.Join(t.TempDir(), "r.html")
			p := startVizrun(t, nil, "run", "-o", report, "-C", "testdata/prog", ".", c.mode)
			p.waitFor(t, "waiting")
			p.cmd.Process.Signal(c.sig)
			rest, code := p.wait(t)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr %s", code, c.code, p.stderr.String())
			}
			if strings.Contains(rest, "goodbye") != c.goodbye {
				t.Errorf("program output after the signal %q (goodbye expected: %v)", rest, c.goodbye)
			}
			b, err := os.ReadFile(report)
			if err != nil {
				t.Fatalf("no report after the signal: %v (%s)", err, p.stderr.String())
			}
			if c.goodbye && bytes.Contains(b, []byte("killed by signal")) {
				t.Error("the report of a program that exited cleanly says it was killed")
			}
		})
	}
}

// TestRunKilledVizrun: when vizrun itself is killed (SIGKILL: it can do
// nothing), the program dies with it, and the next vizrun removes the
// temporary directory the killed one left.
func TestRunKilledVizrun(t *testing.T) {
	needsBuilds(t)
	if runtime.GOOS != "linux" {
		t.Skip("only Linux ties a child's life to its parent's (Pdeathsig)")
	}
	tmp := t.TempDir() // vizrun's TMPDIR, to see its temporary directories
	env := []string{"TMPDIR=" + tmp}
	p := startVizrun(t, env, "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-C", "testdata/prog", ".", "wait")
	line := p.waitFor(t, "waiting, pid")
	pid, err := strconv.Atoi(strings.TrimSpace(line[strings.LastIndex(line, " ")+1:]))
	if err != nil {
		t.Fatal(err)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "vizrun-run-*"))
	if len(left) != 1 {
		t.Fatalf("vizrun's temporary directories while it runs: %q, want one", left)
	}
	p.cmd.Process.Kill()
	p.wait(t)
	deadline := time.Now().Add(30 * time.Second)
	for processAlive(pid) && !zombie(pid) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatal("the program outlived vizrun")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := os.Stat(left[0]); err != nil {
		t.Fatalf("the killed vizrun's temporary directory is already gone (%v): the test proves nothing", err)
	}
	// The next vizrun cleans up, even one that fails at once.
	q := startVizrun(t, env, "run", "./no-such-package")
	if _, code := q.wait(t); code != 1 {
		t.Errorf("vizrun run ./no-such-package: exit %d, want 1 (%s)", code, q.stderr.String())
	}
	if _, err := os.Stat(left[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the killed vizrun's temporary directory is still there: %v", err)
	}
}

// zombie reports whether pid is a process that ended and was not waited
// for yet (its parent, vizrun, is gone; init reaps it soon).
func zombie(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true // gone
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
}

func TestRunErrors(t *testing.T) {
	needsBuilds(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run"}, 2, "run needs a main package"},
		{[]string{"run", "./testdata/no-such-dir"}, 1, "no-such-dir"},
		{[]string{"run", "../../internal/units"}, 1, "not a main package"},
		{[]string{"run", "-C", "testdata/no-such-dir", "."}, 1, "no-such-dir"},
		{[]string{"run", "-overlay", "x.json", "./testdata/prog"}, 2, "overlay"},
		{[]string{"run", "golang.org/x/exp/ebnflint"}, 1, "is in the module cache, where vizrun cannot add its tracing"},
		{[]string{"test", "-C", "testdata/tests", "./pass", "--", "-trace=x"}, 2, "records the trace itself"},
		{[]string{"test", "-C", "testdata/tests", "./pass", "--", "-timeout", "soon"}, 2, "-timeout soon"},
	} {
		_, errs, code := runIn(t, context.Background(), "", c.args...)
		if code != c.code || !strings.Contains(errs, c.want) {
			t.Errorf("vizrun %q: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
	}
}

// TestRunBuildFlags: go build's flags reach the build, for run (before
// the package) and for test (after --, as go test takes them).
func TestRunBuildFlags(t *testing.T) {
	needsBuilds(t)
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-race", "-tags", "vizruntag", "-C", "testdata/prog", ".", "flags")
	if code != 0 || !strings.Contains(out, "tagged true, race true") {
		t.Errorf("vizrun run -race -tags vizruntag: exit %d, output %q, stderr %s", code, out, errs)
	}
	out, errs, code = runIn(t, context.Background(), "", "test", "-o", t.TempDir(), "-C", "testdata/testpkgs", "./flags", "--", "-race", "-tags=vizruntag", "-v", "-count=1")
	if code != 0 || !strings.Contains(out, "tagged true, race true") {
		t.Errorf("vizrun test ./flags -- -race -tags=vizruntag: exit %d, output %q, stderr %s", code, out, errs)
	}
}

// TestRunCgoMain: a func main in a file that imports "C" is found.
func TestRunCgoMain(t *testing.T) {
	needsBuilds(t)
	cc, err := exec.Command("go", "env", "CC", "CGO_ENABLED").Output()
	f := strings.Fields(string(cc))
	if err != nil || len(f) < 2 || f[1] != "1" {
		t.Skip("cgo is off here (go env CGO_ENABLED)")
	}
	if _, err := exec.LookPath(f[0]); err != nil {
		t.Skipf("no C compiler (%s) to build a cgo program with", f[0])
	}
	tr := filepath.Join(t.TempDir(), "t.trace")
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-trace", tr, "-C", "testdata/cgoprog", ".")
	if code != 0 || !strings.Contains(out, "twice 21 is 42") {
		t.Fatalf("exit %d, output %q: %s", code, out, errs)
	}
	if len(tracetest.Named(readTrace(t, tr), "main.main.func1")) != 1 {
		t.Error("the cgo program's goroutine is not in its trace")
	}
}

// TestRunDeadlock: a deadlocked program ends as it would without tracing:
// exit status 2, "all goroutines are asleep" with who waits on what, and a
// report that says so. A program that waits on a timer with nothing
// running is not deadlocked and runs to its end.
func TestRunDeadlock(t *testing.T) {
	needsBuilds(t)
	t.Run("deadlock", func(t *testing.T) {
		t.Parallel()
		report := filepath.Join(t.TempDir(), "r.html")
		keep := filepath.Join(t.TempDir(), "r.trace")
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		out, errs, code := runIn(t, ctx, "", "run", "-o", report, "-trace", keep, "-C", "testdata/prog", ".", "deadlock")
		if ctx.Err() != nil {
			t.Fatal("vizrun run of a deadlocked program did not end: the deadlock was not detected")
		}
		if code != 2 || !strings.Contains(out, "got 1") || !strings.Contains(errs, "fatal error: all goroutines are asleep - deadlock!") ||
			!strings.Contains(errs, "goroutine 1 [sync.WaitGroup.Wait") || !strings.Contains(errs, "main.main()") || strings.Contains(errs, "vizrun_") {
			t.Errorf("exit %d (want 2), output %q, stderr %s", code, out, errs)
		}
		b, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"deadlock: all goroutines are asleep", "main.main waits on waitgroup", "waits on chan send"} {
			if !bytes.Contains(b, []byte(want)) {
				t.Errorf("the report does not say %q", want)
			}
		}
		// The trace says so itself: vizrun summary of it later, in the
		// terminal, gives the same verdict, once.
		sum, errs, code := runIn(t, context.Background(), "", "summary", keep)
		if code != 0 || strings.Count(sum, "deadlock: all goroutines are asleep") != 1 || !strings.Contains(sum, "main.main waits on waitgroup") {
			t.Errorf("vizrun summary of the kept trace: exit %d, stderr %s, output:\n%s", code, errs, sum)
		}
		if n := bytes.Count(b, []byte("deadlock: all goroutines are asleep")); n == 0 {
			t.Errorf("the report says deadlock %d times", n)
		}
	})
	t.Run("lockorder", func(t *testing.T) {
		t.Parallel()
		keep := filepath.Join(t.TempDir(), "r.trace")
		cmd := exec.Command(vizrunBinary(t), "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-trace", keep, "-C", "testdata/prog", ".", "lockorder")
		var errs lockedBuffer
		cmd.Stderr = &errs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(errs.String(), "looks deadlocked"); time.Sleep(100 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no word of the deadlock in 2 minutes: %s", errs.String())
			}
		}
		cmd.Process.Signal(syscall.SIGINT)
		cmd.Wait()
		if code := cmd.ProcessState.ExitCode(); code != 128+int(syscall.SIGINT) {
			t.Errorf("exit %d after Ctrl-C, want %d", code, 128+int(syscall.SIGINT))
		}
		if s := errs.String(); !strings.Contains(s, "[sync.WaitGroup.Wait]") || strings.Count(s, "[sync.Mutex.Lock]") != 2 {
			t.Errorf("the warning does not say who waits on what: %s", s)
		}
		// The trace was cut by Ctrl-C, yet the three goroutines the watch
		// saw stuck, still so at the end, are leaks, and a warning says
		// the program looked deadlocked.
		m := readTrace(t, keep)
		var stuck []string
		for _, g := range m.Leaks() {
			stuck = append(stuck, g.Name)
		}
		slices.Sort(stuck)
		if !m.Cut || !slices.Equal(stuck, []string{"main.lockBoth", "main.lockBoth", "main.main"}) {
			t.Errorf("cut %v, leaks %q; want the two lockers and main", m.Cut, stuck)
		}
		if !slices.ContainsFunc(m.Warnings, func(w string) bool {
			return strings.Contains(w, "looked deadlocked") && strings.Contains(w, "main.main waits on waitgroup")
		}) {
			t.Errorf("no warning that the program looked deadlocked: %q", m.Warnings)
		}
	})
	t.Run("afterfunc", func(t *testing.T) {
		t.Parallel()
		keep := filepath.Join(t.TempDir(), "r.trace")
		out, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-trace", keep, "-C", "testdata/prog", ".", "afterfunc")
		if code != 0 || !strings.Contains(out, "unlocked by the timer") {
			t.Errorf("a program whose lock a timer releases: exit %d, output %q, stderr %s", code, out, errs)
		}
		m := readTrace(t, keep)
		if len(m.Leaks()) != 0 || slices.ContainsFunc(m.Warnings, func(w string) bool { return strings.Contains(w, "deadlock") }) {
			t.Errorf("leaks %d, warnings %q: none wanted", len(m.Leaks()), m.Warnings)
		}
	})
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		out, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-C", "testdata/prog", ".", "idle")
		if code != 0 || !strings.Contains(out, "the timer fired") {
			t.Errorf("a program waiting 2.5 s on a timer: exit %d, output %q, stderr %s", code, out, errs)
		}
	})
}

// lineOf returns the line of file holding marker.
func lineOf(t *testing.T, file, marker string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", file, marker)
	return 0
}

// checkLeaks checks a trace of the leak programs: of the two goroutines
// still blocked at the end, the one waiting on a channel no one else can
// reach is a proven leak; the one waiting on a global channel is not.
func checkLeaks(t *testing.T, m *parse.Trace, file string) {
	t.Helper()
	if !m.LeakChecked {
		t.Fatal("the goroutine leak profile was not taken")
	}
	unreachable, reachable := lineOf(t, file, "// marker: proven leak"), lineOf(t, file, "// marker: not provable")
	found := 0
	for _, g := range m.Goroutines {
		if g.End != parse.EndBlocked || g.System {
			continue
		}
		line := m.Frames[m.SiteOf(g.EndStack)].Line
		switch line {
		case unreachable:
			found++
			if !g.ProvenLeak {
				t.Errorf("G%d, blocked on a channel no one can reach, is not a proven leak", g.ID)
			}
		case reachable:
			found++
			if g.ProvenLeak {
				t.Errorf("G%d, blocked on a global channel, is a proven leak", g.ID)
			}
		}
	}
	if found != 2 {
		t.Errorf("%d of the 2 goroutines still blocked found at lines %d and %d of %s", found, unreachable, reachable, file)
	}
}

// TestRunLeakProfile: at the end of the run, while the trace still
// records, the runtime's goroutine leak profile marks proven leaks.
func TestRunLeakProfile(t *testing.T) {
	needsBuilds(t)
	tr := filepath.Join(t.TempDir(), "t.trace")
	if _, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(t.TempDir(), "r.html"), "-trace", tr, "-C", "testdata/prog", ".", "leak"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	checkLeaks(t, readTrace(t, tr), "testdata/prog/main.go")
}

// TestRunTraceStart: a program that starts runtime/trace itself gets its
// trace, complete and readable, while vizrun records the whole run.
func TestRunTraceStart(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	own, tr := filepath.Join(dir, "own.trace"), filepath.Join(dir, "t.trace")
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", filepath.Join(dir, "r.html"), "-trace", tr, "-C", "testdata/prog", ".", "tracestart", own)
	if b, err := exec.Command("go", "env", "GOROOT", "GOMODCACHE").Output(); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 && strings.HasPrefix(f[0], f[1]+string(filepath.Separator)) {
			// A toolchain in the module cache: no overlay reaches its
			// runtime/trace, and vizrun says what happens instead.
			if code != 1 || !strings.Contains(errs, "execution tracer already enabled") || !strings.Contains(errs, "vizrun: note:") {
				t.Errorf("with a toolchain in the module cache: exit %d, stderr %s", code, errs)
			}
			return
		}
	}
	if code != 0 || !strings.Contains(out, "traced itself") {
		t.Fatalf("exit %d, output %q: %s", code, out, errs)
	}
	for _, path := range []string{own, tr} {
		m := readTrace(t, path)
		if !slices.ContainsFunc(m.Logs, func(l parse.Log) bool { return l.Message == "inside its own trace" }) {
			t.Errorf("%s lacks the log the program wrote while tracing itself", filepath.Base(path))
		}
		if n := len(tracetest.Named(m, "main.worker")); n < 1 {
			t.Errorf("%s holds %d workers", filepath.Base(path), n)
		}
	}
	if m := readTrace(t, tr); len(tracetest.Named(m, "main.worker")) != 4 {
		t.Errorf("vizrun's trace holds %d workers, want the whole run's 4", len(tracetest.Named(m, "main.worker")))
	}
}

// TestRunTracedExample: a program that uses the vizrun tracer itself gets
// one report, vizrun run's: its own report.Run joins the recording.
func TestRunTracedExample(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	exdir := mustAbs(t, "../../examples/greet")
	own := filepath.Join(exdir, "greet.html") // where the example writes its own report
	out, errs, code := runIn(t, context.Background(), "", "run", "-o", report, "-trace", tr, "-C", exdir, ".")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "Hello, Alex!") {
		t.Errorf("output %q", out)
	}
	m := readTrace(t, tr)
	if len(tracetest.Named(m, "greeter")) != 1 {
		t.Error("the tracer-named goroutine is not in vizrun run's trace")
	}
	// The example would write greet.html in its directory on its own; under
	// vizrun run it must not.
	if _, err := os.Stat(own); err == nil {
		os.Remove(own)
		t.Error("the example wrote its own report too: two reports")
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTestCommand(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	_, errs, code := runIn(t, context.Background(), "", "test", "-o", dir, "-C", "testdata/tests", "./...", "--", "-count=1", "-v")
	if code != 1 || !strings.Contains(errs, "1 of 2 packages failed") {
		t.Errorf("exit %d, stderr %s; want 1 and one failed package", code, errs)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tests/pass", "tests/fail", "FAIL", `href="tests_pass.html"`} {
		if !bytes.Contains(idx, []byte(want)) {
			t.Errorf("index lacks %q", want)
		}
	}
	for _, f := range []string{"tests_pass.html", "tests_fail.html"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "tests_fail.html" && !bytes.Contains(b, []byte("the tests failed")) {
			t.Error("the failing package's report does not say its tests failed")
		}
		if f == "tests_pass.html" && !bytes.Contains(b, []byte("TestDouble")) {
			t.Error("the passing package's report does not show its test's goroutine")
		}
	}
}

// TestTestDefaultOutput: vizrun test ./... from the root of a module whose
// packages are in subdirectories, with the default output directory:
// every output path is the user's, not the test binary's (which runs in
// its package's directory).
func TestTestDefaultOutput(t *testing.T) {
	needsBuilds(t)
	mod := copyDir(t, "testdata/tests")
	_, errs, code := runIn(t, context.Background(), "", "test", "-C", mod, "./...")
	if code != 1 || !strings.Contains(errs, "1 of 2 packages failed") {
		t.Errorf("exit %d, stderr %s; want 1 and one failed package", code, errs)
	}
	for _, f := range []string{"index.html", "tests_pass.html", "tests_pass.trace", "tests_fail.html", "tests_fail.trace"} {
		if _, err := os.Stat(filepath.Join(mod, "vizrun-test", f)); err != nil {
			t.Errorf("%v", err)
		}
	}
}

// TestTestPackages: test names, a package's own TestMain, external tests
// only, proven leaks, and the index's "what to look at" column.
func TestTestPackages(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	out, errs, code := runIn(t, context.Background(), "", "test", "-o", dir, "-C", "testdata/testpkgs", "./names", "./withmain", "./xonly", "./leak", "--", "-count=1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "own TestMain done") {
		t.Errorf("the package's own TestMain did not run to its end: output %q", out)
	}
	names := readTrace(t, filepath.Join(dir, "testpkgs_names.trace"))
	var got []string
	for _, g := range names.Goroutines {
		if !g.System {
			got = append(got, g.Name)
		}
	}
	for _, want := range []string{"TestTop", "TestTop/case_one", "TestTop/named", "TestTop/parallel", "TestQuick", "TestExternal", "TestExternal/sub"} {
		if !slices.Contains(got, want) {
			t.Errorf("no goroutine named %q: %q", want, got)
		}
	}
	if slices.Contains(got, "testing.tRunner") {
		t.Errorf("a test goroutine is still called testing.tRunner: %q", got)
	}
	for _, p := range []string{"withmain", "xonly"} {
		if len(tracetest.Named(readTrace(t, filepath.Join(dir, "testpkgs_"+p+".trace")), map[string]string{"withmain": "TestSetUp", "xonly": "TestOnlyExternal"}[p])) != 1 {
			t.Errorf("%s: its test is not in the trace", p)
		}
	}
	leak := readTrace(t, filepath.Join(dir, "testpkgs_leak.trace"))
	checkLeaks(t, leak, "testdata/testpkgs/leak/leak_test.go")
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The top finding is one of the package's two leaks (which one ranks
	// first depends on how long each was blocked).
	fs := findings.Analyze(leak, findings.Default)
	if len(fs) == 0 || fs[0].Kind != "goroutine-leak" {
		t.Fatalf("the leak package's findings: %v", fs)
	}
	if !bytes.Contains(idx, []byte(fs[0].Title+": ")) {
		t.Errorf("the index does not show the leak package's top finding %q", fs[0].Title)
	}
}

// TestTestModCache: the tests of a package in the module cache, where no
// file can be overlaid, still run traced, and the report says what is
// missing.
func TestTestModCache(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	if _, errs, code := runIn(t, context.Background(), "", "test", "-o", dir, "golang.org/x/exp/ebnf", "--", "-count=1"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if m := readTrace(t, filepath.Join(dir, "golang_org_x_exp_ebnf.trace")); m.Duration <= 0 {
		t.Errorf("empty trace of a package in the module cache")
	}
	if b, err := os.ReadFile(filepath.Join(dir, "golang_org_x_exp_ebnf.html")); err != nil || !bytes.Contains(b, []byte("the package is in the module cache")) {
		t.Errorf("the report does not say what is missing: %v", err)
	}
}

// TestTestTimeout: a test that hangs is stopped by -timeout, as under go
// test, and its package still gets a report.
func TestTestTimeout(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, errs, code := runIn(t, ctx, "", "test", "-o", dir, "-C", "testdata/testpkgs", "./hang", "--", "-timeout=2s")
	if ctx.Err() != nil {
		t.Fatal("the hanging test was not stopped by -timeout")
	}
	if code != 1 || !strings.Contains(errs, "FAIL\ttestpkgs/hang") || !strings.Contains(errs, "test timed out after 2s") {
		t.Errorf("exit %d, stderr %s", code, errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "testpkgs_hang.html"))
	if err != nil || !bytes.Contains(b, []byte("the tests failed")) {
		t.Errorf("no report for the package that timed out, or no warning in it: %v", err)
	}
}

// TestTestTraceNotInPlace: the traces vizrun test keeps are written as
// reports are, never in place: a symbolic link at PKG.trace is replaced,
// not followed.
func TestTestTraceNotInPlace(t *testing.T) {
	needsBuilds(t)
	dir, elsewhere := t.TempDir(), filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(elsewhere, []byte("not a trace"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, filepath.Join(dir, "testpkgs_xonly.trace")); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := runIn(t, context.Background(), "", "test", "-o", dir, "-C", "testdata/testpkgs", "./xonly"); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if b, err := os.ReadFile(elsewhere); err != nil || string(b) != "not a trace" {
		t.Errorf("the file the link pointed to was written through: %q, %v", b, err)
	}
	readTrace(t, filepath.Join(dir, "testpkgs_xonly.trace"))
}

// TestGo127: vizrun run and vizrun test with a Go 1.27 toolchain (the
// current release, fetched by GOTOOLCHAIN), whose runtime has the
// goroutine leak profile without any experiment.
func TestGo127(t *testing.T) {
	needsBuilds(t)
	const toolchain = "go1.27.3"
	env := []string{"GOTOOLCHAIN=" + toolchain}
	if b, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil && strings.TrimSpace(string(b)) == toolchain {
		env = nil // this go is 1.27 already
	} else if b, err := (&exec.Cmd{Path: mustLook(t, "go"), Args: []string{"go", "version"}, Env: append(os.Environ(), env...)}).CombinedOutput(); err != nil {
		t.Skipf("no %s toolchain here (GOTOOLCHAIN=%s go version: %v: %s)", toolchain, toolchain, err, b)
	}
	dir := t.TempDir()
	tr := filepath.Join(dir, "t.trace")
	p := startVizrun(t, env, "run", "-o", filepath.Join(dir, "r.html"), "-trace", tr, "-C", "testdata/prog", ".", "leak")
	if rest, code := p.wait(t); code != 0 || !strings.Contains(rest, "go1.27") {
		t.Fatalf("vizrun run with %s: exit %d, output %q, stderr %s", toolchain, code, rest, p.stderr.String())
	}
	checkLeaks(t, readTrace(t, tr), "testdata/prog/main.go")
	p = startVizrun(t, env, "test", "-o", dir, "-C", "testdata/testpkgs", "./leak", "./names", "--", "-count=1")
	if _, code := p.wait(t); code != 0 {
		t.Fatalf("vizrun test with %s: exit %d: %s", toolchain, code, p.stderr.String())
	}
	checkLeaks(t, readTrace(t, filepath.Join(dir, "testpkgs_leak.trace")), "testdata/testpkgs/leak/leak_test.go")
	if len(tracetest.Named(readTrace(t, filepath.Join(dir, "testpkgs_names.trace")), "TestTop/case_one")) != 1 {
		t.Error("a Go 1.27 subtest is not named by its test")
	}
}

func mustLook(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("no %s command", name)
	}
	return p
}

// TestInstall: the README's two ways of getting vizrun before it is
// published work: go install from a checkout, and a program of another
// module embedding the tracer through a replace directive.
func TestInstall(t *testing.T) {
	needsBuilds(t)
	root := mustAbs(t, "../..")
	bin := t.TempDir()
	install := exec.Command("go", "install", "./cmd/vizrun")
	install.Dir = root
	install.Env = append(os.Environ(), "GOBIN="+bin)
	if b, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/vizrun: %v\n%s", err, b)
	}
	if b, err := exec.Command(filepath.Join(bin, "vizrun"), "help").CombinedOutput(); err != nil || !bytes.Contains(b, []byte("vizrun run")) {
		t.Errorf("the installed vizrun: %v\n%s", err, b)
	}
	mod := t.TempDir()
	gomod, err := testmod.Mod(root, "example.com/embed")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mod, "go.mod", gomod)
	writeFile(t, mod, "main.go", `package main

import (
	"log"

	"github.com/vizrun/vizrun/tracer/report"
)

func main() {
	s, err := report.Start(report.Config{ReportFile: "report.html"})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Stop()
}
`)
	// Offline: everything comes from the module cache, as for a checkout
	// that has built vizrun once. The cache verified each module against
	// the checksum database when it downloaded it; the new module's go.sum
	// is the checkout's (a machine that never asked the checksum database
	// for a module, as CI, cannot reach it from here).
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, mod, "go.sum", string(sum))
	// (No go mod tidy: it would want the modules of the dependencies'
	// own tests, which building vizrun never downloads.)
	for _, args := range [][]string{{"run", "."}} {
		cmd := exec.Command("go", args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GONOSUMDB=*", "GOSUMDB=off")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in a module embedding the tracer: %v\n%s", strings.Join(args, " "), err, b)
		}
	}
	if b, err := os.ReadFile(filepath.Join(mod, "report.html")); err != nil || !bytes.HasPrefix(b, []byte("<!DOCTYPE html>")) {
		t.Errorf("the embedding program wrote no report: %v", err)
	}
}

func TestExamplesCommand(t *testing.T) {
	needsBuilds(t)
	dir := t.TempDir()
	_, errs, code := runIn(t, context.Background(), "", "examples", "-o", dir, "greet", "sequential")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`href="greet.html"`, `href="sequential.html"`, "about 180 ms in all"} {
		if !bytes.Contains(idx, []byte(want)) {
			t.Errorf("index lacks %q", want)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 5 {
		t.Errorf("%d files in the output, want the index and 2 reports with their traces", len(entries))
	}
	if _, errs, code := runIn(t, context.Background(), "", "examples", "-o", dir, "no-such-example"); code != 2 || !strings.Contains(errs, "no example named") {
		t.Errorf("unknown example: exit %d, %s", code, errs)
	}
	// The examples in modules of their own are found too.
	exs, err := findExamples(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ex := range exs {
		names = append(names, ex.Name)
		if ex.Name == "telegram" && (ex.Pkg != "github.com/vizrun/vizrun/examples/telegram" || filepath.Base(ex.Dir) != "telegram" || ex.Doc == "") {
			t.Errorf("telegram example: %+v", ex)
		}
	}
	if !slices.Contains(names, "telegram") || !slices.Contains(names, "greet") {
		t.Errorf("examples found: %q, want the tutorial's and telegram", names)
	}
}

// lockedBuffer is a bytes.Buffer a command writes while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
