package leak

import (
	"testing"
	"time"
)

var reachable = make(chan int)

// TestLeaks leaves a goroutine blocked on a channel no one else can reach
// (a proven leak), and one on a channel a global holds (still blocked, not
// provably leaked).
func TestLeaks(t *testing.T) {
	go func() {
		ch := make(chan int)
		<-ch // marker: proven leak
	}()
	go func() { <-reachable }() // marker: not provable
	time.Sleep(20 * time.Millisecond)
}
