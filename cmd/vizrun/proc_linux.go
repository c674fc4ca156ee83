package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the program get SIGKILL if vizrun dies (even of
// SIGKILL), so that it never outlives vizrun. The kernel sends it when the
// thread that started the child ends: execTraced starts it from a
// goroutine locked to its thread until the child has been waited for.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
