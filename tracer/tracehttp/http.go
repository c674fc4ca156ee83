// Package tracehttp serves live captures of a running program over HTTP,
// as vizrun reports or raw execution traces, and the window of the running
// tracer.FlightRecorder. Mount its Handler behind your own authentication,
// as you would net/http/pprof:
//
//	mux.Handle("/debug/vizrun/", tracehttp.Handler())
//
// It lives apart from the tracer package, which imports only the standard
// library, because it brings net/http, the parser and the renderer.
package tracehttp

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
	"runtime/metrics"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/internal/core"
	"github.com/vizrun/vizrun/tracer/internal/render"
	_ "github.com/vizrun/vizrun/tracer/leaks"
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

// maxCaptureBytes bounds the memory of the traces the handler holds, all
// captures and flight snapshots together. Each reserves half of it, and
// holds no more (bytes past it are dropped); a capture ends early when its
// trace, with the runtime's trace buffers not yet written out, reaches a
// quarter, so that what the runtime still holds fits in the rest. The
// flight recorder a capture falls back to keeps a quarter. A variable for
// tests.
var maxCaptureBytes = 256 << 20

// captureMaxSpans bounds the spans the model of a capture keeps (see
// parse.Options.MaxSpans): a quarter of what vizrun report keeps, since
// the model is built inside the host.
const captureMaxSpans = 1 << 20

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
//	mux.Handle("/debug/vizrun/", tracehttp.Handler())
//
// Limits, so that no client can hurt the host:
//
//   - One capture records at a time in the process, whatever the number of
//     Handlers; others get 429 Too Many Requests with Retry-After.
//   - At most 4 traces are held in memory at once, captures (recording,
//     rendering or being sent) and flight snapshots together; beyond that
//     requests get 429.
//   - The traces held, all Handlers together, stay within 256 MiB: each
//     capture or flight snapshot reserves 128 MiB (beyond that requests
//     get 429) and keeps no more; bytes past it are dropped and the
//     report's title says the trace was cut short. A capture stops as soon
//     as its client goes away (it is then not answered), and ends early
//     when its trace, with the runtime's trace buffers not yet written out
//     (the runtime keeps buffering when its trace reader falls behind a
//     busy program), reaches 64 MiB. When the execution tracer is taken
//     (by a Session or go test -trace) a capture uses a flight recorder
//     instead, which keeps its last 64 MiB.
//   - One report is rendered at a time, from a model of at most a million
//     spans, and the trace it comes from is given back as it is read.
//   - The tracer is released before the answer is rendered and sent, so a
//     slow client does not hold up the next capture. Sending may take the
//     server's WriteTimeout, counted afresh from the end of the capture
//     (which may outlast it), or 30 seconds when the server sets none; a
//     slower client is cut off.
//
// A capture's trace ends with the goroutines the runtime proves leaked
// (when it has the goroutine leak profile, at most 10,000 goroutines are
// alive and the capture was not cut at the memory bound: see
// tracer/leaks) and a mark saying the program
// goes on, so that goroutines merely blocked at its end are not called
// leaks. When the program stops the execution tracer itself
// (runtime/trace.Stop) during a capture, the capture ends there and is
// answered 200 with an X-Vizrun-Cut-Short header (CutShortHeader) saying
// why; a report says so in its title and warnings. So does a trace cut at
// the memory bound.
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
	handlerNames.Do(core.Names.Start)
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
	}{MaxCaptureSeconds, core.CurrentFlight.Load() != nil})
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
	if rec.buf != nil {
		defer rec.buf.release()
	}
	switch {
	case errors.Is(err, errCapturing):
		wait := time.Until(time.Unix(0, captureEnd.Load()))
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		httpError(w, http.StatusTooManyRequests, fmt.Sprintf("vizrun tracer: a capture is already running; try again in %d s", secs))
		return
	case errors.Is(err, errHeld):
		w.Header().Set("Retry-After", "5")
		httpError(w, http.StatusTooManyRequests, "vizrun tracer: "+err.Error()+"; try again in a few seconds")
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
	var cut string
	switch {
	case rec.stoppedElsewhere:
		cut = "the program stopped the execution tracer (runtime/trace.Stop) during the capture"
	case rec.full:
		cut = fmt.Sprintf("the trace reached %s", mib(rec.buf.Len()))
	}
	if cut != "" {
		title += " (cut short: " + cut + ")"
	}
	h.answer(w, r, rec.buf, q.raw, answerOptions{title: title, cut: cut, flight: rec.flight, window: rec.took})
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
	buf              *traceBuffer
	took             time.Duration
	full             bool // ended early, at the memory bound
	flight           bool // recorded with a flight recorder
	stoppedElsewhere bool // ended early: the program stopped the execution tracer
}

