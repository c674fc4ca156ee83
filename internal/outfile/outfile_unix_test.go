//go:build linux

package outfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// withUmask runs fn with the process's umask set to m. Tests that use it do
// not run in parallel.
func withUmask(m int, fn func()) {
	old := syscall.Umask(m)
	defer syscall.Umask(old)
	fn()
}

// TestModes: a new file gets 0666 less the umask, not a fixed mode; an
// existing file keeps its mode, whatever the umask.
func TestModes(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o027, 0o640}, {0o077, 0o600}, {0o002, 0o664}} {
		p := filepath.Join(dir, fmt.Sprintf("new-%03o.html", c.umask))
		withUmask(c.umask, func() {
			if err := write(t, p, "x"); err != nil {
				t.Fatal(err)
			}
		})
		if st, _ := os.Stat(p); st.Mode().Perm() != c.want {
			t.Errorf("umask %03o: new file mode %v, want %v", c.umask, st.Mode().Perm(), c.want)
		}
	}
	for _, mode := range []fs.FileMode{0o600, 0o640, 0o666, 0o444} {
		p := filepath.Join(dir, fmt.Sprintf("old-%03o.html", mode))
		os.WriteFile(p, []byte("old"), 0o600)
		os.Chmod(p, mode)
		withUmask(0o077, func() {
			if err := write(t, p, "new"); err != nil {
				t.Fatal(err)
			}
		})
		if st, _ := os.Stat(p); st.Mode().Perm() != mode || read(t, p) != "new" {
			t.Errorf("existing %v: now %v holding %q", mode, st.Mode().Perm(), read(t, p))
		}
	}
}

// mknod makes a private character device node, or skips the test.
func mknod(t *testing.T, path string, major, minor int) {
	t.Helper()
	if err := syscall.Mknod(path, syscall.S_IFCHR|0o666, major<<8|minor); err != nil {
		t.Skipf("cannot make a device node (needs root or CAP_MKNOD): %v", err)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
}

func isDevice(t *testing.T, path string) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeCharDevice == 0 {
		t.Errorf("%s is no longer a device node: %v", path, st.Mode())
	}
}

func isFIFO(t *testing.T, path string) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("%s is no longer a FIFO: %v", path, st.Mode())
	}
}

// TestDevices: a device node is written into and stays a device node: a
// null device takes the output, a full one fails, and neither is replaced.
func TestDevices(t *testing.T) {
	dir := t.TempDir()
	null, full := filepath.Join(dir, "null"), filepath.Join(dir, "full")
	mknod(t, null, 1, 3)
	mknod(t, full, 1, 7)
	if k, _ := Inspect(null); k != Stream {
		t.Errorf("Inspect(null) = %v, want stream", k)
	}
	if err := write(t, null, strings.Repeat("report", 1<<16)); err != nil {
		t.Errorf("writing the null device: %v", err)
	}
	isDevice(t, null)
	err := write(t, full, strings.Repeat("report", 1<<16))
	if err == nil || !strings.Contains(err.Error(), "no space left on device") || strings.Contains(err.Error(), "\n") {
		t.Errorf("writing the full device: %v, want one line saying no space left", err)
	}
	isDevice(t, full)
	// Through a symbolic link too: the link stays.
	link := filepath.Join(dir, "out.html")
	os.Symlink("null", link)
	if err := write(t, link, "x"); err != nil {
		t.Error(err)
	}
	isDevice(t, null)
	if st, _ := os.Lstat(link); st.Mode()&fs.ModeSymlink == 0 {
		t.Error("the link to the device was replaced")
	}
	noTemps(t, dir, "null", "full", "out.html")
}

// readFIFO reads the FIFO at path to its end in the background.
func readFIFO(t *testing.T, path string) <-chan string {
	got := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- string(b)
	}()
	return got
}

// TestFIFO: a FIFO is written into and stays a FIFO, directly or through a
// link.
func TestFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)
	link := filepath.Join(dir, "link.html")
	os.Symlink(fifo, link)
	for _, p := range []string{fifo, link} {
		got := readFIFO(t, fifo)
		want := strings.Repeat("<p>report</p>", 1<<15) // more than a pipe holds
		if err := write(t, p, want); err != nil {
			t.Fatal(err)
		}
		if s := <-got; s != want {
			t.Errorf("%s: the reader got %d bytes, want %d", p, len(s), len(want))
		}
		isFIFO(t, fifo)
	}
	noTemps(t, dir, "fifo", "link.html")
}

