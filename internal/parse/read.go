package parse

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/vizrun/vizrun/internal/units"
	"golang.org/x/exp/trace"
)

// Options tune Read.
type Options struct {
	// Size is the input's size in bytes, if known; it lets warnings about
	// truncated traces and progress reports say how much was read. ReadFile
	// sets it. Zero means unknown.
	Size int64

	// Progress, if not nil, is called now and then with the number of bytes
	// read so far, and once more at the end.
	Progress func(read int64)

	// Decoders is how many goroutines decode generations at once (Go 1.26
	// traces and later). Zero means one per CPU but the one the builder
	// uses, and a single decoder on two CPUs or fewer: there the builder
	// keeps the second CPU busy, and more decoders would only hold more
	// generations in memory.
	Decoders int

	// MaxSpans bounds the spans the model keeps; past it, short spans are
	// merged (Trace.Coarsened says to what resolution). Zero means
	// DefaultMaxSpans.
	MaxSpans int

	// Profile, if not nil, is filled with the time goroutines spent by
	// state, reason, stack and context, exactly (see Profile).
	Profile *Profile

	// Window, when its end is after its start, asks for the model of
	// [Window[0], Window[1]) only, ns since the trace's start, at full
	// detail: the goroutines come in as they are at its start, reading
	// stops at its end, and the model's times count from its start
	// (Trace.Window says where it was).
	Window [2]int64
}

// newBuilderFor is the builder Read uses for opt.
func newBuilderFor(opt *Options) *builder {
	b := newBuilder(opt.MaxSpans)
	if w := opt.Window; w[1] > w[0] && w[1] > 0 {
		b.win = &window{from: max(w[0], 0), to: w[1], prefix: newBuilder(opt.MaxSpans)}
		b.t.Window = [2]int64{max(w[0], 0), w[1]}
	}
	b.prof = opt.Profile.init()
	return b
}

// ErrNotTrace is wrapped by errors for input that is not a Go execution trace.
var ErrNotTrace = errors.New("not a Go execution trace")

// ReadFile parses the trace in the named file.
func ReadFile(name string, opt Options) (*Trace, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s is a directory, not a trace file", name)
	}
	if opt.Size == 0 {
		opt.Size = st.Size()
	}
	return Read(f, opt)
}

// Read parses a Go execution trace (Go 1.11 and later; traces before Go 1.22
// are converted by golang.org/x/exp/trace) in one streaming pass.
//
// A trace cut short (a program killed while tracing) yields the model of every
// complete generation before the cut, with a warning in Trace.Warnings saying
// how much was lost. Input that is not a trace, or that is corrupt before its
// first complete generation, yields an error.
func Read(r io.Reader, opt Options) (*Trace, error) {
	if opt.Size == 0 {
		switch v := r.(type) {
		case *bytes.Reader:
			opt.Size = int64(v.Len())
		case *bytes.Buffer:
			opt.Size = int64(v.Len())
		case *strings.Reader:
			opt.Size = int64(v.Len())
		}
	}
	cr := &countingReader{r: r, progress: opt.Progress}
	// trace.NewReader keeps a *bufio.Reader as is, so what it has consumed
	// is what was read minus what is still buffered.
	br := bufio.NewReaderSize(cr, 64<<10)
	consumed := func() int64 { return cr.n - int64(br.Buffered()) }
	header, _ := br.Peek(headerLen)
	header = bytes.Clone(header)
	if bytes.HasPrefix(header, gzipMagic) {
		// A compressed trace reads as the trace; a pprof profile (also
		// gzip) is turned down below.
		if zr, err := gzip.NewReader(br); err == nil {
			zb := bufio.NewReader(zr)
			if h, _ := zb.Peek(5); string(h) == "go 1." {
				// Size is that of the compressed input: progress counts
				// compressed bytes read, not the trace's.
				if progress := opt.Progress; progress != nil {
					opt.Progress = func(int64) { progress(consumed()) }
				}
				opt.Size = 0
				return Read(zb, opt)
			}
		}
	}
	var fallback string
	if v := traceVersion(header); v >= firstSplitVersion {
		if n := decoders(opt.Decoders); n > 1 && v <= lastSplitVersion {
			br.Discard(headerLen)
			return readParallel(br, header, consumed, cr, n, opt)
		} else if n > 1 {
			fallback = fmt.Sprintf("read on one goroutine: the parallel decoder knows the batch framing of trace formats 1.%d to 1.%d, and this trace is format 1.%d", firstSplitVersion, lastSplitVersion, v)
		}
	}
	tr, err := newReader(br)
	if err != nil {
		if cr.err != nil {
			return nil, fmt.Errorf("reading the trace: %w", cr.err)
		}
		return nil, notTrace(header, cr.n, oneLine(err))
	}
	b := newBuilderFor(&opt)
	syncBytes, readErr := pipeline(tr, consumed, b)
	readErr = oneLine(readErr)
	if opt.Progress != nil {
		opt.Progress(cr.n)
	}
	// The reader emits a Sync event before each generation and one at the
	// end, so n Sync events frame n-1 complete generations.
	gens := max(len(syncBytes)-1, 0)
	if cr.err != nil {
		readErr = fmt.Errorf("reading the trace: %w", cr.err)
	}
	if readErr == nil && cr.n > headerLen && traceVersion(header) >= firstSplitVersion && cr.last != evEndOfGeneration && !windowDone(b) {
		// x/exp/trace takes input that ends right after a whole batch for
		// the end of the trace; since Go 1.26 every generation ends with
		// an end-of-generation byte, and a whole trace with the last one.
		readErr = errors.New("the input ends inside a generation")
	}
	if b.win != nil && !b.win.begun {
		return nil, windowAfterEnd(b)
	}
	if readErr == nil && b.events <= int64(len(syncBytes)) {
		return nil, fmt.Errorf("the trace holds no events (only a header)")
	}
	if readErr != nil {
		if gens == 0 || b.events == int64(len(syncBytes)) {
			return nil, fmt.Errorf("corrupt or truncated trace: no complete generation could be read: %w", readErr)
		}
		b.t.Warnings = append(b.t.Warnings, truncationWarning(readErr, syncBytes, opt.Size, gens))
		b.t.Cut = true
	} else {
		stopWarning(b)
	}
	t := b.finish()
	t.Generations = gens
	t.Bytes = cr.n
	if fallback != "" {
		t.Warnings = append(t.Warnings, fallback)
	}
	rateWarning(t)
	return t, nil
}

