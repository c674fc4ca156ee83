package main

import (
	"syscall"
	"time"
)

// syscallSleep sleeps in the kernel (nanosleep): the goroutine and its OS
// thread wait in the system call, outside the Go scheduler.
func syscallSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(d.Nanoseconds())
	for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
	}
}
