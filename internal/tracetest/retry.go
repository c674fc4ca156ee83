package tracetest

import (
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// Tries is how many times RecordFit records a workload whose claims need
// the CPU before it gives up and lets the test check the last recording.
const Tries = 5

// RecordFit records fn as Record does until disturbed finds nothing wrong
// with the trace, at most Tries times. disturbed says, from the trace (or
// what fn saw), why a recording cannot back the test's claims on a busy
// machine, e.g. "the OS did not run the busy-waiter for 40ms of its 100ms":
// a reason the machine gave, never one the code under test could cause
// every time. Each disturbed try is logged; after the last one the test
// checks that recording and fails with its own message, so a real fault,
// which disturbs every try, is still reported. RecordFit returns the last
// trace.
func RecordFit(t testing.TB, fn func(), disturbed func(*parse.Trace) string) *parse.Trace {
	t.Helper()
	for try := 1; ; try++ {
		tr := Record(t, fn)
		why := disturbed(tr)
		if why == "" {
			if try > 1 {
				t.Logf("recorded on try %d of %d", try, Tries)
			}
			return tr
		}
		t.Logf("try %d of %d disturbed: %s", try, Tries, why)
		if try == Tries {
			t.Logf("all %d tries disturbed; checking the last", Tries)
			return tr
		}
	}
}
