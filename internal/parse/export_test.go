package parse

import (
	"bufio"
	"bytes"
)

// GenerationEnds returns the offsets in data (a whole trace) where each
// generation ends, for tests that cut traces at generation boundaries.
func GenerationEnds(data []byte) []int64 {
	r := bytes.NewReader(data[headerLen:])
	br := bufio.NewReader(r)
	var buf bytes.Buffer
	var ends []int64
	for {
		buf.Reset()
		if err := splitGeneration(br, &buf); err != nil {
			return ends
		}
		// splitGeneration re-encodes varints, so count what it consumed.
		ends = append(ends, int64(len(data))-int64(r.Len()+br.Buffered()))
	}
}
