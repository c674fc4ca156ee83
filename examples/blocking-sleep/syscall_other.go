//go:build !linux

package main

import "time"

// syscallSleep stands for a blocking system call; outside Linux it is a
// plain sleep.
func syscallSleep(d time.Duration) { time.Sleep(d) }
