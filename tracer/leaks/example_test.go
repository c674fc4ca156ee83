package leaks_test

import (
	"fmt"

	"github.com/vizrun/vizrun/tracer/leaks"
)

// Import the package for its side effect; Proven can also be called
// directly. Without the runtime's goroutine leak profile (Go 1.26 built
// without GOEXPERIMENT=goroutineleakprofile) ok is false.
func ExampleProven() {
	ids, ok := leaks.Proven()
	if !ok {
		fmt.Println("no goroutine leak profile in this runtime")
		return
	}
	fmt.Println("proven leaked:", ids)
}
