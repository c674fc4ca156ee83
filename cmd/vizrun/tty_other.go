//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

// sameTerminalGroup cannot tell here: vizrun passes on every signal it
// receives.
func sameTerminalGroup() bool { return false }
