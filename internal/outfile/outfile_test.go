package outfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(t *testing.T, path, content string) error {
	t.Helper()
	return Write(t.Context(), path, func(w io.Writer) error {
		_, err := io.WriteString(w, content)
		return err
	})
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails when dir holds anything but the names given.
func noTemps(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !strings.Contains(strings.Join(names, "\x00")+"\x00", e.Name()+"\x00") {
			t.Errorf("%s left behind in %s", e.Name(), dir)
		}
	}
}

func TestNewAndRegular(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.html")
	if k, err := Inspect(p); err != nil || k != New {
		t.Fatalf("Inspect of a new path: %v, %v", k, err)
	}
	if err := write(t, p, "one"); err != nil {
		t.Fatal(err)
	}
	if k, err := Inspect(p); err != nil || k != Regular {
		t.Fatalf("Inspect of a regular file: %v, %v", k, err)
	}
	if err := write(t, p, "two"); err != nil || read(t, p) != "two" {
		t.Fatalf("replacing: %v, %q", err, read(t, p))
	}
	noTemps(t, dir, "r.html")
}

// TestFailureKeepsTheOld: a failed write replaces nothing and leaves no
// temporary file; a failed new file leaves nothing.
func TestFailureKeepsTheOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "r.html")
	if err := write(t, p, "old"); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	fail := func(w io.Writer) error {
		io.WriteString(w, strings.Repeat("half", 1<<18))
		return boom
	}
	if err := Write(t.Context(), p, fail); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	if read(t, p) != "old" {
		t.Error("a failed write replaced the file")
	}
	if err := Write(t.Context(), filepath.Join(dir, "new.html"), fail); !errors.Is(err, boom) {
		t.Fatalf("got %v, want boom", err)
	}
	noTemps(t, dir, "r.html")
}

func TestDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := write(t, dir, "x"); !errors.Is(err, ErrIsDir) {
		t.Errorf("writing a directory: %v, want ErrIsDir", err)
	}
	if err := write(t, filepath.Join(dir, "no", "such", "r.html"), "x"); err == nil || !strings.HasPrefix(err.Error(), "cannot write ") {
		t.Errorf("writing under a missing directory: %v", err)
	}
	if err := write(t, "", "x"); err == nil {
		t.Error("writing to an empty name succeeded")
	}
}

// TestSymlinkToRegular: the file a link points to is replaced where it is,
// keeping its mode; the link stays a link.
func TestSymlinkToRegular(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	os.Mkdir(sub, 0o755)
	target := filepath.Join(sub, "target.html")
	if err := os.WriteFile(target, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.html")
	if err := os.Symlink("sub/target.html", link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := write(t, link, "new"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the link was replaced (%v)", err)
	}
	if got := read(t, target); got != "new" {
		t.Errorf("target holds %q", got)
	}
	if st, _ := os.Stat(target); st.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v, want 0600 kept", st.Mode().Perm())
	}
	noTemps(t, dir, "sub", "link.html")
	noTemps(t, sub, "target.html")

	// A dangling link: its target is created, the link kept.
	dangling := filepath.Join(dir, "dangling.html")
	os.Symlink("sub/made.html", dangling)
	if err := write(t, dangling, "made"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(dangling); err != nil || st.Mode()&fs.ModeSymlink == 0 || read(t, filepath.Join(sub, "made.html")) != "made" {
		t.Errorf("dangling link: %v", err)
	}

	// A relative link through a linked directory: "../x" is resolved from
	// where the directory really is, as the kernel does.
	deep := filepath.Join(dir, "a", "b")
	os.MkdirAll(deep, 0o755)
	os.Symlink(deep, filepath.Join(dir, "alias")) // dir/alias -> dir/a/b
	os.WriteFile(filepath.Join(dir, "a", "x.html"), []byte("x"), 0o644)
	os.Symlink("../x.html", filepath.Join(deep, "up.html")) // a/b/up.html -> a/x.html
	if err := write(t, filepath.Join(dir, "alias", "up.html"), "through"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, filepath.Join(dir, "a", "x.html")); got != "through" {
		t.Errorf("a/x.html holds %q", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.html")); err == nil {
		t.Error("the link was resolved by its letters, not as the kernel does")
	}

	// A loop of links is an error, not a hang.
	os.Symlink("loop2", filepath.Join(dir, "loop1"))
	os.Symlink("loop1", filepath.Join(dir, "loop2"))
	if err := write(t, filepath.Join(dir, "loop1"), "x"); err == nil {
		t.Error("a loop of links was written")
	}
}

func TestDirOf(t *testing.T) {
	for in, want := range map[string]string{
		"r.html":           ".",
		"/r.html":          "/",
		"a/r.html":         "a",
		"/a/b/../r.html":   "/a/b/..",
		"a//r.html":        "a/",
		"/proc/self/fd/1":  "/proc/self/fd",
		"./r.html":         ".",
		"../x/../../r.htm": "../x/../..",
	} {
		if got := dirOf(in); got != want {
			t.Errorf("dirOf(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestReplaceLinks: with Options.ReplaceLinks, a link at the path is
// replaced by the file, and what it pointed to is left alone.
func TestReplaceLinks(t *testing.T) {
	dir := t.TempDir()
	precious := filepath.Join(dir, "precious")
	os.WriteFile(precious, []byte("keep"), 0o600)
	p := filepath.Join(dir, "pkg.trace")
	if err := os.Symlink(precious, p); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	err := WriteWith(t.Context(), p, Options{ReplaceLinks: true}, func(w io.Writer) error {
		_, err := io.WriteString(w, "trace")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(p); err != nil || !st.Mode().IsRegular() || read(t, p) != "trace" {
		t.Errorf("the link was not replaced by the file (%v)", err)
	}
	if read(t, precious) != "keep" {
		t.Error("the link was followed")
	}
	noTemps(t, dir, "precious", "pkg.trace")
}
