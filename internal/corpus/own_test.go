package corpus

import (
	"path/filepath"
	"strings"
	"testing"

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
		for _, cp := range summary.Build(tr, name).Paths {
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
