// Package testmod makes throw-away Go modules for tests that build programs
// importing this checkout's packages.
package testmod

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// New makes a module in a new temporary directory that requires this
// checkout's module through a replace directive, with the checkout's
// go.sum, and returns its directory and the environment to run the go
// command in it with: programs written there build offline, from the
// module cache, outside the source tree. (A directory made inside the
// tree would be seen, half written, by any go command listing ./... at the
// same time, as go vet or go test of the other packages do.)
func New(t testing.TB) (dir string, env []string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	root := strings.TrimSpace(string(out))
	dir = t.TempDir()
	mod, err := Mod(root, "example.com/testprog")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(mod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GONOSUMDB=*", "GOSUMDB=off", "GOWORK=off")
	return dir, env
}

// Mod is the go.mod of a module named name that uses the checkout at root
// (a replace directive): the checkout's own go.mod, renamed, with the
// checkout required. It lists every module the checkout builds with, so
// that the go command resolves it from what building the checkout put in
// the module cache; a go.mod that required the checkout alone would make
// it read the go.mod files of dependencies' dependencies (those with
// unpruned module graphs, fgprof's testify), which a fresh cache lacks.
func Mod(root, name string) (string, error) {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	var path string
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "module "); ok {
			path = strings.TrimSpace(p)
			line = "module " + name
		}
		out = append(out, line)
	}
	if path == "" {
		return "", fmt.Errorf("%s/go.mod has no module line", root)
	}
	out = append(out, "require "+path+" v0.0.0", "", "replace "+path+" => "+root, "")
	return strings.Join(out, "\n"), nil
}
