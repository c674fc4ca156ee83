package tracer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"path"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Capture limits of the HTTP handler.
const (
	DefaultCaptureSeconds = 5
	MaxCaptureSeconds     = 60
)

// Limits of the HTTP handler, documented on Handler.
const (
	// maxInFlight bounds the traces Handler holds in memory at once:
	// captures recording, rendering or being sent, and flight snapshots.
	maxInFlight = 4

	// answerTimeout bounds the sending of an answer when the server sets no
	// WriteTimeout.
	answerTimeout = 30 * time.Second

	// minCapture is the shortest capture: smaller seconds are rounded up.
	minCapture = time.Millisecond
)

// maxCaptureBytes ends a capture early, and bounds the flight recorder a
// capture falls back to. A variable for tests.
var maxCaptureBytes = 256 << 20

// Handler serves live captures of the running program:
//
//	GET .../                 an index page with links to the rest
//	GET .../trace?seconds=N  records N seconds and answers the HTML report;
//	                         &format=trace answers the raw execution trace
//	GET .../flight           the report of the running FlightRecorder's window
//	                         (&format=trace for the raw trace)
//
// N is a decimal number of seconds, fractions allowed (0.25), more than 0
// and at most MaxCaptureSeconds (60); without it a capture lasts
// DefaultCaptureSeconds (5). Other parameters are ignored. HEAD is
// answered like GET (a capture records) without the body.
//
// Mount it where you like, behind your own authentication as you would
// net/http/pprof: it shows function names, goroutine names and timings.
// From the first call of Handler on, goroutines started with Go are
// remembered by name (about a microsecond more each), so that a capture
// names the goroutines that were running before it began.
//
//	mux.Handle("/debug/vizrun/", tracer.Handler())
//
// Limits, so that no client can hurt the host:
//
//   - One capture records at a time in the process, whatever the number of
//     Handlers; others get 429 Too Many Requests with Retry-After.
//   - At most 4 traces are held in memory at once, captures (recording,
//     rendering or being sent) and flight snapshots together; beyond that
//     requests get 429.
//   - A capture stops as soon as its client goes away (it is then not
//     answered), and ends early when its trace reaches 256 MiB. When the
//     execution tracer is taken (by a Session or go test -trace) a capture
//     uses a flight recorder instead, which keeps its last 256 MiB.
//   - The tracer is released before the answer is rendered and sent, so a
//     slow client does not hold up the next capture. Sending may take the
//     server's WriteTimeout, counted afresh from the end of the capture
//     (which may outlast it), or 30 seconds when the server sets none; a
//     slower client is cut off.
//
// Status codes: 200; 400 for a bad query (seconds not a number in range,
// format neither html nor trace, either given twice, a malformed query or
// more than 10000 parameters); 404 for flight when no flight recorder
// runs; 405 for methods other than GET and HEAD; 409 when the execution
// tracer and the flight recorder are both taken; 429 as above; 500 when a
// capture fails. Errors are one line of text/plain. Every answer has
// X-Content-Type-Options: nosniff and Cache-Control: no-store. Handler
// registers nothing on http.DefaultServeMux.
func Handler() http.Handler {
	handlerNames.Do(names.start)
	return &handler{}
}

// handlerNames makes the name registry remember goroutines started with Go
// from the first Handler on, so that a capture names those started before
// it (a server's workers, started once): each then costs about a
// microsecond more to start.
var handlerNames sync.Once

type handler struct{}

var (
	// capturing is set while a capture records; captureEnd is when it
	// ends, in Unix nanoseconds.
	capturing  atomic.Bool
	captureEnd atomic.Int64

	// inFlight holds a token for each trace a Handler holds in memory.
	inFlight = make(chan struct{}, maxInFlight)
)

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	defer func() {
		if p := recover(); p != nil {
			httpError(w, http.StatusInternalServerError, fmt.Sprintf("vizrun tracer: internal error: %v", p))
		}
	}()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpError(w, http.StatusMethodNotAllowed, "vizrun tracer: use GET")
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

