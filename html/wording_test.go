package html

// Tests of the report's wording found by a user trial (issue 17).

import (
	"regexp"
	"strings"
	"testing"
)

// TestWaterfallLabels: each bar of the lost-parallelism waterfall says its
// own part in the width the axis shows (issue 17: every bar read "idle
// while goroutines were blocked on…"). The corpus' HTTP server queues on
// a mutex, so one bar is the mutex's.
func TestWaterfallLabels(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-mutex.trace.gz")
	d := readData(t, render(t, tr, Options{}))
	labels := d.Bars.Waterfall.Labels
	seen := map[string]bool{}
	for _, l := range labels {
		if n := len([]rune(l)); n > 38 {
			t.Errorf("waterfall label %q is %d characters, the axis cuts it at 38", l, n)
		}
		if seen[l] {
			t.Errorf("two waterfall bars read %q", l)
		}
		seen[l] = true
	}
	for _, want := range []string{"running the program", "idle: waiting for a P", "idle: blocked on mutex"} {
		if !seen[want] {
			t.Errorf("no waterfall bar %q in %q", want, labels)
		}
	}
	for _, l := range labels {
		if strings.HasPrefix(l, "idle while") {
			t.Errorf("waterfall bar %q: say which part, not 'idle while'", l)
		}
	}
}

// TestSitesSayWhatTheyAre: the call-site table's text is true of what
// parse.Site.Frame is (issue 17): an HTTP server's sites include frames of
// the standard library (net.(*netFD).Read, syscall.write), which are marked
// as such, and the program's own frames are not.
func TestSitesSayWhatTheyAre(t *testing.T) {
	tr := readTrace(t, "../testdata/corpus/http-healthy.trace.gz")
	page := string(render(t, tr, Options{}))
	if strings.Contains(page, "the first frame of the program's own code") {
		t.Error("the call-site caption still says every site is the program's own code")
	}
	sites := page[strings.Index(page, `<section id="sites">`):]
	sites = sites[:strings.Index(sites, "</section>")]
	std, own := 0, 0
	for _, m := range summaryRe.FindAllStringSubmatch(sites, -1) {
		fn, marked := m[1], strings.Contains(m[2], "(standard library)")
		switch {
		case strings.HasPrefix(fn, "net.") || strings.HasPrefix(fn, "syscall.") || strings.HasPrefix(fn, "net/http."):
			std++
			if !marked {
				t.Errorf("site %s is not marked standard library", fn)
			}
		case strings.HasPrefix(fn, "main."):
			own++
			if marked {
				t.Errorf("site %s is marked standard library", fn)
			}
		}
	}
	if std == 0 || own == 0 {
		t.Errorf("%d standard-library and %d program sites in the table, want some of each", std, own)
	}
}

var summaryRe = regexp.MustCompile(`<summary>(\S+) <span class="loc">[^<]*</span>(.*?)</summary>`)

// TestTableDurations: tables print durations as the rest of the report
// does (units.Duration), not a long wait as "4 322 156 ms" in the unit of
// its column's median (issue 17). The ants suite's goroutines were blocked
// on chan receive for 56.6 s of goroutine-time, beside waits of µs.
func TestTableDurations(t *testing.T) {
	long := regexp.MustCompile(`\d[\x{2009} ]\d{3}(\.\d+)? (ns|µs|ms|s)\b`)
	for _, name := range []string{"ants", "http-mutex", "mixed-long"} {
		tr := readTrace(t, "../testdata/corpus/"+name+".trace.gz")
		page := string(render(t, tr, Options{}))
		body := page[strings.Index(page, "<body"):strings.Index(page, `id="vz-data"`)]
		for _, m := range long.FindAllString(body, 5) {
			t.Errorf("%s: duration %q printed in too small a unit", name, m)
		}
		if name == "ants" && !strings.Contains(body, `<td class="num">56.6 s</td>`) {
			t.Errorf("ants: no 56.6 s of chan receive in the blocked-by-reason table")
		}
	}
}
