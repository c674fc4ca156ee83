package html

import (
	"bytes"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
)

// FuzzRender: whatever trace parses renders to a whole page, and whatever
// strings the trace holds (names, logs, region types, stack frames) cannot
// add an element that runs script: the page has exactly the report's own
// script elements. Seeds: testdata/fuzz/FuzzRender, written with the
// parser's (see internal/parse/fuzz_test.go).
func FuzzRender(f *testing.F) {
	// What the report's own markup has, from a real trace's report.
	tr, err := parse.ReadFile("../testdata/go1.26-mixed.trace", parse.Options{})
	if err != nil {
		f.Fatal(err)
	}
	var base bytes.Buffer
	if err := Render(&base, tr, summary.Build(tr, ""), Options{}); err != nil {
		f.Fatal(err)
	}
	markup := []string{"<script", "<iframe", "<img", "<link", "<object", "<embed", " src=", " href=", "javascript:", " onerror=", " onload="}
	want := map[string]int{}
	for _, m := range markup {
		want[m] = strings.Count(strings.ToLower(base.String()), m)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := parse.Read(bytes.NewReader(data), parse.Options{MaxSpans: 512})
		if err != nil {
			return
		}
		if err := tr.Check(); err != nil {
			t.Fatalf("invariants: %v", err)
		}
		var buf bytes.Buffer
		if err := Render(&buf, tr, summary.Build(tr, ""), Options{Title: "fuzz", MaxRows: 50}); err != nil {
			t.Fatalf("render: %v", err)
		}
		page := strings.ToLower(buf.String())
		if !strings.HasSuffix(strings.TrimSpace(page), "</html>") {
			t.Fatalf("the page does not end with </html>: ...%s", page[max(len(page)-200, 0):])
		}
		for _, m := range markup {
			if n := strings.Count(page, m); n > want[m] || m == "<script" && n != want[m] {
				t.Fatalf("%d %q in the page, the report's own markup has %d", n, m, want[m])
			}
		}
	})
}
