package parse_test

import (
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
)

// TestSitesInTestPackages: a package's own tests are the program, even for
// a package whose library code vizrun treats as a blocking primitive
// (golang.org/x/sync): the semaphore suite's waits are sited at its test
// functions, not at time.Sleep or the semaphore's internals.
func TestSitesInTestPackages(t *testing.T) {
	tr, err := parse.ReadFile("../../testdata/corpus/semaphore.trace.gz", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tr.Sites {
		if strings.HasPrefix(tr.Frames[s.Frame].Func, "golang.org/x/sync/semaphore_test.") {
			return
		}
	}
	var got []string
	for _, s := range tr.Sites {
		got = append(got, tr.Frames[s.Frame].Func)
	}
	t.Errorf("no call site in golang.org/x/sync/semaphore_test: %q", got)
}