// record captures d of execution trace into memory, or less when the
// trace reaches a quarter of maxCaptureBytes. It returns ctx's error,
// and drops the trace, when ctx ends first. Only one record runs at a time
// (errCapturing), and the tracer is stopped when it returns, even on a
// panic.
func record(ctx context.Context, d time.Duration) (rec recorded, err error) {
	if !capturing.CompareAndSwap(false, true) {
		return rec, errCapturing
	}
	defer capturing.Store(false)
	defer core.Recover(&err)
	buf, err := newTraceBuffer()
	if err != nil {
		return rec, err
	}
	captureEnd.Store(time.Now().Add(d).UnixNano())
	ok := false
	defer func() {
		if !ok {
			buf.release()
		}
	}()
	base, backlog := otherMemory() // before the runtime's trace buffers
	c, err := startRecording(buf, d)
	if err != nil {
		return rec, err
	}
	defer c.stop(false) // on every early return, and on panics
	stopWatch := watch(buf, c, base, backlog)
	defer stopWatch()
	start := time.Now()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-buf.full:
		rec.full = true
	case <-c.lost:
		rec.stoppedElsewhere = true
	case <-ctx.Done():
		return rec, ctx.Err()
	}
	// At the memory bound the leak check (a garbage collection, every
	// goroutine's stack) is left out: the trace it would add might not fit.
	c.leaks = !rec.full && !buf.cut.Load()
	if err := c.stop(true); err != nil {
		return rec, err
	}
	select {
	case <-c.lost:
		rec.stoppedElsewhere = true
	default:
	}
	rec.buf, rec.took, rec.flight = buf, time.Since(start), c.fr != nil
	rec.full = rec.full || buf.cut.Load()
	buf.shrink()
	ok = true
	return rec, nil
}

// Trace memory: every traceBuffer reserves, when it is made, the most it
// may hold (half of maxCaptureBytes), and all reservations together stay
// within maxCaptureBytes; a request that would pass it gets 429. Once a
// capture has been recorded, its reservation shrinks to what it holds.
var (
	memMu    sync.Mutex
	held     int64 // bytes of all traceBuffers' chunks
	promised int64 // reserved and not held yet
)

// heldBytes is the memory all traceBuffers hold.
func heldBytes() int64 {
	memMu.Lock()
	defer memMu.Unlock()
	return held
}

// traceBuffer holds a trace in chunks: it grows without copying, and gives
// each chunk back as it is read. It holds at most its reservation: what is
// written past it is dropped (cut is set). full is closed once it holds,
// with the runtime's trace buffers not yet written out (backlog, see
// watchBacklog), half its reservation: a capture then ends, and what the
// runtime still holds fits in the other half.
type traceBuffer struct {
	chunks  [][]byte
	n       int64        // bytes kept
	acct    atomic.Int64 // bytes of chunks, counted in held
	reserve int64        // the most it may hold
	quarter int64        // where a capture ends: half the reservation
	next    int          // the chunk Read is in, and the offset there
	off     int
	cut     atomic.Bool
	backlog atomic.Int64
	full    chan struct{}
	once    sync.Once
}

