package main

import (
	"syscall"
	"time"
)

// blockingWait waits d in a blocking system call: the goroutine is in the
// kernel, and the runtime hands its P to another goroutine meanwhile.
func blockingWait(d time.Duration) {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
