package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

const pprofTrace = "../../internal/pprofout/testdata/go1.26-pprof.trace"

func readProfile(t *testing.T, path string) *profile.Profile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func total(p *profile.Profile) (n, ns int64) {
	for _, s := range p.Sample {
		n += s.Value[0]
		ns += s.Value[1]
	}
	return n, ns
}

// TestPprofMutex: a mutex profile opens in go tool pprof with the named
// lock as a frame of its own.
func TestPprofMutex(t *testing.T) {
	out := filepath.Join(t.TempDir(), "mutex.pb.gz")
	_, errs, code := vizrun(t, nil, "pprof", "-kind", "mutex", "-o", out, pprofTrace)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(errs, "wrote "+out+": mutex profile") {
		t.Errorf("stderr %q", errs)
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goBin, "tool", "pprof", "-top", out)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil {
		t.Fatalf("go tool pprof: %v", err)
	}
	if !strings.Contains(stdout.String(), `lock "counter"`) || !strings.Contains(stdout.String(), "sync.(*Mutex).Lock") {
		t.Errorf("go tool pprof -top lacks the named lock:\n%s", stdout.String())
	}
}

func TestPprofFlags(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "block.pb.gz")
	if _, errs, code := vizrun(t, nil, "pprof", "-o", whole, pprofTrace); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	wp := readProfile(t, whole)
	_, wholeNs := total(wp)
	if wp.SampleType[1].Type != "delay" || wp.SampleType[1].Unit != "nanoseconds" || wholeNs == 0 {
		t.Errorf("block profile: types %v, %d ns", wp.SampleType, wholeNs)
	}

	// A window keeps part of it and says how long it is.
	win := filepath.Join(dir, "win.pb.gz")
	if _, errs, code := vizrun(t, nil, "pprof", "-window", "50ms:100ms", "-o", win, pprofTrace); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	p := readProfile(t, win)
	_, ns := total(p)
	if p.DurationNanos != 50e6 || ns <= 0 || ns >= wholeNs {
		t.Errorf("window 50ms:100ms: %d ns long, %d ns of %d", p.DurationNanos, ns, wholeNs)
	}

	// A task keeps only what happened in its regions, labelled.
	task := filepath.Join(dir, "task.pb.gz")
	if _, errs, code := vizrun(t, nil, "pprof", "-task", "batch", "-o", task, pprofTrace); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, s := range readProfile(t, task).Sample {
		if s.Label["task"] == nil || s.Label["task"][0] != "batch" || s.Label["region"][0] != "increment" {
			t.Errorf("sample outside the task: %v", s.Label)
		}
	}

	// Standard output.
	stdout, _, code := vizrun(t, nil, "pprof", "-kind", "wall", "-o", "-", pprofTrace)
	if code != 0 || !strings.HasPrefix(stdout, "\x1f\x8b") {
		t.Errorf("-o -: exit %d, %d bytes", code, len(stdout))
	}

	// Mistakes.
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"-kind", "mutexes"}, 2, `unknown profile kind "mutexes"`},
		{[]string{"-window", "2s"}, 2, "is not START:END"},
		{[]string{"-window", "2s:1s"}, 2, "ends before it starts"},
		{[]string{"-window", "1x:"}, 2, "is not a duration"},
		{[]string{"-window", "10s:"}, 1, "starts after the end of the trace"},
		{[]string{"-task", "nope"}, 1, `has no task of type "nope" (its tasks: "batch", "orders")`},
	} {
		out := filepath.Join(dir, "bad.pb.gz")
		_, errs, code := vizrun(t, nil, append(append([]string{"pprof", "-o", out}, c.args...), pprofTrace)...)
		if code != c.code || !strings.Contains(errs, c.want) || strings.Count(strings.TrimSpace(errs), "\n") > 0 && c.code == 1 {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%v: a profile was written", c.args)
		}
	}
	if _, errs, code := vizrun(t, nil, "pprof", "-o", filepath.Join(dir, "x.pb.gz"), filepath.Join(dir, "missing.trace")); code != 1 || !strings.Contains(errs, "no such file") {
		t.Errorf("missing trace: exit %d %q", code, errs)
	}
}