var gzipMagic = []byte{0x1f, 0x8b}

// DetailedError is an error of the decoder cut to its first line, which
// is what Error says: x/exp/trace follows a broken trace's first line with a
// dump of its state (the "frontier"), tens to hundreds of lines. Detail
// gives the whole of it.
type DetailedError struct {
	msg string
	err error
}

func (e *DetailedError) Error() string { return e.msg }
func (e *DetailedError) Unwrap() error { return e.err }

// Detail is the decoder's whole message, many lines long.
func (e *DetailedError) Detail() string { return e.err.Error() }

// oneLine cuts an error of many lines to its first as a *DetailedError;
// others are returned as they are.
func oneLine(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	i := strings.IndexAny(s, "\r\n")
	if i < 0 {
		return err
	}
	// "broken trace: failed to advance: frontier:" reads as "broken
	// trace: failed to advance".
	msg := strings.TrimSpace(s[:i])
	msg = strings.TrimSpace(strings.TrimSuffix(msg, ":"))
	msg = strings.TrimSuffix(msg, ": frontier")
	if msg == "" {
		msg = "the decoder failed"
	}
	return &DetailedError{msg: msg, err: err}
}

// windowAfterEnd says that Options.Window begins after the trace's end.
func windowAfterEnd(b *builder) error {
	return fmt.Errorf("the window starts at %s, after the trace's end (%s)", units.Duration(b.win.from), units.Duration(b.win.prefix.now))
}

// windowDone reports whether reading stopped at the end of Options.Window.
func windowDone(b *builder) bool { return b.win != nil && b.win.done }

// notTrace says why input the reader rejects at once is not a trace vizrun
// reads, and what to do about it.
func notTrace(header []byte, n int64, err error) error {
	var minor int
	switch {
	case n == 0:
		return fmt.Errorf("%w: the input is empty", ErrNotTrace)
	case bytes.HasPrefix(header, gzipMagic):
		return fmt.Errorf("%w: the input is gzip-compressed, as pprof profiles are; open a profile with go tool pprof, and record an execution trace with vizrun run, go test -trace or runtime/trace", ErrNotTrace)
	case bytes.HasPrefix(header, []byte("go 1.")):
		if _, serr := fmt.Sscanf(string(header), "go 1.%d trace", &minor); serr != nil {
			break
		}
		if minor < 11 {
			return fmt.Errorf("a Go 1.%d execution trace: vizrun reads traces of Go 1.11 and later; record it again with a newer Go", minor)
		}
		if minor > maxVersion {
			return fmt.Errorf("a Go 1.%d execution trace, newer than this vizrun reads (Go 1.11 to 1.%d): update vizrun", minor, maxVersion)
		}
		return fmt.Errorf("corrupt Go 1.%d trace: %w", minor, err)
	}
	start := header
	if i := bytes.IndexAny(start, "\r\n"); i >= 0 {
		start = start[:i]
	}
	return fmt.Errorf("%w: it starts with %q, not a \"go 1.N trace\" header", ErrNotTrace, start)
}

