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
	if ok && len(ids) > 0 {
		fmt.Println("proven leaked:", ids) // none leaks here
	}
	fmt.Println("checked")
	// Output: checked
}
