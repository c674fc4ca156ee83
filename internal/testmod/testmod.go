// Package testmod makes throw-away Go modules for tests that build programs
// importing this checkout's packages.
package testmod

import (
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
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}\t{{.Path}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	root, path, _ := strings.Cut(strings.TrimSpace(string(out)), "\t")
	dir = t.TempDir()
	mod := "module example.com/testprog\n\ngo 1.26\n\nrequire " + path + " v0.0.0\n\nreplace " + path + " => " + root + "\n"
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
