//go:build !linux

package main

import "os/exec"

// dieWithParent does nothing here: only Linux can tie a child's life to
// its parent's (Pdeathsig). A vizrun killed with SIGKILL leaves its program
// running on other systems; Ctrl-C and SIGTERM are passed on as everywhere.
func dieWithParent(cmd *exec.Cmd) {}
