package parse_test

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"golang.org/x/exp/trace"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracegen"
)

func loadBench(b *testing.B) []byte {
	data, err := tracegen.BenchTrace()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	return data
}

// BenchmarkBareReader is the yardstick: x/exp/trace's read loop alone.
func BenchmarkBareReader(b *testing.B) {
	data := loadBench(b)
	for b.Loop() {
		r, err := trace.NewReader(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := r.ReadEvent(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRead is the model: decode and build.
func BenchmarkRead(b *testing.B) {
	data := loadBench(b)
	for _, c := range []struct {
		name     string
		decoders int
	}{{"1-decoder", 1}, {"2-decoders", 2}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := parse.Read(bytes.NewReader(data), parse.Options{Decoders: c.decoders}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
