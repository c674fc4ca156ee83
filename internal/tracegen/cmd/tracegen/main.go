// Command tracegen writes a realistic execution trace of a requested size,
// for benchmarks: go run ./internal/tracegen/cmd/tracegen -size 100MB -o big.trace
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vizrun/vizrun/internal/tracegen"
)

func main() {
	size := flag.String("size", "100MB", "stop once the trace holds this many bytes (B, KB, MB, GB)")
	out := flag.String("o", "", "write the trace to `file`")
	workers := flag.Int("workers", 64, "request-serving goroutines")
	flag.Parse()
	n, err := tracegen.ParseSize(*size)
	if err != nil || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: tracegen -size 100MB -o FILE")
		os.Exit(2)
	}
	if err := tracegen.GenerateFile(*out, tracegen.Options{Size: n, Workers: *workers}); err != nil {
		fmt.Fprintln(os.Stderr, "tracegen:", err)
		os.Exit(1)
	}
}
