// Command signal does CPU work in bursts (25 ms on both Ps, then 25 ms of
// sleep, for one second) in a program with idle plumbing: an os/signal
// receiver (signal.Notify), a goroutine reading a pipe nobody writes to and
// one reading a loopback TCP connection that stays quiet. The plumbing waits
// the whole time and holds nothing back: the program's pace is set by its own
// sleeps.
package main

import (
	"net"
	"os"
	"os/signal"
	"runtime"
	"sync"
	"syscall"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func onSignal(ch <-chan os.Signal) {
	for range ch {
	}
}

func readPipe(r *os.File) {
	buf := make([]byte, 64)
	for {
		if _, err := r.Read(buf); err != nil {
			return
		}
	}
}

func readConn(c net.Conn) {
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1)
	go onSignal(sigs)
	r, w, err := os.Pipe()
	if err != nil {
		rec.Fail(err)
	}
	go readPipe(r)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rec.Fail(err)
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		rec.Fail(err)
	}
	server, err := ln.Accept()
	if err != nil {
		rec.Fail(err)
	}
	go readConn(server)

	stop := rec.Start()
	for i := 0; i < 20; i++ {
		var wg sync.WaitGroup
		for j := 0; j < 2; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rec.Spin(25 * time.Millisecond)
			}()
		}
		wg.Wait()
		time.Sleep(25 * time.Millisecond)
	}
	stop()
	w.Close()
	client.Close()
}
