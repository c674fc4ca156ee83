// Command netwait is a client bound by the network: four goroutines fetch
// from an HTTP server in another process (this binary, started with
// "server") that answers each request after 20 ms, for one second. The
// traced process does almost nothing but wait for the answers, so a P sits
// idle while its goroutines wait on the network: vizrun must say the
// program is bound by the network.
//
// With "load", it is a load test: main does not wait for the fetchers but
// sleeps 100 ms at a time (where a progress report would go) until the
// second is up, and stops tracing with their last requests in flight. The
// program's end is then decided by main's clock, but what its goroutines
// did meanwhile was wait on the network: vizrun must still say so.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rec.Fail(err)
	}
	fmt.Println(ln.Addr())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		io.WriteString(w, "ok\n")
	}))
}

func main() {
	if len(os.Args) > 2 && os.Args[2] == "server" {
		serve()
		return
	}
	runtime.GOMAXPROCS(2)
	self, err := os.Executable()
	if err != nil {
		rec.Fail(err)
	}
	srv := exec.Command(self, "-", "server")
	out, err := srv.StdoutPipe()
	if err != nil {
		rec.Fail(err)
	}
	if err := srv.Start(); err != nil {
		rec.Fail(err)
	}
	defer srv.Process.Kill()
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		rec.Fail(err)
	}
	url := "http://" + addr[:len(addr)-1] + "/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func() {
		resp, err := client.Get(url)
		if err != nil {
			rec.Fail(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	get() // connect before tracing

	stop := rec.Start()
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				get()
			}
		}()
	}
	if len(os.Args) > 2 && os.Args[2] == "load" {
		for time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		stop()
		wg.Wait()
		return
	}
	wg.Wait()
	stop()
}
