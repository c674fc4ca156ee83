//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"syscall"
	"unsafe"
)

// sameTerminalGroup reports whether vizrun runs in the foreground of the
// terminal on its standard input, output or error. The terminal then sends
// Ctrl-C (SIGINT), Ctrl-\ (SIGQUIT) and hangups to the whole foreground
// process group, the program included: passing them on would deliver them
// twice.
func sameTerminalGroup() bool {
	self := syscall.Getpgrp()
	for fd := uintptr(0); fd <= 2; fd++ {
		var pgrp int32
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, uintptr(syscall.TIOCGPGRP), uintptr(unsafe.Pointer(&pgrp)))
		if errno == 0 && int(pgrp) == self {
			return true
		}
	}
	return false
}
