package rec

import (
	"runtime/debug"
	"time"
)

// node is a heap object with a pointer, for the GC to mark.
type node struct {
	next *node
	val  [6]int64
}

var (
	live     []*node
	sinkNode *node
)

// LiveHeap keeps a live heap of about 64 MiB of pointers for the life of
// the process, with GOGC=10: each GC cycle has much to mark and starts soon
// after the last.
func LiveHeap() {
	debug.SetGCPercent(10)
	for i := 0; i < 1<<20; i++ {
		live = append(live, &node{})
		if i > 0 {
			live[i].next = live[i-1]
		}
	}
}

// Churn allocates short-lived objects as fast as it can until end: against
// LiveHeap, the GC makes it assist with marking.
func Churn(end time.Time) {
	for time.Now().Before(end) {
		for j := 0; j < 1000; j++ {
			n := &node{}
			n.val[0] = int64(j)
			sinkNode = n
		}
	}
}
