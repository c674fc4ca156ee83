// Command live is a small HTTP service with vizrun's tracehttp.Handler mounted,
// under light load (two clients, a request every 20 ms each, 1 ms of CPU per
// request). The program captures one second of itself through its own
// handler (GET /debug/vizrun/trace?seconds=1&format=trace), as an operator
// would with curl, and writes the captured trace to the file named by its
// first argument.
package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
	"github.com/vizrun/vizrun/tracer/tracehttp"
)

func work(w http.ResponseWriter, r *http.Request) {
	rec.Spin(time.Millisecond)
	io.WriteString(w, "done\n")
}

func load(url string, stop *atomic.Bool) {
	client := &http.Client{}
	for !stop.Load() {
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func main() {
	runtime.GOMAXPROCS(2)
	out := rec.Out()
	mux := http.NewServeMux()
	mux.HandleFunc("/work", work)
	mux.Handle("/debug/vizrun/", tracehttp.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rec.Fail(err)
	}
	go http.Serve(ln, mux)
	base := "http://" + ln.Addr().String()
	var stop atomic.Bool
	for i := 0; i < 2; i++ {
		go load(base+"/work", &stop)
	}
	time.Sleep(100 * time.Millisecond)
	resp, err := http.Get(base + "/debug/vizrun/trace?seconds=1&format=trace")
	if err != nil {
		rec.Fail(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		rec.Fail(err)
	}
	f, err := os.Create(out)
	if err != nil {
		rec.Fail(err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		rec.Fail(err)
	}
	if err := f.Close(); err != nil {
		rec.Fail(err)
	}
	stop.Store(true)
}