// errHeld: the traces being recorded, rendered or sent hold the memory.
var errHeld = errors.New("traces being recorded, rendered or sent hold the memory captures may use")

// newTraceBuffer reserves half of maxCaptureBytes for a trace, or fails
// with errHeld.
func newTraceBuffer() (*traceBuffer, error) {
	r := int64(maxCaptureBytes / 2)
	memMu.Lock()
	defer memMu.Unlock()
	if held+promised+r > int64(maxCaptureBytes) {
		return nil, errHeld
	}
	promised += r
	return &traceBuffer{full: make(chan struct{}), reserve: r, quarter: r / 2}, nil
}

// chunkSize is the unit traceBuffers grow by.
func chunkSize() int { return min(max(maxCaptureBytes/256, 4<<10), 1<<20) }

// grow adds a chunk within the reservation, or reports false.
func (b *traceBuffer) grow() bool {
	size := int64(chunkSize())
	if b.acct.Load()+size > b.reserve {
		return false
	}
	memMu.Lock()
	held += size
	promised -= size
	memMu.Unlock()
	b.acct.Add(size)
	b.chunks = append(b.chunks, make([]byte, 0, size))
	return true
}

func (b *traceBuffer) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if len(b.chunks) == 0 || len(b.chunks[len(b.chunks)-1]) == cap(b.chunks[len(b.chunks)-1]) {
			if !b.grow() {
				b.cut.Store(true)
				break
			}
		}
		last := &b.chunks[len(b.chunks)-1]
		k := copy((*last)[len(*last):cap(*last)], p)
		*last = (*last)[:len(*last)+k]
		p = p[k:]
		b.n += int64(k)
	}
	b.check()
	return n, nil // what is dropped is dropped: the runtime must drain
}

// check closes full when the buffer and the backlog reach half of the
// reservation.
func (b *traceBuffer) check() {
	if b.cut.Load() || b.acct.Load()+b.backlog.Load() >= b.quarter {
		b.once.Do(func() { close(b.full) })
	}
}

// shrink gives back the reservation the buffer has not used.
func (b *traceBuffer) shrink() {
	memMu.Lock()
	promised -= b.reserve - b.acct.Load()
	memMu.Unlock()
	b.reserve = b.acct.Load()
}

// Len is the number of bytes kept.
func (b *traceBuffer) Len() int64 { return b.n }

// Read reads what the buffer holds, giving each chunk back once read.
func (b *traceBuffer) Read(p []byte) (int, error) {
	for b.next < len(b.chunks) {
		c := b.chunks[b.next]
		if b.off < len(c) {
			k := copy(p, c[b.off:])
			b.off += k
			return k, nil
		}
		b.dropChunk()
	}
	return 0, io.EOF
}

func (b *traceBuffer) dropChunk() {
	size := int64(cap(b.chunks[b.next]))
	b.chunks[b.next] = nil
	memMu.Lock()
	held -= size
	memMu.Unlock()
	b.acct.Add(-size)
	b.reserve -= size
	b.next++
	b.off = 0
}

// WriteTo writes what the buffer holds to w, giving each chunk back once
// written.
func (b *traceBuffer) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for b.next < len(b.chunks) {
		k, err := w.Write(b.chunks[b.next][b.off:])
		n += int64(k)
		if err != nil {
			return n, err
		}
		b.dropChunk()
	}
	return n, nil
}

// release gives back all the buffer holds and reserves. Release twice is
// fine.
func (b *traceBuffer) release() {
	memMu.Lock()
	held -= b.acct.Load()
	promised -= b.reserve - b.acct.Load()
	memMu.Unlock()
	b.acct.Store(0)
	b.reserve, b.chunks, b.next, b.off = 0, nil, 0, 0
}

