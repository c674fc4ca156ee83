// Command gentrace writes the small traces committed under testdata/: the
// Mixed workload traced with a short generation period, so that the trace has
// many generations (for truncation tests) yet stays small.
//
//	go run ./internal/workload/gentrace -o testdata/go1.26-mixed.trace
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/vizrun/vizrun/internal/workload"
)

func main() {
	out := flag.String("o", "", "write the trace to `file`")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "usage: gentrace -o FILE")
		os.Exit(2)
	}
	// The generation period is read when the runtime starts: run again
	// with it set.
	if !strings.Contains(os.Getenv("GODEBUG"), "traceadvanceperiod=") {
		cmd := exec.Command(os.Args[0], os.Args[1:]...)
		cmd.Env = append(os.Environ(), "GODEBUG=traceadvanceperiod=10000000")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			os.Exit(1)
		}
		return
	}
	data, err := workload.Capture(func() { workload.Mixed() })
	if err == nil {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gentrace:", err)
		os.Exit(1)
	}
}
