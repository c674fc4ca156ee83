package tracehttp_test

import (
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/vizrun/vizrun/tracer/tracehttp"
)

func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/debug/vizrun/", tracehttp.Handler()) // behind your own auth
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/debug/vizrun/trace?seconds=0.1&format=trace")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	if cut := resp.Header.Get(tracehttp.CutShortHeader); cut != "" {
		log.Print("the capture was cut short: ", cut)
	}
	fmt.Println(resp.StatusCode, len(b) > 0)
	// Output: 200 true
}