// watch follows, every 10 ms while a capture c records into b, how much
// trace the runtime holds that is not written out yet: the trace reader
// goroutine may fall behind a busy program, and the runtime then keeps
// buffering, without limit. It is measured as the growth of the runtime's
// "other" memory (trace buffers, mostly) from base, read before the
// recording started (backlog false: the runtime has no such metric). It
// also sees the program stop
// the execution tracer under a capture with runtime/trace.Stop: it then
// closes c.lost, and the capture ends. Its goroutine is named
// captureWatcherName in the trace. The returned func stops it.
func watch(b *traceBuffer, c *recording, base uint64, backlog bool) (stop func()) {
	sample := []metrics.Sample{{Name: otherMetric}}
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		if trace.IsEnabled() {
			trace.Log(context.Background(), protocol.LogName, captureWatcherName)
		}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if c.fr == nil && c.tracerLost() {
				return
			}
			if !backlog {
				continue
			}
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > base {
				b.backlog.Store(int64(v - base))
			} else {
				b.backlog.Store(0)
			}
			b.check()
		}
	}()
	return func() { close(done); <-exited }
}

// otherMetric is the runtime's "other" memory, trace buffers mostly.
const otherMetric = "/memory/classes/other:bytes"

// otherMemory reads otherMetric; ok is false when the runtime lacks it.
func otherMemory() (v uint64, ok bool) {
	sample := []metrics.Sample{{Name: otherMetric}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0, false
	}
	return sample[0].Value.Uint64(), true
}

// captureWatcherName is the name, in a capture's trace, of the goroutine
// that watches the capture: the tracer's own, a system goroutine in the
// report.
const captureWatcherName = protocol.SystemName + "capture-watch"

// rendering lets one report be rendered at a time.
var rendering = make(chan struct{}, 1)

func mib(n int64) string { return fmt.Sprintf("%.4g MiB", float64(n)/(1<<20)) }

// recording is a capture under way.
type recording struct {
	w        io.Writer
	fr       *trace.FlightRecorder // nil when recording with runtime/trace.Start
	once     sync.Once
	err      error
	lost     chan struct{} // closed when the program stopped the execution tracer
	lostOnce sync.Once
	leaks    bool // stop(true) logs the goroutines the runtime proves leaked

	mu      sync.Mutex // orders the watch's look at the tracer and stop
	stopped bool       // stop began: the tracer going off is ours
}

// tracerLost reports whether the program stopped the execution tracer
// under the capture (not stop), closing c.lost the first time.
func (c *recording) tracerLost() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped || trace.IsEnabled() {
		return false
	}
	c.lostOnce.Do(func() { close(c.lost) })
	return true
}

// startRecording records into w with runtime/trace, or with a flight
// recorder when the tracer is taken.
func startRecording(w io.Writer, d time.Duration) (*recording, error) {
	if err := core.StartTrace(w); err == nil {
		core.Names.Replay()
		return &recording{w: w, lost: make(chan struct{})}, nil
	}
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{MinAge: d + time.Second, MaxBytes: uint64(maxCaptureBytes / 4)})
	if err := fr.Start(); err != nil {
		return nil, fmt.Errorf("%w (%v)", errNoTracer, err)
	}
	core.Names.Start()
	return &recording{w: w, fr: fr, lost: make(chan struct{})}, nil
}

