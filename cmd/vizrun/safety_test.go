//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// vizrunProcess starts the vizrun command in a process of its own.
func vizrunProcess(t *testing.T, stdin io.Reader, stdout io.Writer, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(vizrunBinary(t), args...)
	var stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd, &stderr
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
}

// readAllOf reads the FIFO at path to its end in the background.
func readAllOf(path string) <-chan []byte {
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	return got
}

func kindOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Type()
}

// TestOutputsNotReplaced: report -o and diff -o write into a device node, a
// FIFO, a link to either and /proc/self/fd/N, and never put a regular file
// in their place.
func TestOutputsNotReplaced(t *testing.T) {
	dir := t.TempDir()
	null := filepath.Join(dir, "null")
	haveNull := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3) == nil
	if !haveNull {
		t.Log("cannot make a device node (needs root or CAP_MKNOD): the device cases are skipped")
	}
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	linkFIFO := filepath.Join(dir, "to-fifo.html")
	os.Symlink("fifo", linkFIFO)
	linkNull := filepath.Join(dir, "to-null.html")
	os.Symlink("null", linkNull)

	for _, cmd := range [][]string{{"report", "-o"}, {"diff", "-o"}} {
		args := func(out string) []string {
			a := append(append([]string{}, cmd...), out, mixed)
			if cmd[0] == "diff" {
				a = append(a, mixed)
			}
			return a
		}
		for _, out := range []string{fifo, linkFIFO} {
			got := readAllOf(fifo)
			if _, errs, code := vizrun(t, nil, args(out)...); code != 0 {
				t.Fatalf("%s %s: exit %d: %s", cmd[0], out, code, errs)
			}
			if b := <-got; !bytes.Contains(b, []byte("</html>")) {
				t.Errorf("%s %s: the FIFO's reader got %d bytes, not a page", cmd[0], out, len(b))
			}
			if k := kindOf(t, fifo); k != fs.ModeNamedPipe {
				t.Errorf("%s %s: the FIFO is now %v", cmd[0], out, k)
			}
		}
		if haveNull {
			for _, out := range []string{null, linkNull} {
				if _, errs, code := vizrun(t, nil, args(out)...); code != 0 {
					t.Fatalf("%s %s: exit %d: %s", cmd[0], out, code, errs)
				}
				if k := kindOf(t, null); k != fs.ModeDevice|fs.ModeCharDevice {
					t.Errorf("%s %s: the device node is now %v", cmd[0], out, k)
				}
			}
		}
		if k := kindOf(t, linkFIFO); k != fs.ModeSymlink {
			t.Errorf("the link was replaced by a %v", k)
		}
		// /proc/self/fd/N of a pipe: the pipe's reader gets the page.
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		got := make(chan []byte, 1)
		go func() { b, _ := io.ReadAll(r); got <- b }()
		_, errs, code := vizrun(t, nil, args(fmt.Sprintf("/proc/self/fd/%d", w.Fd()))...)
		w.Close()
		if b := <-got; code != 0 || !bytes.Contains(b, []byte("</html>")) {
			t.Errorf("%s into /proc/self/fd of a pipe: exit %d (%s), %d bytes through the pipe", cmd[0], code, errs, len(b))
		}
		r.Close()
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 4 {
		t.Errorf("the directory holds %d entries, want 4: something was left behind", len(ents))
	}
}

// TestOutputModes: a new report gets 0666 less the umask, an existing one
// keeps its mode (a 0600 report stays 0600).
func TestOutputModes(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	fresh := filepath.Join(dir, "new.html")
	if _, errs, code := vizrun(t, nil, "report", "-o", fresh, mixed); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	private := filepath.Join(dir, "private.html")
	os.WriteFile(private, []byte("old"), 0o600)
	if _, errs, code := vizrun(t, nil, "report", "-o", private, mixed); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for path, want := range map[string]fs.FileMode{fresh: 0o640, private: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want || st.Size() < 1000 {
			t.Errorf("%s: mode %v, %d bytes; want %v and a report", filepath.Base(path), st.Mode().Perm(), st.Size(), want)
		}
	}
}

