//go:build browser

package browser_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLabelsAsShown: what the axes show, after the chart cuts a long
// label (vz.fmt.rowLabel), still tells rows apart (issue 17): the ants
// suite's purge goroutine from its workers, and each waterfall bar its
// part.
func TestLabelsAsShown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ants.html")
	vizrun(t, "report", "-o", path, "testdata/corpus/ants.trace.gz")
	p := openPage(t, path, 60*time.Second)
	checkLoaded(t, p, path)
	shown := eval[[]string](t, p, `vz.charts.timeline.getOption().yAxis[0].data.map(function (l) { return vz.fmt.rowLabel(l); })`)
	if len(shown) == 0 {
		t.Fatal("the timeline's axis shows no label")
	}
	// All the rows, as the axis would show them.
	rows := eval[[]string](t, p, `vz.tl.rows.map(function (r) { return vz.fmt.rowLabel(r.label); })`)
	purge := false
	for _, l := range append(shown, rows...) {
		if strings.Contains(l, "github.com/") {
			t.Errorf("timeline label %q shows the package path", l)
		}
		purge = purge || strings.HasSuffix(l, "purgeStaleWorkers")
	}
	if !purge {
		t.Errorf("no timeline label shows the purge goroutine's function: %q", rows)
	}
	tip := eval[string](t, p, `(vz.tl.rows.find(function (r) { return r.kind === 'g' && /purgeStaleWorkers/.test(r.label); }) || {}).full || ''`)
	if !strings.Contains(tip, "github.com/panjf2000/ants/v2.(*poolCommon).purgeStaleWorkers") {
		t.Errorf("the purge row's tooltip name is %q, want the full name", tip)
	}
	bars := eval[[]string](t, p, `vz.charts.waterfall.getOption().yAxis[0].data.map(function (l) { return vz.fmt.rowLabel(l); })`)
	seen := map[string]bool{}
	for _, l := range bars {
		if seen[l] {
			t.Errorf("two waterfall bars read %q", l)
		}
		seen[l] = true
	}
	if !seen["idle: blocked on chan receive"] {
		t.Errorf("waterfall bars %q: none says chan receive", bars)
	}
	eval[bool](t, p, `(document.getElementById('waterfall').scrollIntoView(), true)`)
	shoot(t, p, "waterfall-labels", false)
}