// httpError answers one line of plain text.
func httpError(w http.ResponseWriter, code int, msg string) {
	if !strings.HasPrefix(msg, "vizrun tracer: ") {
		msg = "vizrun tracer: " + msg
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Del("Content-Disposition")
	h.Del("Content-Length")
	w.WriteHeader(code)
	io.WriteString(w, strings.Join(strings.Fields(msg), " ")+"\n")
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

// query is what a request asks for.
type query struct {
	d   time.Duration // how long to capture
	raw bool          // the raw trace rather than the report
}

// parseQuery reads format, and seconds when capture is set. Other
// parameters are ignored.
func parseQuery(r *http.Request, capture bool) (query, error) {
	q := query{d: DefaultCaptureSeconds * time.Second}
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return q, fmt.Errorf("bad query: %v", err)
	}
	switch f := v["format"]; {
	case len(f) > 1:
		return q, errors.New("format is given more than once")
	case len(f) == 0 || f[0] == "html":
	case f[0] == "trace":
		q.raw = true
	default:
		return q, errors.New("format must be html (the default) or trace")
	}
	if !capture {
		return q, nil
	}
	switch s := v["seconds"]; {
	case len(s) > 1:
		return q, errors.New("seconds is given more than once")
	case len(s) == 1:
		d, ok := parseSeconds(s[0])
		if !ok {
			return q, fmt.Errorf("seconds must be a decimal number more than 0 and at most %d, like 5 or 0.5", MaxCaptureSeconds)
		}
		q.d = d
	}
	return q, nil
}

// parseSeconds reads a decimal number of seconds, in (0, MaxCaptureSeconds].
// It takes digits and a point only: no sign, exponent, Inf or NaN.
func parseSeconds(s string) (time.Duration, bool) {
	if s == "" || len(s) > 32 || strings.Trim(s, "0123456789.") != "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || !(n > 0 && n <= MaxCaptureSeconds) {
		return 0, false
	}
	return max(time.Duration(n*float64(time.Second)), minCapture), true
}

// Errors of record.
var (
	errCapturing = errors.New("a capture is already running")
	errNoTracer  = errors.New("cannot capture: the execution tracer and the flight recorder are both in use")
)

func (h *handler) capture(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r, true)
	if err != nil {
		httpError(w, http.StatusBadRequest, "vizrun tracer: "+err.Error())
		return
	}
	if !takeSlot(w) {
		return
	}
	defer func() { <-inFlight }()
	rec, err := record(r.Context(), q.d)
	switch {
	case errors.Is(err, errCapturing):
		wait := time.Until(time.Unix(0, captureEnd.Load()))
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		httpError(w, http.StatusTooManyRequests, fmt.Sprintf("vizrun tracer: a capture is already running; try again in %d s", secs))
		return
	case errors.Is(err, errNoTracer):
		httpError(w, http.StatusConflict, "vizrun tracer: "+err.Error())
		return
	case r.Context().Err() != nil:
		return // the client went away: nobody to answer
	case err != nil:
		extendWriteDeadline(w, r)
		httpError(w, http.StatusInternalServerError, "vizrun tracer: "+err.Error())
		return
	}
	title := "vizrun capture of " + rec.took.Round(time.Millisecond).String()
	if rec.full {
		title += fmt.Sprintf(" (cut short: the trace reached %.4g MiB)", float64(maxCaptureBytes)/(1<<20))
	}
	h.answer(w, r, rec.buf, q.raw, title, rec.flight, rec.took)
}

// takeSlot takes an in-flight token, or answers 429.
func takeSlot(w http.ResponseWriter) bool {
	select {
	case inFlight <- struct{}{}:
		return true
	default:
		httpError(w, http.StatusTooManyRequests, fmt.Sprintf("vizrun tracer: %d traces are already being recorded or sent; try again later", maxInFlight))
		return false
	}
}

// extendWriteDeadline gives the answer as long as the server's
// WriteTimeout from now, or answerTimeout when it has none. Some
// ResponseWriters cannot do it; the server's own limits stay then.
func extendWriteDeadline(w http.ResponseWriter, r *http.Request) {
	d := answerTimeout
	if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.WriteTimeout > 0 {
		d = srv.WriteTimeout
	}
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
}

// recorded is a finished capture.
type recorded struct {
	buf    *bytes.Buffer
	took   time.Duration
	full   bool // ended early at maxCaptureBytes
	flight bool // recorded with a flight recorder
}