// TestRunTraceMode: the trace vizrun run keeps gets 0666 less the umask, or
// keeps an existing file's mode, as its report does.
func TestRunTraceMode(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program")
	}
	dir := t.TempDir()
	report, tr := filepath.Join(dir, "r.html"), filepath.Join(dir, "t.trace")
	os.WriteFile(tr, nil, 0o600)
	old := syscall.Umask(0o007)
	defer syscall.Umask(old)
	if _, errs, code := runIn(t, context.Background(), "", "run", "-o", report, "-trace", tr, "-C", "testdata/prog", "."); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for path, want := range map[string]fs.FileMode{report: 0o660, tr: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want || st.Size() == 0 {
			t.Errorf("%s: mode %v, %d bytes; want %v", filepath.Base(path), st.Mode().Perm(), st.Size(), want)
		}
	}
}

// hangLimit is how long a test waits for a command that should have
// stopped: far more than the second it takes, so that a busy machine does
// not fail it; a command that ignores the signal never stops.
const hangLimit = 15 * time.Second

// TestInterruptedInput: a command waiting on input that never comes (a FIFO
// nobody opens for writing, one whose writer writes nothing, a pipe on
// standard input) stops when its context is cancelled, with one line.
func TestInterruptedInput(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	budget := writeFile(t, dir, "budget.json", `{"max_leaked_goroutines": 0}`)
	stalled := func() (io.Reader, func()) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		return r, func() { w.Close(); r.Close() }
	}
	for _, c := range []struct {
		name   string
		args   []string
		writer bool // a writer opens the FIFO and writes nothing
		stdin  bool // standard input is a pipe nobody writes to
		want   string
	}{
		{"report of a FIFO without writer", []string{"report", "-o", filepath.Join(dir, "r.html"), fifo}, false, false, "interrupted while waiting to open " + fifo},
		{"summary of a FIFO without writer", []string{"summary", fifo}, false, false, "interrupted while waiting to open"},
		{"summary of a stalled FIFO", []string{"summary", fifo}, true, false, "interrupted while reading " + fifo},
		{"diff of a FIFO", []string{"diff", mixed, fifo}, false, false, "interrupted while waiting to open"},
		{"check with a FIFO budget", []string{"check", "-budget", fifo, mixed}, false, false, "interrupted while waiting to open"},
		{"check of a FIFO", []string{"check", "-budget", budget, fifo}, false, false, "interrupted while waiting to open"},
		{"report with FIFO thresholds", []string{"report", "-thresholds", fifo, mixed}, false, false, "interrupted while waiting to open"},
		{"report of a stalled stdin", []string{"report", "-o", filepath.Join(dir, "r.html"), "-"}, false, true, "interrupted while reading standard input"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdin io.Reader = strings.NewReader("")
			if c.stdin {
				r, done := stalled()
				defer done()
				stdin = r
			}
			if c.writer {
				held := make(chan *os.File, 1)
				go func() {
					f, _ := os.OpenFile(fifo, os.O_WRONLY, 0)
					held <- f
				}()
				defer func() {
					if f := <-held; f != nil {
						f.Close()
					}
				}()
			}
			// Cancelled while it still reads a regular file given before
			// the FIFO (a busy machine reads slowly), the command is
			// right to say so; then it is run again and cancelled later,
			// a few times at most.
			for wait, try := 100*time.Millisecond, 1; ; wait, try = wait*4, try+1 {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(wait, cancel)
				var out, errb bytes.Buffer
				done := make(chan error, 1)
				go func() { done <- run(ctx, c.args, stdin, &out, &errb) }()
				var err error
				select {
				case err = <-done:
				case <-time.After(hangLimit):
					t.Fatalf("still waiting %v after the context was cancelled", hangLimit)
				}
				if err != nil && try < 4 && strings.Contains(err.Error(), "interrupted while reading "+mixed) && !strings.Contains(c.want, mixed) {
					t.Logf("try %d: cancelled after %v, still reading %s; again", try, wait, mixed)
					continue
				}
				if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
					t.Errorf("got %v (exit %d), want one line with %q", err, exitCode(err), c.want)
				}
				break
			}
			if k := kindOf(t, fifo); k != fs.ModeNamedPipe {
				t.Errorf("the FIFO is now %v", k)
			}
			if _, err := os.Stat(filepath.Join(dir, "r.html")); err == nil {
				t.Error("an interrupted report was written")
			}
		})
	}
}

