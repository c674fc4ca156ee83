// Package outfile writes output files without destroying what is already
// there.
//
// A regular file, or a path where nothing is yet, is written all at once:
// into a temporary file in the same directory, put in place (renamed, or
// linked when the path is new) only when everything was written, so that a
// failed write leaves the old file, or nothing, behind. A new file gets the
// mode 0666 less the umask, as any file a program creates; an existing file
// keeps its mode (and, where the writer may set it, its owner).
//
// Anything else is written straight into, never replaced: a device (a
// /dev/null, a terminal), a FIFO, a pipe or socket behind /proc/self/fd/N or
// /dev/stdout. Renaming a file over those would put a regular file where the
// device node or FIFO was. A symbolic link is followed: what it points to
// says how it is written, and a regular file behind a link is replaced where
// it is, keeping the link.
//
// The package imports only the standard library.
package outfile

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrIsDir is wrapped by the error of Create for a path that is a
// directory.
var ErrIsDir = errors.New("is a directory")

// Kind says how a path is written.
type Kind int

const (
	// New: nothing is there yet. The file is written under a temporary name
	// in the same directory and linked into place: mode 0666 less the umask.
	New Kind = iota
	// Regular: a regular file, replaced all at once by a temporary file
	// renamed over it, keeping its mode.
	Regular
	// Stream: a device, FIFO, pipe, socket or anything else that is not a
	// regular file: written straight into, never replaced.
	Stream
)

func (k Kind) String() string {
	switch k {
	case New:
		return "new"
	case Regular:
		return "regular"
	}
	return "stream"
}

// target is what a path leads to.
type target struct {
	kind Kind
	// real is where a New or Regular file goes: the path itself, or, when
	// it is a symbolic link, the end of its chain of links.
	real string
	mode fs.FileMode // of an existing file
	info fs.FileInfo // of an existing file
	link bool        // New: a symbolic link to replace (Options.ReplaceLinks)
}

// Inspect says how path would be written. It fails for a directory
// (ErrIsDir) and for a path that cannot be looked at.
func Inspect(path string) (Kind, error) {
	t, err := inspect(path)
	return t.kind, err
}

// Options change how Create and Write treat a path.
type Options struct {
	// ReplaceLinks replaces a symbolic link at the path, all at once, with
	// the file, rather than following it: for files whose names the
	// writer chose in an output directory, where a link someone else put
	// there must not send the output elsewhere. The zero Options follow
	// links.
	ReplaceLinks bool
}

func inspectWith(path string, opt Options) (target, error) {
	if opt.ReplaceLinks && path != "" {
		if st, err := os.Lstat(path); err == nil && st.Mode()&fs.ModeSymlink != 0 {
			return target{kind: New, real: path, link: true}, nil
		}
	}
	return inspect(path)
}

func inspect(path string) (target, error) {
	if path == "" {
		return target{}, errors.New("cannot write to an empty file name")
	}
	st, err := os.Stat(path) // follows links, as opening the path would
	switch {
	case err == nil && st.IsDir():
		return target{}, fmt.Errorf("%s %w", path, ErrIsDir)
	case err == nil && !st.Mode().IsRegular():
		return target{kind: Stream, real: path, info: st}, nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return target{}, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	real, magic, rerr := resolve(path)
	if rerr != nil {
		return target{}, fmt.Errorf("cannot write %s: %w", path, rerr)
	}
	switch {
	case magic && err == nil:
		// A regular file behind /proc/self/fd/N (a shell's redirection):
		// its name there is not a path to rename onto.
		return target{kind: Stream, real: path, info: st}, nil
	case magic:
		return target{}, fmt.Errorf("cannot write %s: %w", path, fs.ErrNotExist)
	case err == nil:
		return target{kind: Regular, real: real, mode: st.Mode(), info: st}, nil
	}
	return target{kind: New, real: real}, nil
}

// maxLinks bounds a chain of symbolic links, as the kernel does (ELOOP).
const maxLinks = 40

// resolve follows path's chain of symbolic links to its end: the file to
// replace, or the path where a dangling link's target will be created. magic
// reports a link of /proc (/proc/self/fd/N, /dev/stdout), which the kernel
// follows to an open file rather than to the path it reads as.
func resolve(path string) (real string, magic bool, err error) {
	p := path
	for range maxLinks {
		st, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, false, nil
		}
		if err != nil {
			return "", false, unwrapPath(err)
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return p, false, nil
		}
		if inProc(p) {
			return p, true, nil
		}
		to, err := os.Readlink(p)
		if err != nil {
			return "", false, unwrapPath(err)
		}
		if filepath.IsAbs(to) {
			p = to
		} else {
			// Not filepath.Join: it would clean "dir/../x" by the letters,
			// while the kernel resolves "dir" first.
			p = dirOf(p) + string(filepath.Separator) + to
		}
	}
	return "", false, errors.New("too many levels of symbolic links")
}

