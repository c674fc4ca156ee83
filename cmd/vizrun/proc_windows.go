package main

import "os"

// processAlive cannot tell here: a leftover temporary directory is kept.
func processAlive(pid int) bool { return true }

func ownedByMe(fi os.FileInfo) bool { return false }