// record captures d of execution trace into memory, or less when the trace
// reaches maxCaptureBytes. It returns ctx's error, and drops the trace, when
// ctx ends first. Only one record runs at a time (errCapturing), and the
// tracer is stopped when it returns, even on a panic.
func record(ctx context.Context, d time.Duration) (rec recorded, err error) {
	if !capturing.CompareAndSwap(false, true) {
		return rec, errCapturing
	}
	defer capturing.Store(false)
	defer recoverTo(&err)
	captureEnd.Store(time.Now().Add(d).UnixNano())

	buf := &cappedBuffer{max: maxCaptureBytes, full: make(chan struct{})}
	c, err := startRecording(buf, d)
	if err != nil {
		return rec, err
	}
	defer c.stop(false) // on every early return, and on panics
	start := time.Now()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-buf.full:
		rec.full = true
	case <-ctx.Done():
		return rec, ctx.Err()
	}
	if err := c.stop(true); err != nil {
		return rec, err
	}
	rec.buf, rec.took, rec.flight = &buf.Buffer, time.Since(start), c.fr != nil
	return rec, nil
}

// cappedBuffer is a bytes.Buffer that closes full once it holds max bytes.
// It keeps what is written after, so that the trace ends whole.
type cappedBuffer struct {
	bytes.Buffer
	max  int
	full chan struct{}
	once sync.Once
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	n, err := b.Buffer.Write(p)
	if b.Len() >= b.max {
		b.once.Do(func() { close(b.full) })
	}
	return n, err
}

// recording is a capture under way.
type recording struct {
	w    io.Writer
	fr   *trace.FlightRecorder // nil when recording with runtime/trace.Start
	once sync.Once
	err  error
}

// startRecording records into w with runtime/trace, or with a flight
// recorder when the tracer is taken.
func startRecording(w io.Writer, d time.Duration) (*recording, error) {
	if err := startTrace(w); err == nil {
		names.replay()
		return &recording{w: w}, nil
	}
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: d + time.Second, MaxBytes: uint64(maxCaptureBytes)})
	if err := fr.Start(); err != nil {
		return nil, fmt.Errorf("%w (%v)", errNoTracer, err)
	}
	names.start()
	return &recording{w: w, fr: fr}, nil
}

// stop ends the recording, the first time it is called, leaving the trace
// in w when keep is set.
func (c *recording) stop(keep bool) error {
	c.once.Do(func() {
		if c.fr == nil {
			stopTrace()
			return
		}
		defer names.stop()
		defer c.fr.Stop()
		if keep {
			names.replay()
			_, c.err = c.fr.WriteTo(c.w)
		}
	})
	return c.err
}

func (h *handler) flight(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r, false)
	if err != nil {
		httpError(w, http.StatusBadRequest, "vizrun tracer: "+err.Error())
		return
	}
	f := current.Load()
	if f == nil {
		httpError(w, http.StatusNotFound, "vizrun tracer: no flight recorder is running (start one with tracer.NewFlightRecorder)")
		return
	}
	if !takeSlot(w) {
		return
	}
	defer func() { <-inFlight }()
	var buf bytes.Buffer
	if err := f.WriteTrace(&buf); errors.Is(err, ErrNotRecording) {
		httpError(w, http.StatusNotFound, "vizrun tracer: the flight recorder has stopped")
		return
	} else if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	h.answer(w, r, &buf, q.raw, f.cfg.Title, false, 0)
}

// answer sends a trace, raw or as a report. flight says the trace comes
// from the fallback flight recorder, which kept about window.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, buf *bytes.Buffer, raw bool, title string, flight bool, window time.Duration) {
	if buf.Len() == 0 {
		httpError(w, http.StatusInternalServerError, "vizrun tracer: the capture recorded nothing")
		return
	}
	body, ctype := buf.Bytes(), "application/octet-stream"
	if raw {
		w.Header().Set("Content-Disposition", `attachment; filename="vizrun.trace"`)
	} else {
		var page bytes.Buffer
		if err := writeReport(&page, bytes.NewReader(buf.Bytes()), nil, title, flight, window); err != nil {
			extendWriteDeadline(w, r)
			httpError(w, http.StatusInternalServerError, "vizrun tracer: "+err.Error())
			return
		}
		body, ctype = page.Bytes(), "text/html; charset=utf-8"
	}
	extendWriteDeadline(w, r)
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}
