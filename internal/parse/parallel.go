package parse

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"golang.org/x/exp/trace"
)

// Parallel decoding. Generations are self-contained: a flight-recorder
// snapshot starts at any of them. So a Go 1.26+ trace (whose generations end
// with an explicit marker) can be cut at generation boundaries and each
// piece decoded by its own x/exp/trace reader on its own goroutine, while
// the one builder consumes the pieces in order. A reader that starts at a
// generation reports the goroutines it finds as coming from Undetermined,
// and ends each piece with a Sync event: the builder takes such status
// reports as no change, and the Sync between two pieces is dropped, so the
// events the builder sees are those of a single reader.

// Batch framing of Go 1.26 traces (x/exp/trace/internal/tracev2).
const (
	evEventBatch        = 1
	evExperimentalBatch = 49
	evEndOfGeneration   = 52
	maxBatchSize        = 64 << 10
	headerLen           = 16
	firstSplitVersion   = 26
	lastSplitVersion    = 26 // the newest format whose framing is the above (Go 1.27 writes it too)
	maxVersion          = 26 // the newest trace format x/exp/trace reads
)

// traceVersion reads the minor version from a trace header, or -1.
func traceVersion(header []byte) int {
	var v int
	if len(header) < headerLen {
		return -1
	}
	if _, err := fmt.Sscanf(string(header[:headerLen]), "go 1.%d trace\x00\x00\x00", &v); err != nil {
		return -1
	}
	return v
}

// piece is one generation, with the trace header in front, ready for a
// reader of its own.
type piece struct {
	data []byte
	end  int64 // offset in the input of the end of this generation
	out  chan *eventBatch
	err  error // set by the decoder before it closes out
}

// splitGeneration reads the next generation's batches from br (just after
// the header or the previous generation). It returns io.EOF at a clean end
// of input, and the bytes read so far with an error otherwise.
func splitGeneration(br *bufio.Reader, buf *bytes.Buffer) error {
	first := true
	for {
		b, err := br.ReadByte()
		if err == io.EOF && first {
			return io.EOF
		}
		if err != nil {
			return fmt.Errorf("incomplete generation found; trace likely truncated")
		}
		first = false
		buf.WriteByte(b)
		switch b {
		case evEndOfGeneration:
			return nil
		case evExperimentalBatch:
			e, err := br.ReadByte()
			if err != nil {
				return fmt.Errorf("incomplete generation found; trace likely truncated")
			}
			buf.WriteByte(e)
		case evEventBatch:
		default:
			return fmt.Errorf("expected batch event, got event %d", b)
		}
		var size uint64
		for i := range 4 { // generation, M, timestamp, size
			v, err := binary.ReadUvarint(br)
			if err != nil {
				return fmt.Errorf("incomplete generation found; trace likely truncated")
			}
			buf.Write(binary.AppendUvarint(nil, v))
			size = v
			_ = i
		}
		if size > maxBatchSize {
			return fmt.Errorf("invalid batch size %d, maximum is %d", size, maxBatchSize)
		}
		if _, err := io.CopyN(buf, br, int64(size)); err != nil {
			return fmt.Errorf("incomplete generation found; trace likely truncated")
		}
	}
}

// parallel decodes the generations read from br (positioned after header)
// with decoders goroutines, and feeds them to b in order. It returns the
// complete generations built, the input offset where the last one ended,
// and the error that ended decoding (nil at a clean end).
func parallel(br *bufio.Reader, header []byte, consumed func() int64, decoders int, b *builder) (gens int, good int64, err error) {
	pieces := make(chan *piece, decoders) // to build, in order
	jobs := make(chan *piece)             // to decode
	tokens := make(chan struct{}, decoders)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range decoders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				decodePiece(p, stop)
			}
		}()
	}
	// The splitter: at most `decoders` generations in memory at once.
	splitErr := make(chan error, 1)
	go func() {
		defer close(pieces)
		defer close(jobs)
		for {
			select {
			case tokens <- struct{}{}:
			case <-stop:
				splitErr <- nil
				return
			}
			var buf bytes.Buffer
			buf.Write(header)
			err := splitGeneration(br, &buf)
			if err == io.EOF {
				splitErr <- nil
				return
			}
			p := &piece{data: buf.Bytes(), end: consumed(), out: make(chan *eventBatch, pipelineDepth)}
			if err != nil {
				// Let the reader find and report what is wrong, as the
				// sequential path would.
				p.end = -1
			}
			pieces <- p
			jobs <- p
			if err != nil {
				splitErr <- nil
				return
			}
		}
	}()

	var held *trace.Event // a piece's final Sync, applied only at the very end
	var heldCopy trace.Event
	buildErr := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("decoder failed: %v", p)
			}
		}()
		for p := range pieces {
			first := true
			for batch := range p.out {
				evs := batch.events
				b.taskEnds = batch.taskEnds
				if first && held != nil && len(evs) > 0 {
					held = nil // another piece follows: drop the Sync between them
				}
				first = false
				for i := range evs {
					if held != nil {
						b.event(held)
						held = nil
					}
					if evs[i].Kind() == trace.EventSync && i == len(evs)-1 {
						heldCopy = evs[i]
						held = &heldCopy // maybe the piece's last event
						continue
					}
					b.event(&evs[i])
					if b.win != nil && b.win.done {
						held = nil
						return errWindowDone
					}
				}
			}
			<-tokens
			if p.err != nil {
				return p.err
			}
			gens++
			good = p.end
		}
		return nil
	}()
	if held != nil {
		// The last piece's final Sync; or, when a piece failed, the Sync its
		// reader emitted before the error, which one reader emits too.
		b.event(held)
	}
	close(stop)
	for p := range pieces { // unblock the decoders
		for range p.out {
		}
	}
	wg.Wait()
	<-splitErr
	if buildErr == errWindowDone {
		buildErr = nil
	}
	if buildErr != nil && b.events == 0 {
		return 0, 0, buildErr
	}
	return gens, good, buildErr
}

// decodePiece decodes one generation into p.out.
func decodePiece(p *piece, stop <-chan struct{}) {
	defer close(p.out)
	tr, err := newReader(bytes.NewReader(p.data))
	if err != nil {
		p.err = err
		return
	}
	cur := &eventBatch{events: make([]trace.Event, 0, pipelineBatch)}
	send := func() bool {
		select {
		case p.out <- cur:
			cur = &eventBatch{events: make([]trace.Event, 0, pipelineBatch)}
			return true
		case <-stop:
			return false
		}
	}
	err = readAll(tr, func(ev *trace.Event) {
		cur.add(ev)
		if len(cur.events) == pipelineBatch && !send() {
			panic(errStopped)
		}
	})
	if errors.Is(err, errStopped) {
		return
	}
	if len(cur.events) > 0 {
		send()
	}
	if err == nil && p.end < 0 {
		err = errors.New("incomplete generation found; trace likely truncated")
	}
	p.err = err
}
