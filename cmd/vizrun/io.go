package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/vizrun/vizrun/internal/outfile"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/units"
)

// loadTrace parses the trace at path ("-" for stdin), reporting progress on
// stderr for long parses and stopping when ctx is cancelled: also while a
// FIFO waits for its writer or a pipe or terminal for its next bytes.
func loadTrace(ctx context.Context, e *env, path string) (*parse.Trace, error) {
	return loadTraceWith(ctx, e, path, parse.Options{})
}

// loadTraceWindow is loadTrace for the window of the trace [w[0], w[1]) (ns
// since its start); all of it when w is zero (see parse.Options.Window).
func loadTraceWindow(ctx context.Context, e *env, path string, w [2]int64) (*parse.Trace, error) {
	return loadTraceWith(ctx, e, path, parse.Options{Window: w})
}

// loadTraceWith is loadTrace with options for the parser (a window, a
// profile to fill, a span budget).
func loadTraceWith(ctx context.Context, e *env, path string, opt parse.Options) (*parse.Trace, error) {
	var r io.Reader
	var size int64
	name := path
	if path == "-" {
		r = &ctxReader{ctx: ctx, r: e.stdin, async: true}
		name = "standard input"
	} else {
		f, err := outfile.OpenContext(ctx, path, os.O_RDONLY, 0)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted while waiting to open %s", name)
		}
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
		cr := &ctxReader{ctx: ctx, r: f}
		if st.Mode().IsRegular() {
			size = st.Size()
		} else {
			// A FIFO, a pipe, a terminal: a read may wait for ever. One in
			// Go's poller ends at once at the deadline; any other is left
			// behind (see ctxReader).
			cr.async = true
			defer context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })()
		}
		r = cr
	}
	p := newProgress(e.stderr, name, size)
	// VIZRUN_DECODERS sets how many goroutines decode generations at once
	// (default: one per CPU beyond the first; see parse.Options.Decoders).
	dec, _ := strconv.Atoi(os.Getenv("VIZRUN_DECODERS"))
	opt.Size, opt.Progress = size, p.update
	if opt.Decoders == 0 {
		opt.Decoders = dec
	}
	t, err := parse.Read(r, opt)
	p.done()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted while reading %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return t, nil
}

// readInput reads a small file (a budget, thresholds), giving up when ctx
// is cancelled, as loadTrace does.
func readInput(ctx context.Context, path string) ([]byte, error) {
	f, err := outfile.OpenContext(ctx, path, os.O_RDONLY, 0)
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted while waiting to open %s", path)
	}
	if err != nil {
		return nil, cleanPathError(err)
	}
	defer f.Close()
	cr := &ctxReader{ctx: ctx, r: f, async: true}
	defer context.AfterFunc(ctx, func() { f.SetReadDeadline(time.Unix(1, 0)) })()
	data, err := io.ReadAll(io.LimitReader(cr, 64<<20))
	if ctx.Err() != nil {
		return nil, fmt.Errorf("interrupted while reading %s", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, unwrapPath(err))
	}
	return data, nil
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

// ctxReader stops reading when its context is cancelled. With async set,
// each read runs on a goroutine of its own, into a buffer of its own, and
// is abandoned when the context ends first: a read of a pipe, FIFO or
// terminal may wait for ever, and os.Stdin cannot be woken up (putting it
// in non-blocking mode would change it for the shell too). The abandoned
// goroutine ends with its read, or with the program.
type ctxReader struct {
	ctx   context.Context
	r     io.Reader
	async bool

	pending chan readResult // the read under way, if any
	buf     []byte          // its buffer
	left    []byte          // what it read that p could not hold
}

type readResult struct {
	n   int
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if !c.async {
		return c.r.Read(p)
	}
	if len(c.left) > 0 {
		n := copy(p, c.left)
		c.left = c.left[n:]
		return n, nil
	}
	if c.pending == nil {
		if c.buf == nil {
			c.buf = make([]byte, min(max(len(p), 4<<10), 256<<10))
		}
		c.pending = make(chan readResult, 1)
		go func(ch chan<- readResult, buf []byte) {
			n, err := c.r.Read(buf)
			ch <- readResult{n, err}
		}(c.pending, c.buf)
	}
	select {
	case res := <-c.pending:
		c.pending = nil
		n := copy(p, c.buf[:res.n])
		c.left = c.buf[n:res.n]
		if c.ctx.Err() != nil {
			return n, c.ctx.Err()
		}
		if len(c.left) > 0 {
			return n, nil // the error, if any, comes with the next read
		}
		return n, res.err
	case <-c.ctx.Done():
		c.buf = nil // the read goes on with it: never reused
		return 0, c.ctx.Err()
	}
}

// progress prints how much of a long parse is done, starting after the
// first second: at most once a second on a terminal, and once every 10 s
// elsewhere (a CI log, a file), where the lines stay.
type progress struct {
	w     io.Writer
	name  string
	size  int64
	every time.Duration
	now   func() time.Time
	start time.Time
	last  time.Time
	shown bool
}

// progressEvery is how often progress lines are printed on w.
func progressEvery(w io.Writer) time.Duration {
	if isTerminal(w) {
		return time.Second
	}
	return 10 * time.Second
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, name string, size int64) *progress {
	now := time.Now()
	return &progress{w: w, name: name, size: size, every: progressEvery(w), now: time.Now, start: now, last: now}
}

func (p *progress) update(n int64) {
	now := p.now()
	if now.Sub(p.start) < time.Second || (p.shown && now.Sub(p.last) < p.every) {
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
		fmt.Fprintf(p.w, "read %s in %s\n", p.name, p.now().Sub(p.start).Round(time.Millisecond))
	}
}

// writeOutput writes a file through fn all at once, as internal/outfile
// does: a regular file or a new path through a temporary file in the same
// directory, renamed into place when fn and the writes succeeded, so a
// failed run leaves nothing behind and never a half-written file; a device,
// FIFO or pipe is written into, never replaced. A new file's mode is 0666
// less the umask; an existing file keeps its mode. "-" writes to stdout.
// Writing stops when e's context is cancelled.
func writeOutput(e *env, path string, fn func(w io.Writer) error) error {
	ctx := e.context()
	if path == "-" {
		bw := bufio.NewWriter(&ctxWriter{ctx: ctx, w: e.stdout})
		err := fn(bw)
		if err == nil {
			err = bw.Flush()
		}
		if err != nil && ctx.Err() != nil {
			return errors.New("interrupted while writing standard output")
		}
		return err
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory; give a file name with -o", path)
	}
	err := outfile.Write(ctx, path, fn)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("interrupted while writing %s", path)
	}
	return err
}

// writeGenerated is writeOutput for a file whose name vizrun chose in an
// output directory (vizrun test's PKG.trace): a symbolic link there is
// replaced, not followed, so that a link someone else left in the
// directory cannot send the output elsewhere.
func writeGenerated(e *env, path string, fn func(w io.Writer) error) error {
	ctx := e.context()
	err := outfile.WriteWith(ctx, path, outfile.Options{ReplaceLinks: true}, fn)
	if err != nil && ctx.Err() != nil {
		return fmt.Errorf("interrupted while writing %s", path)
	}
	return err
}

// copyGenerated copies src to dst with writeGenerated.
func copyGenerated(e *env, dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeGenerated(e, dst, func(w io.Writer) error {
		_, err := io.Copy(w, in)
		return err
	})
}

// ctxWriter stops writing when its context is cancelled.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
