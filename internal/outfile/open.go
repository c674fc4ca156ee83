package outfile

import (
	"context"
	"io/fs"
	"os"
	"time"
)

// OpenContext is os.OpenFile that gives up when ctx is done. Opening a FIFO
// waits for its other end (a reader for a writer, a writer for a reader),
// which may never come; when ctx ends first, OpenContext opens that other end
// itself, without blocking, so that the waiting open returns, closes both and
// returns ctx.Err(). A nil ctx never ends.
func OpenContext(ctx context.Context, name string, flag int, perm fs.FileMode) (*os.File, error) {
	if ctx == nil || ctx.Done() == nil {
		return os.OpenFile(name, flag, perm)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	type result struct {
		f   *os.File
		err error
	}
	opened := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(name, flag, perm)
		opened <- result{f, err}
	}()
	select {
	case r := <-opened:
		return r.f, r.err
	case <-ctx.Done():
	}
	closeOther := openOtherEnd(name, flag)
	defer closeOther()
	select {
	case r := <-opened:
		if r.f != nil {
			r.f.Close()
		}
	case <-time.After(200 * time.Millisecond):
		// Not a FIFO, or its other end could not be opened: the open goes
		// on without us, and what it opens is closed.
		go func() {
			if r := <-opened; r.f != nil {
				r.f.Close()
			}
		}()
	}
	return nil, ctx.Err()
}
