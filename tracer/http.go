package tracer

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"runtime/trace"
	"strconv"
	"sync/atomic"
	"time"
)

// Capture limits of the HTTP handler.
const (
	DefaultCaptureSeconds = 5
	MaxCaptureSeconds     = 60
)

// Handler serves live captures of the running program:
//
//	GET .../              an index page with links to the rest
//	GET .../trace?seconds=N  records N seconds (default 5, at most 60) and
//	                      answers the HTML report; &format=trace answers the
//	                      raw execution trace instead
//	GET .../flight        the report of the running FlightRecorder's window
//	                      (&format=trace for the raw trace); 404 if none runs
//
// Mount it where you like, behind your own authentication as you would
// net/http/pprof: it shows function names, goroutine names and timings.
//
//	mux.Handle("/debug/vizrun/", tracer.Handler())
//
// One capture runs at a time; others get 429 Too Many Requests. When the
// execution tracer is taken (by a Session or go test -trace) a capture uses
// a flight recorder instead, and when that is taken too it gets 409
// Conflict. A capture stops early when the client goes away. Errors are
// text/plain; every answer has X-Content-Type-Options: nosniff. Handler
// registers nothing on http.DefaultServeMux.
func Handler() http.Handler { return &handler{} }

type handler struct {
	busy atomic.Bool
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	defer func() {
		if p := recover(); p != nil {
			httpError(w, http.StatusInternalServerError, fmt.Sprintf("vizrun tracer: internal error: %v", p))
		}
	}()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "use GET")
		return
	}
	switch path.Base(r.URL.Path) {
	case "trace":
		h.capture(w, r)
	case "flight":
		h.flight(w, r)
	default:
		h.index(w, r)
	}
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Del("Content-Disposition")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>vizrun</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:24px;max-width:720px;color:#1d2330}code{background:#f3f4f6;padding:1px 4px}</style></head>
<body><h1>vizrun</h1>
<p>Live captures of this program's goroutines.</p>
<ul>
<li><a href="trace?seconds=5">Trace 5 seconds</a> and show the report
 (<a href="trace?seconds=5&amp;format=trace">raw trace</a>; <code>seconds</code> up to {{.Max}})</li>
{{if .Flight}}<li><a href="flight">The flight recorder's window</a> (<a href="flight?format=trace">raw trace</a>)</li>
{{else}}<li>No flight recorder is running (start one with <code>tracer.NewFlightRecorder</code>).</li>{{end}}
</ul>
<p>Open a raw trace with <code>vizrun report TRACE</code> or <code>go tool trace TRACE</code>.</p>
</body></html>
`))

func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	indexPage.Execute(w, struct {
		Max    int
		Flight bool
	}{MaxCaptureSeconds, current.Load() != nil})
}

// wantsTrace reports whether the client asked for the raw trace.
func wantsTrace(r *http.Request) bool { return r.URL.Query().Get("format") == "trace" }

func (h *handler) capture(w http.ResponseWriter, r *http.Request) {
	secs := DefaultCaptureSeconds
	if s := r.URL.Query().Get("seconds"); s != "" {
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n <= 0 || n != n {
			httpError(w, http.StatusBadRequest, "seconds must be a positive number, at most "+strconv.Itoa(MaxCaptureSeconds))
			return
		}
		secs = int(min(max(n, 1), MaxCaptureSeconds))
	}
	if !h.busy.CompareAndSwap(false, true) {
		httpError(w, http.StatusTooManyRequests, "a capture is already running; try again when it is done")
		return
	}
	defer h.busy.Store(false)
	d := time.Duration(secs) * time.Second
	// The capture may outlast the server's write timeout.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d + 30*time.Second))

	var buf bytes.Buffer
	stop, err := startCapture(&buf, d)
	if err != nil {
		httpError(w, http.StatusConflict, err.Error())
		return
	}
	timer := time.NewTimer(d)
	select {
	case <-timer.C:
	case <-r.Context().Done():
		timer.Stop()
		stop()
		return // the client went away: nobody to answer
	}
	if err := stop(); err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h.answer(w, r, &buf, fmt.Sprintf("vizrun capture of %d s", secs))
}

// startCapture records into buf with runtime/trace, or with a flight
// recorder when the tracer is taken. stop ends the recording and leaves
// the trace in buf.
func startCapture(buf *bytes.Buffer, d time.Duration) (stop func() error, err error) {
	defer recoverTo(&err)
	if err := trace.Start(buf); err == nil {
		return func() error { trace.Stop(); return nil }, nil
	}
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: d + time.Second, MaxBytes: 256 << 20})
	if err := fr.Start(); err != nil {
		return nil, fmt.Errorf("cannot capture: the execution tracer and the flight recorder are both in use (%v)", err)
	}
	names.start()
	return func() error {
		defer names.stop()
		names.replay()
		_, err := fr.WriteTo(buf)
		fr.Stop()
		return err
	}, nil
}

func (h *handler) flight(w http.ResponseWriter, r *http.Request) {
	f := current.Load()
	if f == nil {
		httpError(w, http.StatusNotFound, "no flight recorder is running (start one with tracer.NewFlightRecorder)")
		return
	}
	var buf bytes.Buffer
	if err := f.WriteTrace(&buf); err != nil {
		httpError(w, http.StatusConflict, err.Error())
		return
	}
	h.answer(w, r, &buf, f.cfg.Title)
}

// answer sends a trace, raw or as a report.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, title string) {
	if buf.Len() == 0 {
		httpError(w, http.StatusInternalServerError, "the capture recorded nothing")
		return
	}
	if wantsTrace(r) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="vizrun.trace"`)
		w.Write(buf.Bytes())
		return
	}
	var page bytes.Buffer
	if err := writeReport(&page, bytes.NewReader(buf.Bytes()), nil, title, false, 0); err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(page.Bytes())
}
