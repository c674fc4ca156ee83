package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/tracetest"
	"github.com/vizrun/vizrun/tracer"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// traceOf records fn with the tracer into a file.
func traceOf(t *testing.T, dir, name string, fn func(ctx context.Context)) string {
	t.Helper()
	p := filepath.Join(dir, name)
	s, err := tracer.Start(tracer.Config{TraceFile: p})
	if err != nil {
		t.Fatal(err)
	}
	fn(context.Background())
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	// A trace with a contended named lock.
	locked := traceOf(t, dir, "locked.trace", func(ctx context.Context) {
		mu := tracer.NewMutex("counter")
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			tracer.Go(ctx, "locker", func(ctx context.Context) {
				defer wg.Done()
				mu.Lock()
				time.Sleep(10 * time.Millisecond)
				mu.Unlock()
			})
		}
		wg.Wait()
	})
	for _, c := range []struct {
		name, budget string
		traces       []string
		code         int
		want         []string
	}{
		{"leak over budget", `{"max_leaked_goroutines": 0}`, []string{mixed}, 1, []string{"leaked goroutines: 1, budget 0"}},
		{"leak within budget", `{"max_leaked_goroutines": 1}`, []string{mixed}, 0, []string{"within budget: 1 trace"}},
		{"parallelism", `{"min_avg_parallelism": 1.9}`, []string{mixed}, 1, []string{"average parallelism: 0."}},
		{"forbidden finding", `{"forbid_findings": ["goroutine-leak"]}`, []string{mixed}, 1, []string{"forbidden finding goroutine-leak"}},
		{"named lock", `{"locks": {"counter": {"max_total_wait": "5ms", "max_waits": 1}}}`, []string{locked}, 1,
			[]string{`mutex "counter" total wait:`, `mutex "counter" waits: 2, budget 1`}},
		{"named lock within", `{"locks": {"counter": {"max_total_wait": "10s"}, "absent": {"max_waits": 0}}}`, []string{locked}, 0, []string{"within budget"}},
		{"blocked by reason", `{"max_blocked": {"sleep": "1ms"}}`, []string{mixed, locked}, 1, []string{"mixed.trace: blocked on sleep:", "locked.trace: blocked on sleep:"}},
		{"thresholds silence a finding", `{"forbid_findings": ["lock-contention"], "thresholds": {"contention_min_share": 0.9}}`, []string{mixed}, 0, []string{"within budget"}},
		{"directory", `{"max_leaked_goroutines": 0}`, []string{dir}, 0, []string{"within budget: 1 trace"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := writeFile(t, t.TempDir(), "budget.json", c.budget)
			out, errs, code := vizrun(t, nil, append([]string{"check", "-budget", b}, c.traces...)...)
			if code != c.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, c.code, out, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output %q lacks %q", out, w)
				}
			}
		})
	}
	// Mistakes in the budget are errors, not silent passes.
	for _, bad := range []string{`{"max_leaks": 0}`, `{"max_blocked": {"mutexx": "1s"}}`, `{"max_duration": 5}`, `{"max_findings": {"fatal": 0}}`, `not json`} {
		b := writeFile(t, t.TempDir(), "budget.json", bad)
		_, errs, code := vizrun(t, nil, "check", "-budget", b, mixed)
		if code != 1 || !strings.Contains(errs, "budget") {
			t.Errorf("budget %s: exit %d, stderr %q; want a clear error", bad, code, errs)
		}
	}
	if _, errs, code := vizrun(t, nil, "check", "-format", "xml", mixed); code != 2 || !strings.Contains(errs, "use text, github or json") {
		t.Errorf("check -format xml: exit %d, %q", code, errs)
	}
}

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	fetch := func(ctx context.Context, name string, d time.Duration) {
		defer tracer.Region(ctx, name).End()
		time.Sleep(d)
	}
	a := traceOf(t, dir, "a.trace", func(ctx context.Context) {
		fetch(ctx, "fetchUser", 60*time.Millisecond)
		fetch(ctx, "fetchOrder", 50*time.Millisecond)
	})
	quit := make(chan struct{})
	defer close(quit)
	b := traceOf(t, dir, "b.trace", func(ctx context.Context) {
		var wg sync.WaitGroup
		for _, f := range []struct {
			name string
			d    time.Duration
		}{{"fetchUser", 60 * time.Millisecond}, {"fetchOrder", 50 * time.Millisecond}} {
			wg.Add(1)
			tracer.Go(ctx, f.name, func(ctx context.Context) { defer wg.Done(); fetch(ctx, f.name, f.d) })
		}
		tracer.Go(ctx, "forgotten", func(ctx context.Context) { <-quit }) // a leak B adds
		wg.Wait()
		time.Sleep(15 * time.Millisecond)
	})
	html := filepath.Join(dir, "diff.html")
	out, errs, code := vizrun(t, nil, "diff", "-o", html, a, b)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"wall time", "region fetchUser", "region fetchOrder", "findings that appeared in B", "Goroutine leak: 1 goroutine (forgotten)"} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	// B ran the fetches side by side, so its wall time is lower, unless a
	// busy machine stretched it: the sign the diff shows is the one the two
	// traces' own durations give, and B's fetches did overlap.
	ta, err := parse.ReadFile(a, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tb, err := parse.ReadFile(b, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	user, order := tracetest.Region(t, tb, "fetchUser"), tracetest.Region(t, tb, "fetchOrder")
	if tracetest.Overlap(user.Start, user.End, order.Start, order.End) == 0 {
		t.Errorf("B's fetches did not overlap: %+v %+v", user, order)
	}
	sign := ""
	switch {
	case float64(tb.Duration) < 0.95*float64(ta.Duration):
		sign = "-"
	case float64(tb.Duration) > 1.05*float64(ta.Duration):
		sign = "+"
	}
	var wall string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "wall time") {
			wall = line
		}
	}
	if wall == "" || (sign != "" && !strings.Contains(wall, sign)) {
		t.Errorf("wall time line %q, want the sign %q of B's %v against A's %v", wall, sign, time.Duration(tb.Duration), time.Duration(ta.Duration))
	}
	page, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(page), "vz-diff-regions") || !strings.Contains(string(page), "Appeared in B") {
		t.Errorf("diff page: %v", err)
	}
	// The program's critical path is charted, by the parts the text names.
	if !strings.Contains(string(page), "vz-diff-path") || !strings.Contains(out, "the program's critical path") {
		t.Errorf("diff: no critical path chart or section")
	}
	var diffData struct {
		Bars map[string]struct {
			Labels []string `json:"labels"`
		} `json:"bars"`
	}
	if m := regexp.MustCompile(`(?s)<script type="application/json" id="vz-data">(.*?)</script>`).FindSubmatch(page); m == nil {
		t.Error("diff page: no data")
	} else if err := json.Unmarshal(m[1], &diffData); err != nil {
		t.Errorf("diff page data: %v", err)
	} else if l := diffData.Bars["diff-path"].Labels; len(l) == 0 || slices.ContainsFunc(l, func(s string) bool { return !strings.Contains(out, s) }) {
		t.Errorf("diff page: critical path parts %q, want those the text lists", l)
	}
	if _, errs, code := vizrun(t, nil, "diff", a); code != 2 || !strings.Contains(errs, "two traces") {
		t.Errorf("diff with one trace: exit %d %q", code, errs)
	}
}
