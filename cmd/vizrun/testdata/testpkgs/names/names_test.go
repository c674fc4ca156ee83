package names

import (
	"testing"
	"time"
)

// The tests wait a little, so that their goroutines block with their
// test in the stack.
func wait() { time.Sleep(5 * time.Millisecond) }

func TestTop(t *testing.T) {
	wait()
	t.Run("case one", func(t *testing.T) { wait() })
	t.Run("named", namedCase)
	t.Run("parallel", func(t *testing.T) {
		t.Parallel()
		wait()
	})
}

func namedCase(t *testing.T) { wait() }

func TestQuick(t *testing.T) {}