// inProc reports whether the link p lies in /proc, where links are the
// kernel's handles on open files rather than paths.
func inProc(p string) bool {
	d, err := filepath.EvalSymlinks(dirOf(p))
	return err == nil && (d == "/proc" || strings.HasPrefix(d, "/proc/"))
}

// dirOf is p's directory, without cleaning p (see resolve).
func dirOf(p string) string {
	vol := filepath.VolumeName(p)
	i := len(p) - 1
	for i >= len(vol) && !os.IsPathSeparator(p[i]) {
		i--
	}
	switch {
	case i < len(vol):
		if vol != "" {
			return vol
		}
		return "."
	case i == len(vol):
		return p[:i+1] // the root
	}
	return p[:i]
}

// File is an output being written: Write to it, then Commit, or Abort to
// leave everything as it was (as far as a Stream allows).
type File struct {
	path string // as given
	t    target
	ctx  context.Context
	f    *os.File // the temporary file (New, Regular) or the output (Stream)
	stop func() bool
	done bool
	opt  Options
}

// Create starts writing path. A Stream is opened at once (which waits,
// until ctx is done, for a FIFO's reader); a New or Regular file is written
// into a temporary file until Commit. Writes fail once ctx is done. A nil
// ctx never ends.
func Create(ctx context.Context, path string) (*File, error) {
	return CreateWith(ctx, path, Options{})
}

// CreateWith is Create with Options.
func CreateWith(ctx context.Context, path string, opt Options) (*File, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	t, err := inspectWith(path, opt)
	if err != nil {
		return nil, err
	}
	o := &File{path: path, t: t, ctx: ctx, opt: opt}
	if t.kind == Stream {
		if t.info != nil && t.info.Mode()&fs.ModeSocket != 0 {
			return nil, fmt.Errorf("cannot write %s: it is a socket", path)
		}
		f, err := OpenContext(ctx, path, os.O_WRONLY|os.O_TRUNC, 0)
		if err != nil {
			return nil, o.cannot(err)
		}
		o.f = f
		// A FIFO or terminal is in Go's poller: a write stalled on it
		// ends when ctx does.
		o.stop = context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Unix(1, 0)) })
		return o, nil
	}
	if err := o.createTemp(); err != nil {
		return nil, err
	}
	return o, nil
}

// Kind says how the file is written.
func (o *File) Kind() Kind { return o.t.kind }

// Temp is the temporary file of a New or Regular output, open for reading
// and writing, and nil for a Stream. Write through the File or into Temp
// directly (not both at once); Commit puts it in place.
func (o *File) Temp() *os.File {
	if o.t.kind == Stream {
		return nil
	}
	return o.f
}

// temps are the temporary files being written, for RemoveTemps.
var temps sync.Map // *os.File -> struct{}

// RemoveTemps removes every temporary file still being written, for a
// program that must exit at once (a second Ctrl-C) without leaving them
// behind.
func RemoveTemps() {
	temps.Range(func(k, _ any) bool {
		os.Remove(k.(*os.File).Name())
		return true
	})
}

func (o *File) createTemp() error {
	dir, base := dirOf(o.t.real), filepath.Base(o.t.real)
	if len(base) > 200 {
		base = base[:200] // within NAME_MAX with the prefix and suffix
	}
	perm := fs.FileMode(0o666)
	if o.t.kind == Regular {
		perm = o.t.mode.Perm()
	}
	var f *os.File
	var err error
	for range 100 {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64()%1e10, 10)+".tmp")
		f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return o.cannot(err)
	}
	temps.Store(f, struct{}{})
	o.f = f
	if o.t.kind == Regular {
		// The umask may have taken bits of the existing file's mode away.
		if err := f.Chmod(o.t.mode.Perm()); err != nil {
			o.Abort()
			return o.cannot(err)
		}
		keepOwner(f, o.t.info)
	}
	return nil
}