// HighRate is the rate of trace data, in bytes per second of the traced
// program, past which tracing itself distorts the program: the tracer's
// cost grows with its event rate (nothing measurable at 15 MB/s, about
// +70% at 70 MB/s on the machines vizrun is measured on).
const HighRate = 30e6

// rateWarning warns when the program wrote trace data fast enough for the
// tracing to have slowed it down.
func rateWarning(t *Trace) {
	if t.Duration < 100e6 {
		return // too short to judge
	}
	if rate := t.Rate(); rate > HighRate {
		t.Warnings = append(t.Warnings, fmt.Sprintf("the program wrote %.0f MB/s of trace: at such a rate tracing slows a program down (about +70%% at 70 MB/s), so its timings here are stretched; trace a shorter stretch or a lighter load to check them", rate/1e6))
	}
}

// stopWarning warns about a trace that ends cleanly, at a generation
// boundary, but was started by the vizrun tracer and never stopped by it:
// the program died, and what it did in its last generation is missing.
func stopWarning(b *builder) {
	if windowDone(b) {
		// Reading stopped at the window's end, before the stop mark.
		b.t.Cut = true
		return
	}
	if b.started && !b.stopped {
		b.t.Cut = true
		b.t.Warnings = append(b.t.Warnings, "the trace is truncated: it ends without the vizrun tracer's stop mark, so the program was killed or the file cut short; what happened after the last complete generation (up to one generation period, 200 ms under vizrun run) is missing")
	}
}

// truncationWarning says how much of a cut-short trace was lost.
func truncationWarning(err error, syncBytes []int64, size int64, gens int) string {
	// The reader consumes a whole generation before emitting its events, so
	// at the Sync that opened the last complete generation it had read up to
	// the end of that generation (give or take its input buffer).
	good := syncBytes[max(len(syncBytes)-2, 0)]
	msg := fmt.Sprintf("the trace is truncated or corrupt after %d complete generation(s)", gens)
	if size > 0 && size >= good {
		lost := size - good
		msg += fmt.Sprintf("; about %s of %s (%.0f%%) could not be used", byteSize(lost), byteSize(size), 100*float64(lost)/float64(size))
	}
	return msg + fmt.Sprintf(" (%v)", err)
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// newReader and readEvent turn a panic inside the decoder on hostile input
// into an error.
func newReader(r io.Reader) (tr *trace.Reader, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder failed: %v", p)
		}
	}()
	return trace.NewReader(r)
}

// Decoding and building run as a pipeline: one goroutine decodes events
// (the cost of the bare x/exp/trace reader) and hands them over in batches,
// while the caller's goroutine builds the model, so on two cores the two
// costs overlap instead of adding up. Batches are recycled; at most
// pipelineDepth of them are in flight, so memory stays bounded.
const (
	pipelineBatch = 4096
	pipelineDepth = 8
)

type eventBatch struct {
	events    []trace.Event
	syncBytes []int64 // bytes consumed at the Sync events of this batch

	// The tasks of the batch's TaskEnd events, in order, resolved by the
	// decoder: Event.Task reads, for a TaskEnd, a table of its generation
	// that the decoder appends to as it goes on, so the builder must not
	// call it (a data race the race detector catches).
	taskEnds []trace.Task
}

// add appends an event, resolving what only the decoder may read.
func (eb *eventBatch) add(ev *trace.Event) {
	if ev.Kind() == trace.EventTaskEnd {
		eb.taskEnds = append(eb.taskEnds, ev.Task())
	}
	eb.events = append(eb.events, *ev)
}

// reset empties the batch for reuse.
func (eb *eventBatch) reset() {
	eb.events, eb.syncBytes, eb.taskEnds = eb.events[:0], eb.syncBytes[:0], eb.taskEnds[:0]
}