// TestSignals: the vizrun command itself stops at Ctrl-C or SIGTERM
// whatever it waits on: a FIFO nobody writes to, a pipe on standard input,
// or a pipe on standard output that nobody reads (which no read or write
// can be woken from: vizrun stops itself).
func TestSignals(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	for _, c := range []struct {
		name string
		sig  syscall.Signal
		args []string
		// stdin is a pipe nobody writes to; stdout a pipe nobody reads
		stdin, stdout bool
	}{
		{"Ctrl-C, report of a FIFO", syscall.SIGINT, []string{"report", "-o", filepath.Join(dir, "r.html"), fifo}, false, false},
		{"SIGTERM, summary of a FIFO", syscall.SIGTERM, []string{"summary", fifo}, false, false},
		{"Ctrl-C, report into a FIFO no one reads", syscall.SIGINT, []string{"report", "-o", fifo, mixed}, false, false},
		{"Ctrl-C, summary of stdin", syscall.SIGINT, []string{"summary", "-"}, true, false},
		{"SIGTERM, report to a stalled stdout", syscall.SIGTERM, []string{"report", "-o", "-", mixed}, false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A signal that comes before vizrun has set up its handler
			// kills it (a busy machine can take longer than the wait
			// below to start it): then it is sent again to a new
			// process, after a longer wait, a few times at most.
			const tries = 4
			wait := 200 * time.Millisecond
			for try := 1; ; try++ {
				if early := signalOnce(t, c.sig, c.args, c.stdin, c.stdout, wait); !early {
					break
				} else if try == tries {
					t.Fatalf("vizrun was killed by %v before it handled signals, %d times, the last after %v", c.sig, tries, wait)
				}
				t.Logf("try %d: %v came before vizrun handled signals (%v after it started); again", try, c.sig, wait)
				wait *= 3
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 1 {
				t.Errorf("%d files in the directory, want only the FIFO", len(ents))
			}
		})
	}
}

// signalOnce starts vizrun with args, sends it sig after wait (once the
// pipe on its standard output is full, if stdout), and checks that it
// stops with status 1 and one line saying it was interrupted. It returns
// early=true, checking nothing, if the signal killed vizrun before it set
// up its handler.
func signalOnce(t *testing.T, sig syscall.Signal, args []string, withStdin, withStdout bool, wait time.Duration) (early bool) {
	t.Helper()
	var stdin io.Reader
	var stdout io.Writer
	if withStdin {
		r, w, _ := os.Pipe()
		defer w.Close()
		defer r.Close()
		stdin = r
	}
	var full func() bool
	if withStdout {
		// A blocking pipe, passed as it is: the command's write
		// waits in the kernel, where nothing can wake it.
		var p [2]int
		if err := syscall.Pipe(p[:]); err != nil {
			t.Fatal(err)
		}
		r, w := os.NewFile(uintptr(p[0]), "r"), os.NewFile(uintptr(p[1]), "w")
		defer r.Close()
		defer w.Close()
		stdout = w
		full = func() bool { return queued(r) >= 64<<10 }
	}
	cmd, stderr := vizrunProcess(t, stdin, stdout, args...)
	if full != nil {
		// Wait until the pipe is full (the report is larger).
		for deadline := time.Now().Add(hangLimit); !full(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the report never filled the pipe")
			}
		}
		time.Sleep(50 * time.Millisecond)
	} else {
		time.Sleep(wait)
	}
	start := time.Now()
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == sig && stderr.Len() == 0 {
			return true
		}
		t.Logf("stopped %v after the signal: %v", time.Since(start).Round(time.Millisecond), err)
		if cmd.ProcessState.ExitCode() != 1 {
			t.Errorf("exit status %v, want 1", cmd.ProcessState)
		}
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if len(lines) != 1 || !strings.Contains(lines[0], "interrupted") {
			t.Errorf("stderr %q, want one line saying it was interrupted", stderr.String())
		}
	case <-time.After(hangLimit):
		t.Fatalf("still running %v after %v", hangLimit, sig)
	}
	return false
}