func (o *File) cannot(err error) error {
	if o.ctx.Err() != nil {
		return o.ctx.Err()
	}
	return fmt.Errorf("cannot write %s: %w", o.path, unwrapPath(err))
}

func (o *File) failed(err error) error {
	if o.ctx.Err() != nil {
		return o.ctx.Err()
	}
	return fmt.Errorf("writing %s: %w", o.path, unwrapPath(err))
}

// Write writes p, or fails once the File's context is done.
func (o *File) Write(p []byte) (int, error) {
	if err := o.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := o.f.Write(p)
	if err != nil {
		return n, o.failed(err)
	}
	return n, nil
}

// Abort gives up: a temporary file is removed, a Stream closed. Abort after
// Commit does nothing.
func (o *File) Abort() {
	if o.done {
		return
	}
	o.done = true
	o.release()
	o.f.Close()
	if o.t.kind != Stream {
		os.Remove(o.f.Name())
	}
}

func (o *File) release() {
	if o.stop != nil {
		o.stop()
	}
	temps.Delete(o.f)
}

// Commit finishes the output: a Stream is closed, a temporary file put in
// place. On error nothing was replaced (and the temporary file is gone).
func (o *File) Commit() error {
	if o.done {
		return errors.New("outfile: Commit after Commit or Abort")
	}
	if err := o.ctx.Err(); err != nil {
		o.Abort()
		return err
	}
	if o.t.kind == Stream {
		o.done = true
		o.release()
		if err := o.f.Close(); err != nil {
			return o.failed(err)
		}
		return nil
	}
	if err := o.f.Close(); err != nil {
		o.Abort()
		return o.failed(err)
	}
	err := o.place()
	o.done = true
	o.release()
	if err != nil {
		os.Remove(o.f.Name())
		return err
	}
	return nil
}

// place puts the closed temporary file where the path leads, looking again
// at what is there now: a FIFO or device that appeared meanwhile is written
// into, not replaced.
func (o *File) place() error {
	for range 3 {
		t, err := inspectWith(o.path, o.opt)
		if err != nil {
			return err
		}
		switch t.kind {
		case Stream:
			err := o.copyInto()
			os.Remove(o.f.Name())
			return err
		case New:
			if t.link {
				// The link itself is replaced: rename does not follow it.
				if err := os.Rename(o.f.Name(), t.real); err != nil {
					return o.failed(err)
				}
				return nil
			}
			// A hard link puts the file in place only if nothing is there:
			// a FIFO made meanwhile is not replaced.
			err := os.Link(o.f.Name(), t.real)
			if err == nil {
				os.Remove(o.f.Name())
				return nil
			}
			if errors.Is(err, fs.ErrExist) {
				continue // look again
			}
			// No hard links on this file system: a rename it is.
			if err := os.Rename(o.f.Name(), t.real); err != nil {
				return o.failed(err)
			}
			return nil
		case Regular:
			if err := os.Rename(o.f.Name(), t.real); err != nil {
				return o.failed(err)
			}
			return nil
		}
	}
	return fmt.Errorf("writing %s: it keeps changing", o.path)
}

// copyInto writes the temporary file's content into the Stream that is now
// at the path.
func (o *File) copyInto() error {
	in, err := os.Open(o.f.Name())
	if err != nil {
		return o.failed(err)
	}
	defer in.Close()
	s, err := CreateWith(o.ctx, o.path, o.opt)
	if err != nil {
		return err
	}
	if _, err := io.Copy(s, in); err != nil {
		s.Abort()
		return err
	}
	return s.Commit()
}

// Write writes path through fn, buffered, all at once for a New or Regular
// file (see the package documentation): when fn or a write fails, nothing
// is replaced and no temporary file is left. A nil ctx never ends.
func Write(ctx context.Context, path string, fn func(w io.Writer) error) error {
	return WriteWith(ctx, path, Options{}, fn)
}

// WriteWith is Write with Options.
func WriteWith(ctx context.Context, path string, opt Options, fn func(w io.Writer) error) error {
	o, err := CreateWith(ctx, path, opt)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(o, 256<<10)
	if err := fn(bw); err != nil {
		o.Abort()
		if ctx != nil && ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	}
	if err := bw.Flush(); err != nil {
		o.Abort()
		return err
	}
	return o.Commit()
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}
