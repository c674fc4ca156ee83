//go:build !linux

package main

import "time"

// blockingWait stands for a blocking system call; outside Linux it is a
// plain sleep, and the io-loop behaves like the ticker.
func blockingWait(d time.Duration) { time.Sleep(d) }
