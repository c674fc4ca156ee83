package leaks

import (
	"slices"
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
