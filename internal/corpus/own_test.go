package corpus

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// TestOwnWorkLeftOut: the garbage collection the goroutine leak profile
// runs just before tracing stops is vizrun's work, not the program's. On
// every corpus trace that carries the profile, none of it is the
// program's blocked time, a call site, or on the program's critical path;
// the state totals still add up (Trace.Check), with the time in
// Totals.Own.
func TestOwnWorkLeftOut(t *testing.T) {
	traces, _ := filepath.Glob(filepath.Join(dir, "*.trace.gz"))
	checked, own := 0, int64(0)
	for _, path := range traces {
		tr, err := parse.ReadFile(path, parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !tr.LeakChecked {
			continue
		}
		checked++
		name := filepath.Base(path)
		if err := tr.Check(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		for _, g := range tr.Goroutines {
			if !g.System {
				own += g.Totals.Own
			}
		}
		for _, s := range tr.Sites {
			if f := tr.Frames[s.Frame].Func; strings.HasPrefix(f, "runtime/pprof.") {
				t.Errorf("%s: a call site of the program's in the leak profile: %s (%s)", name, f, s.Reason)
			}
		}
		// The program's wall time ends where the check's region began
		// (the recorder's vizrun.own region, the truth here), give or
		// take the few instructions before its garbage collection.
		sum := summary.Build(tr, name)
		if n := len(tr.Own); n == 0 {
			t.Errorf("%s: the leak check's region is missing", name)
		} else if own := tr.Own[n-1].Start; sum.ProgramNs < own || sum.ProgramNs > own+int64(2*time.Millisecond) || sum.Wall() != sum.ProgramNs {
			t.Errorf("%s: the program's wall time %d ns, the leak check began at %d ns", name, sum.ProgramNs, own)
		}
		for _, cp := range sum.Paths {
			for _, p := range cp.Parts {
				if strings.Contains(p.Category, "runtime/pprof.") {
					t.Errorf("%s: the critical path of %s %s goes through the leak profile: %s", name, cp.Of, cp.Instance, p.Category)
				}
			}
		}
	}
	if checked == 0 || own == 0 {
		t.Fatalf("%d traces carry the leak profile, %d ns of own work found: the test tests nothing", checked, own)
	}
	t.Logf("%d traces with the leak profile; %d ns of vizrun's own waits left out of the programs'", checked, own)
}
