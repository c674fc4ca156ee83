package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Same reports whether the paths a and b name the same file: by
// os.SameFile when both exist, else by their absolute paths with symbolic
// links resolved (a dangling link names the file it would create). Devices,
// FIFOs and other files that are not regular never count as the same: two
// outputs into /dev/null, or a FIFO read and written, lose nothing.
func Same(a, b string) bool {
	if a == "" || b == "" || a == "-" || b == "-" {
		return false
	}
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return sa.Mode().IsRegular() && os.SameFile(sa, sb)
	}
	if (errA == nil && !sa.Mode().IsRegular()) || (errB == nil && !sb.Mode().IsRegular()) {
		return false
	}
	return canonical(a) == canonical(b)
}

// canonical is path made absolute, its chain of links followed and its
// directory's links resolved, as far as they exist.
func canonical(path string) string {
	if real, magic, err := resolve(path); err == nil && !magic {
		path = real
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	dir, base := filepath.Dir(abs), filepath.Base(abs)
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	return filepath.Join(dir, base)
}

// Check says, before any work is done, why path could not be written, or
// nil: it must not be a directory, its directory must exist, and what is
// there must be a regular file, a device or a FIFO (not a socket). Create
// looks again when the time comes.
func Check(path string) error {
	t, err := inspect(path)
	if errors.Is(err, ErrIsDir) {
		return fmt.Errorf("cannot write %s: it is a directory", path)
	}
	if err != nil {
		return err
	}
	if t.kind == Stream {
		if t.info != nil && t.info.Mode()&fs.ModeSocket != 0 {
			return fmt.Errorf("cannot write %s: it is a socket", path)
		}
		return nil
	}
	dir := dirOf(t.real)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("cannot write %s: directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	case !st.IsDir():
		return fmt.Errorf("cannot write %s: %s is not a directory", path, dir)
	}
	return nil
}