// pipeline decodes tr into b. It returns the bytes consumed at each Sync
// event and the error that ended decoding (nil at the end of the input).
func pipeline(tr *trace.Reader, consumed func() int64, b *builder) (syncBytes []int64, err error) {
	full := make(chan *eventBatch, pipelineDepth)
	free := make(chan *eventBatch, pipelineDepth+2)
	stop := make(chan struct{})
	decodeErr := make(chan error, 1)
	go func() {
		defer close(full)
		// Batches are made as needed, up to pipelineDepth+2, then
		// recycled: a small trace needs one.
		made := 1
		cur := &eventBatch{events: make([]trace.Event, 0, pipelineBatch)}
		send := func() bool {
			select {
			case full <- cur:
			case <-stop:
				return false
			}
			select {
			case cur = <-free:
				return true
			default:
			}
			if made < pipelineDepth+2 {
				made++
				cur = &eventBatch{events: make([]trace.Event, 0, pipelineBatch)}
				return true
			}
			select {
			case cur = <-free:
				return true
			case <-stop:
				return false
			}
		}
		err := readAll(tr, func(ev *trace.Event) {
			if ev.Kind() == trace.EventSync {
				cur.syncBytes = append(cur.syncBytes, consumed())
			}
			cur.add(ev)
			if len(cur.events) == pipelineBatch && !send() {
				panic(errStopped)
			}
		})
		if err == errStopped {
			decodeErr <- nil
			return
		}
		if len(cur.events) > 0 || len(cur.syncBytes) > 0 {
			send()
		}
		decodeErr <- err
	}()
	buildErr := buildAll(full, free, b, &syncBytes)
	if buildErr != nil {
		close(stop)
		for range full { // let the decoder finish
		}
		<-decodeErr
		if buildErr == errWindowDone {
			buildErr = nil
		}
		return syncBytes, buildErr
	}
	return syncBytes, <-decodeErr
}

// errStopped unwinds the decoder when the builder has given up.
var errStopped = errors.New("stopped")

// buildAll feeds the batches to b; a panic in the builder, on input the
// decoder let through, becomes an error.
func buildAll(full <-chan *eventBatch, free chan<- *eventBatch, b *builder, syncBytes *[]int64) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("decoder failed: %v", p)
		}
	}()
	for batch := range full {
		*syncBytes = append(*syncBytes, batch.syncBytes...)
		b.taskEnds = batch.taskEnds
		for i := range batch.events {
			b.event(&batch.events[i])
			if b.win != nil && b.win.done {
				return errWindowDone
			}
		}
		b.taskEnds = nil
		batch.reset()
		free <- batch
	}
	return nil
}

// readAll reads events until the end (nil) or an error. A panic in the
// decoder or in fn, on hostile input, becomes an error: one deferred
// recover for the whole loop, since a defer per event costs.
func readAll(tr *trace.Reader, fn func(*trace.Event)) (err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == errStopped {
				err = errStopped
				return
			}
			err = fmt.Errorf("decoder failed: %v", p)
		}
	}()
	// One event variable for the loop: &ev escapes to fn, and a fresh one per
	// event would be a heap allocation per event.
	var ev trace.Event
	for {
		ev, err = tr.ReadEvent()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		fn(&ev)
	}
}

// countingReader counts bytes and reports progress every few MiB.
type countingReader struct {
	r        io.Reader
	n        int64
	next     int64
	progress func(int64)
	err      error // the first read error but io.EOF
	last     byte  // the last byte read
}

const progressEvery = 4 << 20

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 {
		c.last = p[n-1]
	}
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	if c.progress != nil && c.n >= c.next {
		c.next = c.n + progressEvery
		c.progress(c.n)
	}
	return n, err
}

// decoders is the number of decoding goroutines for Options.Decoders n.
func decoders(n int) int {
	if n > 0 {
		return n
	}
	return max(runtime.GOMAXPROCS(0)-1, 1)
}

// readParallel is Read for Go 1.26+ traces with several decoders.
func readParallel(br *bufio.Reader, header []byte, consumed func() int64, cr *countingReader, n int, opt Options) (*Trace, error) {
	b := newBuilderFor(&opt)
	gens, good, readErr := parallel(br, header, consumed, n, b)
	readErr = oneLine(readErr)
	if opt.Progress != nil {
		opt.Progress(cr.n)
	}
	if cr.err != nil {
		readErr = fmt.Errorf("reading the trace: %w", cr.err)
	}
	if b.win != nil && !b.win.begun {
		return nil, windowAfterEnd(b)
	}
	if readErr == nil && b.events <= 1 {
		return nil, fmt.Errorf("the trace holds no events (only a header)")
	}
	if readErr != nil {
		if gens == 0 {
			return nil, fmt.Errorf("corrupt or truncated trace: no complete generation could be read: %w", readErr)
		}
		b.t.Warnings = append(b.t.Warnings, truncationWarning(readErr, []int64{good, good}, opt.Size, gens))
		b.t.Cut = true
	} else {
		stopWarning(b)
	}
	t := b.finish()
	t.Generations = gens
	t.Bytes = cr.n
	rateWarning(t)
	return t, nil
}
