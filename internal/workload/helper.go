package workload

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// helperEnv, when set, turns a test binary into a trace generator: see
// MaybeHelper and CaptureGenerations.
const helperEnv = "VIZRUN_WORKLOAD_HELPER_OUT"

// MaybeHelper must be called first in TestMain of packages that use
// CaptureGenerations. In the child process it traces Mixed into the file
// named by the environment and exits.
func MaybeHelper() {
	out := os.Getenv(helperEnv)
	if out == "" {
		return
	}
	// The leaker stays blocked: the trace shows a leak; the process exits.
	data, err := Capture(func() { Mixed() })
	if err == nil {
		err = os.WriteFile(out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "workload helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// CaptureGenerations traces Mixed in a child process (the running test
// binary, see MaybeHelper) whose runtime starts a new trace generation every
// period (GODEBUG=traceadvanceperiod), so the trace has many generations.
func CaptureGenerations(dir string, period time.Duration) ([]byte, error) {
	out := filepath.Join(dir, "generations.trace")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+out, fmt.Sprintf("GODEBUG=traceadvanceperiod=%d", period.Nanoseconds()))
	if b, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("trace helper: %v: %s", err, b)
	}
	return os.ReadFile(out)
}
