package tracer_test

import (
	"github.com/vizrun/vizrun/internal/testmod"

	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The module packages the tracer package may import: each imports only
// the standard library (checked below too).
var lightOK = map[string]bool{
	"github.com/vizrun/vizrun/internal/protocol":    true,
	"github.com/vizrun/vizrun/internal/outfile":     true,
	"github.com/vizrun/vizrun/tracer/internal/core": true,
	"github.com/vizrun/vizrun/tracer":               true,
}

// goList runs go list in dir and returns its lines.
func goList(t *testing.T, dir string, args ...string) []string {
	t.Helper()
	return goListEnv(t, dir, nil, args...)
}

// goListEnv is goList with the go command's environment (nil: this
// process's).
func goListEnv(t *testing.T, dir string, env []string, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	cmd.Env = env
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Fields(string(b))
}

// TestLightDeps: the annotation package imports nothing outside the
// standard library but the few std-only packages of this module.
func TestLightDeps(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, p := range goList(t, ".", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".") {
		if !lightOK[p] {
			t.Errorf("the tracer package depends on %s, outside the standard library", p)
		}
	}
	for p := range lightOK {
		for _, d := range goList(t, ".", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", p) {
			if !lightOK[d] {
				t.Errorf("%s depends on %s, outside the standard library", p, d)
			}
		}
	}
}

// weightPrograms are four programs: plain runtime/trace recording a
// trace with a task, a region, a goroutine and a log; the tracer's
// annotations alone ("annotations": tracer.Go, Task, Region, NewMutex,
// Log, no recording); the same with tracer.Start/Stop writing a raw trace
// ("light", the plain program's match); and the three-line report.
var weightPrograms = map[string]string{
	"annotations": `package main

import (
	"context"
	"log"

	"github.com/vizrun/vizrun/tracer"
)

func main() {
	ctx, task := tracer.Task(context.Background(), "t")
	defer task.End()
	mu := tracer.NewMutex("m")
	done := make(chan struct{})
	tracer.Go(ctx, "g", func(ctx context.Context) {
		defer tracer.Region(ctx, "r").End()
		mu.Lock()
		mu.Unlock()
		close(done)
	})
	<-done
	tracer.Log(ctx, "k", "v")
	log.Print("done")
}
`,
	"plain": `package main

import (
	"context"
	"log"
	"os"
	"runtime/trace"
)

func main() {
	f, err := os.Create(os.DevNull)
	if err != nil {
		log.Fatal(err)
	}
	if err := trace.Start(f); err != nil {
		log.Fatal(err)
	}
	defer trace.Stop()
	ctx, task := trace.NewTask(context.Background(), "t")
	defer task.End()
	done := make(chan struct{})
	go func() { defer trace.StartRegion(ctx, "r").End(); close(done) }()
	<-done
	trace.Log(ctx, "k", "v")
}
`,
	"light": `package main

import (
	"context"
	"log"
	"os"

	"github.com/vizrun/vizrun/tracer"
)

func main() {
	s, err := tracer.Start(tracer.Config{TraceFile: os.DevNull})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			log.Print(err)
		}
	}()
	ctx, task := tracer.Task(context.Background(), "t")
	defer task.End()
	mu := tracer.NewMutex("m")
	done := make(chan struct{})
	tracer.Go(ctx, "g", func(ctx context.Context) {
		defer tracer.Region(ctx, "r").End()
		mu.Lock()
		mu.Unlock()
		close(done)
	})
	<-done
	tracer.Log(ctx, "k", "v")
}
`,
	"report": `package main

import (
	"log"

	"github.com/vizrun/vizrun/tracer/report"
)

func main() {
	s, err := report.Start(report.Config{ReportFile: "report.html"})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			log.Print(err)
		}
	}()
}
`,
}

// TestWeight builds the four programs and compares their package counts
// (go list -deps) and binary sizes: the annotations cost at most 10
// packages more than runtime/trace.
func TestWeight(t *testing.T) {
	if testing.Short() {
		t.Skip("builds three programs")
	}
	// A module of its own that uses this checkout, outside the tree.
	base, env := testmod.New(t)
	pkgs, size, stripped := map[string]int{}, map[string]int64{}, map[string]int64{}
	for name, src := range weightPrograms {
		dir := filepath.Join(base, name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		pkgs[name] = len(goListEnv(t, dir, env, "-deps", "."))
		size[name] = buildSize(t, dir, env)
		stripped[name] = buildSize(t, dir, env, "-ldflags=-s -w")
	}
	for _, name := range []string{"plain", "annotations", "light", "report"} {
		t.Logf("%-11s %3d packages (%+d), %5.2f MB (%+.2f MB), stripped (-s -w) %5.2f MB (%+.2f MB)", name, pkgs[name], pkgs[name]-pkgs["plain"],
			float64(size[name])/1e6, float64(size[name]-size["plain"])/1e6,
			float64(stripped[name])/1e6, float64(stripped[name]-stripped["plain"])/1e6)
	}
	for _, name := range []string{"annotations", "light"} {
		if d := pkgs[name] - pkgs["plain"]; d > 10 {
			t.Errorf("the %s program has %d packages more than plain runtime/trace, want at most 10", name, d)
		}
	}
}

// buildSize builds the program in dir and returns its size in bytes.
func buildSize(t *testing.T, dir string, env []string, flags ...string) int64 {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "prog")
	cmd := exec.Command("go", append(append([]string{"build", "-o", bin}, flags...), ".")...)
	cmd.Dir = dir
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build in %s: %v\n%s", dir, err, b)
	}
	st, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
