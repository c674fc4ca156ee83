//go:build linux

package report_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// someWork gives a session something to record.
func someWork(ctx context.Context) error {
	done := make(chan struct{})
	tracer.Go(ctx, "worker", func(context.Context) { time.Sleep(time.Millisecond); close(done) })
	<-done
	return nil
}

// drain reads the FIFO at path to its end in the background.
func drain(path string) <-chan []byte {
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

func typeOf(t *testing.T, path string) fs.FileMode {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Type()
}

// TestOutputsNotReplaced: Config.ReportFile and TraceFile that are FIFOs,
// device nodes, links to them or /proc/self/fd/N are written into, never
// replaced by a regular file.
func TestOutputsNotReplaced(t *testing.T) {
	dir := t.TempDir()
	reportFIFO, traceFIFO := filepath.Join(dir, "report.fifo"), filepath.Join(dir, "trace.fifo")
	for _, p := range []string{reportFIFO, traceFIFO} {
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := filepath.Join(dir, "report.html")
	os.Symlink("report.fifo", link)

	gotReport, gotTrace := drain(reportFIFO), drain(traceFIFO)
	if err := report.Run(report.Config{ReportFile: link, TraceFile: traceFIFO}, someWork); err != nil {
		t.Fatal(err)
	}
	if b := <-gotReport; !bytes.Contains(b, []byte("</html>")) {
		t.Errorf("the report FIFO's reader got %d bytes, not a page", len(b))
	}
	if b := <-gotTrace; !bytes.HasPrefix(b, []byte("go 1.")) {
		t.Errorf("the trace FIFO's reader got %d bytes, not a trace", len(b))
	}
	for _, p := range []string{reportFIFO, traceFIFO} {
		if k := typeOf(t, p); k != fs.ModeNamedPipe {
			t.Errorf("%s is now %v, not a FIFO", filepath.Base(p), k)
		}
	}
	if k := typeOf(t, link); k != fs.ModeSymlink {
		t.Errorf("the link is now %v", k)
	}

	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		t.Logf("cannot make a device node (needs root or CAP_MKNOD): %v; the device case is skipped", err)
	} else {
		if err := report.Run(report.Config{ReportFile: null, TraceFile: null}, someWork); err != nil {
			t.Fatal(err)
		}
		if k := typeOf(t, null); k != fs.ModeDevice|fs.ModeCharDevice {
			t.Errorf("the device node is now %v", k)
		}
	}

	// /proc/self/fd/N of a pipe.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(r); got <- b }()
	err = report.Run(report.Config{ReportFile: fmt.Sprintf("/proc/self/fd/%d", w.Fd())}, someWork)
	w.Close()
	if b := <-got; err != nil || !bytes.Contains(b, []byte("</html>")) {
		t.Errorf("report into /proc/self/fd of a pipe: %v, %d bytes", err, len(b))
	}
	r.Close()

	ents, _ := os.ReadDir(dir)
	want := 3
	if _, err := os.Lstat(null); err == nil {
		want++
	}
	if len(ents) != want {
		t.Errorf("%d entries in the directory, want %d: something was left behind", len(ents), want)
	}
}

// TestOutputModes: a new report and trace get 0666 less the umask; existing
// ones keep their mode.
func TestOutputModes(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	newReport, newTrace := filepath.Join(dir, "new.html"), filepath.Join(dir, "new.trace")
	if err := report.Run(report.Config{ReportFile: newReport, TraceFile: newTrace}, someWork); err != nil {
		t.Fatal(err)
	}
	oldReport, oldTrace := filepath.Join(dir, "old.html"), filepath.Join(dir, "old.trace")
	os.WriteFile(oldReport, []byte("old"), 0o600)
	os.WriteFile(oldTrace, []byte("old"), 0o600)
	os.Chmod(oldTrace, 0o644)
	if err := report.Run(report.Config{ReportFile: oldReport, TraceFile: oldTrace}, someWork); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]fs.FileMode{newReport: 0o640, newTrace: 0o640, oldReport: 0o600, oldTrace: 0o644} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want || st.Size() < 100 {
			t.Errorf("%s: mode %v, %d bytes; want %v", filepath.Base(path), st.Mode().Perm(), st.Size(), want)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 4 {
		t.Errorf("%d entries in the directory, want 4", len(ents))
	}
}