// TestFIFOCancel: a FIFO nobody reads does not hold the writer once its
// context is done, neither when nobody opened it (the open waits) nor when
// a reader opened it and stopped reading (the writes wait).
func TestFIFOCancel(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	mkfifo(t, fifo)

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := Write(ctx, fifo, func(w io.Writer) error { _, err := io.WriteString(w, "x"); return err })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("no reader: got %v, want context.Canceled", err)
	}
	isFIFO(t, fifo)

	// A reader that opens the FIFO and never reads.
	opened := make(chan *os.File, 1)
	go func() {
		f, _ := os.Open(fifo)
		opened <- f
	}()
	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	var n int64
	err = Write(ctx, fifo, func(w io.Writer) error {
		time.AfterFunc(50*time.Millisecond, cancel)
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				return err
			}
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("stalled reader: got %v after %d bytes, want context.Canceled", err, n)
	}
	if f := <-opened; f != nil {
		f.Close()
	}
	isFIFO(t, fifo)
}

// TestOpenContextReader: a reader waiting for a FIFO's writer gives up when
// its context ends, and the FIFO's other end is let go.
func TestOpenContextReader(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	mkfifo(t, fifo)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	f, err := OpenContext(ctx, fifo, os.O_RDONLY, 0)
	if f != nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v, %v; want context.Canceled", f, err)
	}
	// A writer opening it now still waits for a reader: nothing of the
	// cancelled open is left holding the FIFO.
	if fd, err := syscall.Open(fifo, syscall.O_WRONLY|syscall.O_NONBLOCK, 0); err != syscall.ENXIO {
		if err == nil {
			syscall.Close(fd)
		}
		t.Errorf("opening the write end: %v, want ENXIO (no reader)", err)
	}
}

// TestProcFD: /proc/self/fd/N is written into, whatever N is: a pipe's
// reader gets the output, and a regular file behind it is written in
// place (its name there is the kernel's, not a path to rename onto).
func TestProcFD(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got := make(chan string, 1)
	go func() { b, _ := io.ReadAll(r); got <- string(b) }()
	p := fmt.Sprintf("/proc/self/fd/%d", w.Fd())
	if k, err := Inspect(p); err != nil || k != Stream {
		t.Fatalf("Inspect(%s) = %v, %v; want stream", p, k, err)
	}
	if err := write(t, p, "through the pipe"); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if s := <-got; s != "through the pipe" {
		t.Errorf("the pipe got %q", s)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "out.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	before, _ := f.Stat()
	p = fmt.Sprintf("/proc/self/fd/%d", f.Fd())
	if k, _ := Inspect(p); k != Stream {
		t.Errorf("Inspect(%s) of a regular file = %v, want stream", p, k)
	}
	if err := write(t, p, "in place"); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(file)
	if err != nil || !os.SameFile(before, after) || read(t, file) != "in place" {
		t.Errorf("the file behind the descriptor was replaced or not written (%v)", err)
	}
	noTemps(t, dir, "out.html")
}

// TestChangedMeanwhile: what is at the path is looked at again when the
// output is put in place: a FIFO made there meanwhile is written into, not
// replaced, whether the path was a regular file or new.
func TestChangedMeanwhile(t *testing.T) {
	dir := t.TempDir()
	for _, existed := range []bool{true, false} {
		p := filepath.Join(dir, fmt.Sprintf("r-%v.html", existed))
		if existed {
			os.WriteFile(p, []byte("old"), 0o644)
		}
		o, err := Create(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(o, "report")
		os.Remove(p)
		mkfifo(t, p)
		got := readFIFO(t, p)
		if err := o.Commit(); err != nil {
			t.Fatal(err)
		}
		if s := <-got; s != "report" {
			t.Errorf("existed %v: the FIFO got %q", existed, s)
		}
		isFIFO(t, p)
	}
	noTemps(t, dir, "r-true.html", "r-false.html")
}

// TestSocket: a socket is neither replaced nor written.
func TestSocket(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sock")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: p}); err != nil {
		t.Skip(err)
	}
	if err := write(t, p, "x"); err == nil || !strings.Contains(err.Error(), "socket") {
		t.Errorf("writing a socket: %v", err)
	}
	if st, err := os.Lstat(p); err != nil || st.Mode()&fs.ModeSocket == 0 {
		t.Error("the socket was replaced")
	}
}

// TestRemoveTemps: a temporary file being written is removed by
// RemoveTemps (a program that must exit at once).
func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	o, err := Create(t.Context(), filepath.Join(dir, "r.html"))
	if err != nil {
		t.Fatal(err)
	}
	RemoveTemps()
	noTemps(t, dir)
	o.Abort()
}