// stop ends the recording, the first time it is called, leaving the trace
// in w when keep is set. A trace kept ends with the goroutines the runtime
// proves leaked (when c.leaks is set and the runtime has the goroutine
// leak profile) and the mark of a live trace: the program goes on, so goroutines still blocked at the end
// are not leak candidates. When the program stopped the execution tracer
// itself, stop leaves the tracer alone.
func (c *recording) stop(keep bool) error {
	c.once.Do(func() {
		if c.fr == nil {
			lost := c.tracerLost()
			c.mu.Lock()
			c.stopped = true // from here on the tracer going off is ours
			c.mu.Unlock()
			if lost {
				return // not ours to stop any more
			}
			if keep {
				if c.leaks {
					core.LogLeaks()
				}
				core.LogLive(protocol.LiveCapture)
			}
			core.StopTrace()
			return
		}
		defer core.Names.Stop()
		defer c.fr.Stop()
		if keep {
			core.Names.Replay()
			if c.leaks {
				core.LogLeaks()
			}
			core.LogLive(protocol.LiveSnapshot)
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
	f := core.CurrentFlight.Load()
	if f == nil {
		httpError(w, http.StatusNotFound, "vizrun tracer: no flight recorder is running (start one with tracer.NewFlightRecorder)")
		return
	}
	if !takeSlot(w) {
		return
	}
	defer func() { <-inFlight }()
	buf, err := newTraceBuffer()
	if err != nil {
		w.Header().Set("Retry-After", "5")
		httpError(w, http.StatusTooManyRequests, "vizrun tracer: "+err.Error()+"; try again in a few seconds")
		return
	}
	defer buf.release()
	if _, err := f.WriteTo(buf); errors.Is(err, tracer.ErrNotRecording) {
		httpError(w, http.StatusNotFound, "vizrun tracer: the flight recorder has stopped")
		return
	} else if err != nil {
		httpError(w, http.StatusInternalServerError, err.Error())
		return
	}
	buf.shrink()
	title := f.Title
	var cut string
	if buf.cut.Load() {
		cut = fmt.Sprintf("the snapshot reached %s", mib(buf.Len()))
		title += " (cut short: " + cut + ")"
	}
	h.answer(w, r, buf, q.raw, answerOptions{title: title, cut: cut})
}

// answerOptions say what an answer says about its trace.
type answerOptions struct {
	title  string
	cut    string        // why the trace was cut short, or ""
	flight bool          // the trace comes from the fallback flight recorder...
	window time.Duration // ...which kept about window
}

// CutShortHeader is set on an answer whose trace was cut short (the
// program stopped the execution tracer during the capture, or the trace
// reached the memory bound): its value says why. The report's title and
// warnings say it too.
const CutShortHeader = "X-Vizrun-Cut-Short"

// answer sends a trace, raw or as a report, and gives the trace's memory
// back.
func (h *handler) answer(w http.ResponseWriter, r *http.Request, buf *traceBuffer, raw bool, o answerOptions) {
	defer buf.release()
	if buf.Len() == 0 {
		httpError(w, http.StatusInternalServerError, "vizrun tracer: the capture recorded nothing")
		return
	}
	if o.cut != "" {
		w.Header().Set(CutShortHeader, o.cut)
	}
	if raw {
		extendWriteDeadline(w, r)
		w.Header().Set("Content-Disposition", `attachment; filename="vizrun.trace"`)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.FormatInt(buf.Len(), 10))
		w.WriteHeader(http.StatusOK)
		buf.WriteTo(w)
		return
	}
	select {
	case rendering <- struct{}{}:
	case <-r.Context().Done():
		return // the client went away while another report was rendered
	}
	var page bytes.Buffer
	var warnings []string
	if o.cut != "" {
		warnings = append(warnings, "this capture was cut short: "+o.cut)
	}
	err := render.Write(&page, buf, render.Options{Title: o.title, Flight: o.flight, Window: o.window, MaxSpans: captureMaxSpans, Warnings: warnings})
	<-rendering
	buf.release()
	if err != nil && buf.cut.Load() {
		err = fmt.Errorf("the trace was cut short at %s, the most the handler keeps, before a generation ended: %v", mib(buf.Len()), err)
	}
	if err != nil {
		extendWriteDeadline(w, r)
		httpError(w, http.StatusInternalServerError, "vizrun tracer: "+err.Error())
		return
	}
	extendWriteDeadline(w, r)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(page.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(page.Bytes())
}
