package parse_test

import (
	"path/filepath"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestInvariants: every committed trace, read at full detail and coarsened,
// keeps the model's invariants.
func TestInvariants(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/*.trace")
	old, _ := filepath.Glob("../../testdata/old/*.trace")
	corpus, _ := filepath.Glob("../../testdata/corpus/*.trace.gz")
	if testing.Short() {
		corpus = nil // most of the time goes to the corpus: -short checks the small traces only
	}
	files = append(append(files, old...), corpus...)
	if len(files) == 0 {
		t.Fatal("no committed traces found")
	}
	for _, f := range files {
		for _, max := range []int{0, 2000} {
			tr, err := parse.ReadFile(f, parse.Options{MaxSpans: max})
			if err != nil {
				t.Errorf("%s: %v", f, err)
				continue
			}
			if err := tr.Check(); err != nil {
				t.Errorf("%s (max spans %d): %v", filepath.Base(f), max, err)
			}
		}
	}
}
