// Command netidle is a program paced by its own sleeps, with a client
// library's background reader: a goroutine of the program's own code reads
// a loopback TCP connection that a heartbeat goroutine writes a byte to
// every 100 ms. Main does 5 ms of work, then sleeps 45 ms, 20 times. Most
// of the time nothing runs while the reader waits on the network, but the
// network holds nothing back: the program's end is decided by main's
// sleeps, so vizrun must not say the program is bound by the network.
package main

import (
	"net"
	"runtime"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func readConn(c net.Conn) {
	buf := make([]byte, 64)
	for {
		if _, err := c.Read(buf); err != nil {
			return
		}
	}
}

func heartbeat(c net.Conn) {
	for {
		time.Sleep(100 * time.Millisecond)
		if _, err := c.Write([]byte{1}); err != nil {
			return
		}
	}
}

func main() {
	runtime.GOMAXPROCS(2)
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
	go readConn(client)
	go heartbeat(server)

	stop := rec.Start()
	for i := 0; i < 20; i++ {
		rec.Spin(5 * time.Millisecond)
		time.Sleep(45 * time.Millisecond)
	}
	stop()
}
