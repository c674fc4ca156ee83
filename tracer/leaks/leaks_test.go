package leaks

import (
	"slices"
	"strings"
	"testing"
)

func TestLeakedIDs(t *testing.T) {
	dump := "goroutine 1 [running]:\nmain.main()\n\n" +
		"goroutine 7 [chan receive (leaked), 2 minutes]:\nmain.leak.func1()\n\n" +
		"goroutine 9 gp=0xc000 m=nil [select (leaked)]:\nmain.f()\n\n" +
		"goroutine 8 [chan receive]:\nmain.g()\n"
	if got := leakedIDs(dump); !slices.Equal(got, []string{"7", "9"}) {
		t.Errorf("leakedIDs: %q, want 7 and 9", got)
	}
	if got := leakedIDs(""); got == nil || len(got) != 0 {
		t.Errorf("leakedIDs of nothing: %#v, want an empty list", got)
	}
}

// TestHeaderScannerPieces: the dump arrives in pieces of any size, and
// long stack lines are cut without harm.
func TestHeaderScannerPieces(t *testing.T) {
	dump := "goroutine 3 [chan receive (leaked)]:\n" + strings.Repeat("x", 5000) + "\n\ngoroutine 4 [select]:\nf()\n\ngoroutine 5 [sync.Mutex.Lock (leaked), 3 minutes]:\ng()\n"
	for _, size := range []int{1, 7, 100, len(dump)} {
		sc := &headerScanner{ids: []string{}}
		for b := []byte(dump); len(b) > 0; {
			k := min(size, len(b))
			sc.Write(b[:k])
			b = b[k:]
		}
		if !slices.Equal(sc.ids, []string{"3", "5"}) {
			t.Errorf("pieces of %d: %q, want 3 and 5", size, sc.ids)
		}
	}
}

// TestProvenHere: on this runtime Proven either has no profile, or finds
// no leak in a test binary that leaked nothing.
func TestProvenHere(t *testing.T) {
	ids, ok := Proven()
	t.Logf("profile available: %v, ids %q", ok, ids)
	if ok && len(ids) != 0 {
		t.Errorf("proven leaks in a test that leaked nothing: %q", ids)
	}
}
