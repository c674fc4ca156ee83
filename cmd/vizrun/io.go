package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
)

// loadTrace parses the trace at path ("-" for stdin), reporting progress on
// stderr for long parses and stopping when ctx is cancelled.
func loadTrace(ctx context.Context, e *env, path string) (*parse.Trace, error) {
	var r io.Reader
	var size int64
	name := path
	if path == "-" {
		r = e.stdin
		name = "standard input"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, cleanPathError(err)
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, cleanPathError(err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("%s is a directory, not a trace file", path)
		}
		r, size = f, st.Size()
	}
	p := newProgress(e.stderr, name, size)
	// VIZRUN_DECODERS sets how many goroutines decode generations at once
	// (default: one per CPU beyond the first; see parse.Options.Decoders).
	dec, _ := strconv.Atoi(os.Getenv("VIZRUN_DECODERS"))
	t, err := parse.Read(&ctxReader{ctx: ctx, r: r}, parse.Options{Size: size, Progress: p.update, Decoders: dec})
	p.done()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted while reading %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// cleanPathError drops the "open" verb: "open x: no such file" reads as
// "x: no such file or directory".
func cleanPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// ctxReader stops reading when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// progress prints how much of a long parse is done, at most once a second,
// starting after the first second.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	start time.Time
	last  time.Time
	shown bool
}

func newProgress(w io.Writer, name string, size int64) *progress {
	now := time.Now()
	return &progress{w: w, name: name, size: size, start: now, last: now}
}

func (p *progress) update(n int64) {
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < time.Second {
		return
	}
	p.last = now
	p.shown = true
	if p.size > 0 {
		fmt.Fprintf(p.w, "reading %s: %3.0f%% (%s of %s)\n", p.name, 100*float64(n)/float64(p.size), units.Bytes(n), units.Bytes(p.size))
	} else {
		fmt.Fprintf(p.w, "reading %s: %s\n", p.name, units.Bytes(n))
	}
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintf(p.w, "read %s in %s\n", p.name, time.Since(p.start).Round(time.Millisecond))
	}
}

// writeOutput writes a file through fn all at once: to a temporary file in
// the same directory, renamed into place when fn and the writes succeeded,
// so a failed run leaves nothing behind and never a half-written file.
// "-" writes to stdout.
func writeOutput(e *env, path string, fn func(w io.Writer) error) error {
	if path == "-" {
		bw := bufio.NewWriter(e.stdout)
		if err := fn(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	dir := filepath.Dir(path)
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory; give a file name with -o", path)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := fn(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %v", path, unwrapPath(err))
	}
	ok = true
	return nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
