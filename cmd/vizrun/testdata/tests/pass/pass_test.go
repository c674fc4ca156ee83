package pass

import (
	"testing"
	"time"
)

func TestDouble(t *testing.T) {
	done := make(chan int)
	go func() { time.Sleep(10 * time.Millisecond); done <- Double(21) }()
	if got := <-done; got != 42 {
		t.Fatalf("Double(21) = %d", got)
	}
}