// queued is how many bytes wait in the pipe r reads.
func queued(r *os.File) int {
	var n int32
	syscall.Syscall(syscall.SYS_IOCTL, r.Fd(), syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	return int(n)
}

// damaged returns traces made from the mixed trace by cutting it and by
// flipping bits, the same ones on every run.
func damaged(t *testing.T, n int) [][]byte {
	data, err := os.ReadFile(mixed)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(15, 1))
	var out [][]byte
	for i := range n {
		d := bytes.Clone(data)
		switch i % 3 {
		case 0: // cut
			d = d[:16+r.IntN(len(d)-16)]
		case 1: // bits flipped early, where the first generation is
			for range 1 + r.IntN(3) {
				j := 16 + r.IntN(3000)
				d[j] ^= 1 << r.IntN(8)
			}
		case 2: // bits flipped anywhere
			for range 1 + r.IntN(4) {
				j := 16 + r.IntN(len(d)-16)
				d[j] ^= 1 << r.IntN(8)
			}
		}
		out = append(out, d)
	}
	return out
}

// TestDamagedTracesOneLine: whatever is wrong with a damaged trace, vizrun
// says it in one line: an error is one line on stderr, and a report of
// what was readable prints one line per warning and the line naming the
// file. -v prints the decoder's whole message (x/exp/trace's dump of its
// state, tens of lines), which some of these traces do produce.
func TestDamagedTracesOneLine(t *testing.T) {
	t.Parallel() // minutes with -race on a busy machine: beside the tests that wait on builds
	dir := t.TempDir()
	n := 900 // minutes on a busy machine: -short reads fewer
	if testing.Short() {
		n = 300
	}
	traces := damaged(t, n)
	var failed, detailed int
	for i, d := range traces {
		path := filepath.Join(dir, fmt.Sprintf("damaged-%d.trace", i))
		if err := os.WriteFile(path, d, 0o644); err != nil {
			t.Fatal(err)
		}
		cmds := [][]string{{"summary", path}}
		if i%10 == 0 {
			cmds = append(cmds, []string{"report", "-o", filepath.Join(dir, "r.html"), path})
		}
		for _, args := range cmds {
			_, errs, code := vizrun(t, nil, args...)
			// A parse that takes over a second (a busy machine) also
			// prints its progress, one line a second, and how long it
			// took: those lines are not the message.
			var lines []string
			for _, l := range strings.Split(strings.TrimRight(errs, "\n"), "\n") {
				if l != "" && !strings.HasPrefix(l, "reading "+path+": ") && !strings.HasPrefix(l, "read "+path+" in ") {
					lines = append(lines, l)
				}
			}
			if code != 0 {
				failed++
				if len(lines) != 1 {
					t.Errorf("%s of damaged trace %d: exit %d and %d lines on stderr:\n%s", args[0], i, code, len(lines), errs)
				}
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "vizrun: ") && !strings.HasPrefix(l, "warning: ") && !strings.HasPrefix(l, "wrote ") {
					t.Errorf("%s of damaged trace %d: a line of a longer message on stderr: %q", args[0], i, l)
					break
				}
			}
			if code != 0 && strings.Contains(errs, "-v shows more") {
				_, verr, _ := vizrun(t, nil, append([]string{args[0], "-v"}, args[1:]...)...)
				if strings.Count(verr, "\n") < 3 || !strings.Contains(verr, "the whole error:") {
					t.Errorf("%s -v of damaged trace %d shows no more: %q", args[0], i, verr)
				}
				detailed++
			}
		}
	}
	t.Logf("%d damaged traces: %d errors, %d with more detail behind -v", len(traces), failed, detailed)
	if failed == 0 || detailed == 0 {
		t.Errorf("the damaged traces gave %d errors, %d with detail: they no longer exercise what this test is for", failed, detailed)
	}
}

// TestVerboseEnv: commands without -v (their flags go to programs) show an
// error's detail with VIZRUN_VERBOSE=1.
func TestVerboseEnv(t *testing.T) {
	e := &env{stderr: io.Discard}
	err := e.oneLine(fmt.Errorf("first line\nsecond line"), false)
	if err.Error() != "first line (VIZRUN_VERBOSE=1 shows more)" {
		t.Errorf("got %q", err)
	}
	var b bytes.Buffer
	e = &env{stderr: &b, verbose: true}
	err = e.oneLine(&exitError{code: 3, msg: "status\ndetail"}, true)
	if err.Error() != "status" || exitCode(err) != 3 || !strings.Contains(b.String(), "detail") {
		t.Errorf("verbose: got %q (exit %d), stderr %q", err, exitCode(err), b.String())
	}
}
