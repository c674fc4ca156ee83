package outfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSame(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a")
	os.WriteFile(a, []byte("x"), 0o644)
	os.Symlink("a", filepath.Join(dir, "link"))
	os.Symlink("new", filepath.Join(dir, "dangling"))
	os.Mkdir(filepath.Join(dir, "d"), 0o755)
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{a, a, true},
		{a, filepath.Join(dir, "d", "..", "a"), true},
		{a, filepath.Join(dir, "link"), true},
		{filepath.Join(dir, "new"), filepath.Join(dir, "dangling"), true},
		{filepath.Join(dir, "new"), filepath.Join(dir, "d", "..", "new"), true},
		{a, filepath.Join(dir, "new"), false},
		{"/dev/null", "/dev/null", false},
		{"-", "-", false},
	} {
		if got := Same(c.a, c.b); got != c.same {
			t.Errorf("Same(%s, %s) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "f")
	os.WriteFile(f, nil, 0o644)
	for _, c := range []struct{ path, err string }{
		{filepath.Join(dir, "new.html"), ""},
		{f, ""},
		{os.DevNull, ""},
		{dir, "is a directory"},
		{filepath.Join(dir, "missing", "x.html"), "does not exist"},
		{filepath.Join(f, "x.html"), "not a directory"},
	} {
		err := Check(c.path)
		if (err == nil) != (c.err == "") || err != nil && !strings.Contains(err.Error(), c.err) {
			t.Errorf("Check(%s) = %v, want %q", c.path, err, c.err)
		}
	}
}
