package tracer_test

import (
	"github.com/vizrun/vizrun/internal/testmod"

	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// leakProgram starts a session, leaks a goroutine on a channel nobody else
// can reach, and stops the session, which takes the goroutine leak
// profile (tracer/leaks) when the runtime has it.
const leakProgram = `package main

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/vizrun/vizrun/tracer"
	_ "github.com/vizrun/vizrun/tracer/leaks"
)

func leak() {
	ch := make(chan int)
	tracer.Go(context.Background(), "leaker", func(context.Context) { <-ch })
}

func main() {
	s, err := tracer.Start(tracer.Config{TraceFile: os.Args[1]})
	if err != nil {
		log.Fatal(err)
	}
	leak()
	time.Sleep(20 * time.Millisecond)
	if err := s.Stop(); err != nil {
		log.Fatal(err)
	}
}
`

// TestProvenLeak: a goroutine leaked in a tracer.Start session is a proven
// leak in the model when the runtime has the goroutine leak profile. The
// program is built twice: as it is (Go 1.26 lacks the profile: the leak
// stays a candidate, and the trace says no check ran), and with
// GOEXPERIMENT=goroutineleakprofile, which has it on Go 1.26.
func TestProvenLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program twice")
	}
	dir, env := testmod.New(t)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(leakProgram), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, exp := range []string{"", "goroutineleakprofile"} {
		t.Run("GOEXPERIMENT="+exp, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "leak")
			build := exec.Command("go", "build", "-o", bin, ".")
			build.Dir = dir
			build.Env = append(env, "GOEXPERIMENT="+exp)
			if b, err := build.CombinedOutput(); err != nil {
				if exp != "" && strings.Contains(string(b), "unknown GOEXPERIMENT") {
					t.Skipf("this toolchain has no %s experiment (Go 1.27 has the profile without it)", exp)
				}
				t.Fatalf("go build: %v\n%s", err, b)
			}
			out := filepath.Join(t.TempDir(), "leak.trace")
			if b, err := exec.Command(bin, out).CombinedOutput(); err != nil {
				t.Fatalf("the program: %v\n%s", err, b)
			}
			tr, err := parse.ReadFile(out, parse.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var g *parse.Goroutine
			for _, x := range tr.Goroutines {
				if x.Name == "leaker" {
					g = x
				}
			}
			if g == nil {
				t.Fatal("no goroutine named leaker in the trace")
			}
			// Which runtime the child had: the experiment, or one with
			// the profile built in (this test's own runtime tells).
			hasProfile := exp != "" || pprof.Lookup("goroutineleak") != nil
			if !hasProfile {
				t.Logf("the runtime lacks the goroutine leak profile: the leak stays a candidate")
				if tr.LeakChecked || g.ProvenLeak || g.Leak != parse.LeakCandidate {
					t.Errorf("without the profile: checked %v, proven %v, leak state %v; want a candidate, unchecked", tr.LeakChecked, g.ProvenLeak, g.Leak)
				}
				return
			}
			if !tr.LeakChecked || !g.ProvenLeak || g.Leak != parse.LeakProven {
				t.Errorf("with the profile: checked %v, proven %v, leak state %v; want a proven leak", tr.LeakChecked, g.ProvenLeak, g.Leak)
			}
			// The check's garbage collection is the tracer's own work.
			if len(tr.Own) == 0 {
				t.Error("the leak check is not marked as the tracer's own work")
			}
			for _, x := range tr.Goroutines {
				if x.ProvenLeak && x != g {
					t.Errorf("goroutine %d (%s) proven leaked too", x.ID, x.Name)
				}
			}
		})
	}
}
