// Command http serves HTTP on loopback to four keep-alive clients in the same
// program for one second. Each request costs 2 ms of CPU. With the argument
// "mutex" every request holds one global sync.Mutex for its 2 ms, which
// serialises the server; with "mutex-sleep" 16 clients call a handler that
// holds the mutex across a 2 ms sleep (a slow call made under a lock:
// nothing runs, everyone waits); with "sleep" the handler sleeps 20 ms (a
// slow backend: the clients wait on their own server, not on the network);
// with "healthy" nothing is shared; with "alloc" the
// handler also builds a 1 MiB answer of small allocations (moderate GC
// load). The trace stops before the server closes: its keep-alive
// connections are still waiting for the next request.
package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

var mu sync.Mutex

func handler(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch mode {
		case "mutex":
			mu.Lock()
			rec.Spin(2 * time.Millisecond)
			mu.Unlock()
		case "mutex-sleep":
			mu.Lock()
			time.Sleep(2 * time.Millisecond) // a slow call made under the lock
			mu.Unlock()
		case "sleep":
			time.Sleep(20 * time.Millisecond) // a slow backend the server waits for
		case "alloc":
			rec.Spin(2 * time.Millisecond)
			var parts []string
			for i := 0; i < 16384; i++ {
				parts = append(parts, fmt.Sprintf("{\"item\":%d,\"pad\":%q}", i, "................................"))
			}
			io.WriteString(w, strings.Join(parts, ",")[:64])
			return
		default:
			rec.Spin(2 * time.Millisecond)
		}
		io.WriteString(w, "ok\n")
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	mode := "healthy"
	if len(os.Args) > 2 {
		mode = os.Args[2]
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rec.Fail(err)
	}
	srv := &http.Server{Handler: handler(mode)}
	go srv.Serve(ln)
	url := "http://" + ln.Addr().String() + "/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}

	stop := rec.Start()
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	var mu2 sync.Mutex
	n := 0
	clients := 4
	if mode == "mutex-sleep" {
		clients = 16
	}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				resp, err := client.Get(url)
				if err != nil {
					rec.Fail(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu2.Lock()
				n++
				mu2.Unlock()
			}
		}()
	}
	wg.Wait()
	stop()
	fmt.Printf("%s: %d requests in 1s\n", mode, n)
}
