package html

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime/trace"
	"strings"
	"testing"
	"time"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/internal/workload"
)

func render(t *testing.T, tr *parse.Trace, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, tr, summary.Build(tr, ""), opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readMixed(t *testing.T) *parse.Trace {
	t.Helper()
	tr, err := parse.ReadFile("../testdata/go1.26-mixed.trace", parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

var dataScript = regexp.MustCompile(`(?s)<script type="application/json" id="vz-data">(.*?)</script>`)

// readData extracts the JSON data of a report.
func readData(t testing.TB, page []byte) *pageData {
	t.Helper()
	m := dataScript.FindSubmatch(page)
	if m == nil {
		t.Fatal("no data script in the report")
	}
	var d pageData
	if err := json.Unmarshal(m[1], &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func TestVendoredECharts(t *testing.T) {
	sum := sha256.Sum256([]byte(echartsJS))
	if got := hex.EncodeToString(sum[:]); got != "bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1" {
		t.Errorf("assets/echarts.min.js is not echarts 5.6.0 from npm (sha256 %s)", got)
	}
	if !strings.Contains(echartsJS, `version="5.6.0"`) && !strings.Contains(echartsJS, `"5.6.0"`) {
		t.Error("assets/echarts.min.js does not say it is 5.6.0")
	}
	lic, err := os.ReadFile("assets/LICENSE-echarts.txt")
	if err != nil || !bytes.Contains(lic, []byte("Apache License")) {
		t.Errorf("echarts license missing: %v", err)
	}
}

// TestOffline: the page loads nothing: no src/href/url()/@import pointing
// anywhere, and no http(s) URL at all outside the vendored ECharts bundle
// (whose only URLs are XML namespaces and license links in comments).
func TestOffline(t *testing.T) {
	page := string(render(t, readMixed(t), Options{}))
	if !strings.Contains(page, echartsJS) {
		t.Fatal("echarts is not inlined")
	}
	rest := strings.Replace(page, echartsJS, "", 1)
	for _, m := range regexp.MustCompile(`(?i)\b(src|href|action|poster|formaction|srcset)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`).FindAllStringSubmatch(rest, -1) {
		if v := strings.Trim(m[2], `"'`); !strings.HasPrefix(v, "#") {
			t.Errorf("report has %s", m[0])
		}
	}
	for _, re := range []string{
		`(?i)url\s*\(`,
		`(?i)@import`,
		`(?i)https?://`,
		`(?i)<link\b`,
		`(?i)<iframe\b`,
		`(?i)<img\b`,
		`(?i)\bfetch\s*\(`,
		`(?i)XMLHttpRequest`,
	} {
		if loc := regexp.MustCompile(re).FindStringIndex(rest); loc != nil {
			t.Errorf("report has %q: ...%s...", re, rest[max(loc[0]-60, 0):min(loc[1]+60, len(rest))])
		}
	}
	for _, u := range regexp.MustCompile(`https?://[^"' )]*`).FindAllString(echartsJS, -1) {
		if !strings.Contains(u, "www.w3.org") && !strings.Contains(u, "apache.org/licenses") && !strings.Contains(u, "github.com/ecomfe/zrender/blob/master/LICENSE") {
			t.Errorf("echarts bundle references %s", u)
		}
	}
}

func TestDeterministic(t *testing.T) {
	tr := readMixed(t)
	a := render(t, tr, Options{Title: "x"})
	b := render(t, readMixed(t), Options{Title: "x"})
	if !bytes.Equal(a, b) {
		t.Error("two renders of the same trace differ")
	}
	for _, c := range chartTable {
		if c.Key == "flame" {
			continue // only with a wall-clock profile
		}
		if !bytes.Contains(a, []byte(`id="`+c.ID+`"`)) {
			t.Errorf("chart %s missing", c.ID)
		}
	}
}

// TestEscaping traces a program whose names are HTML and script, and checks
// that none of it reaches the page unescaped.
func TestEscaping(t *testing.T) {
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`</script><script>alert(2)</script>`,
		`"'><svg onload=alert(3)>`,
		`__f__alert(4)__f__`,
		"<!--",
	}
	data, err := workload.Capture(func() {
		ctx, task := trace.NewTask(context.Background(), payloads[0])
		for i, p := range payloads {
			done := make(chan struct{})
			workload.Go(p, func() {
				trace.WithRegion(ctx, p, func() { time.Sleep(time.Millisecond) })
				trace.Log(ctx, p, p)
				close(done)
			})
			<-done
			_ = i
		}
		task.End()
	})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := parse.Read(bytes.NewReader(data), parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page := string(render(t, tr, Options{Title: payloads[0], Source: payloads[1]}))
	for _, p := range payloads[:4] {
		if strings.Contains(page, p) {
			i := strings.Index(page, p)
			t.Errorf("payload %q appears unescaped: ...%s...", p, page[max(i-80, 0):min(i+80, len(page))])
		}
	}
	// One script element per asset, no more: nothing injected one.
	if n := strings.Count(strings.ToLower(page), "<script"); n != 5 {
		t.Errorf("%d script elements, want 5", n)
	}
	opts := regexp.MustCompile(`(?s)<script>(window\.vzOptions = .*?)</script>`).FindStringSubmatch(page)
	if opts == nil {
		t.Fatal("no options script")
	}
	if strings.Contains(opts[1], "alert") {
		t.Error("a name from the trace reached the chart options, which are script")
	}
	// The names are there, escaped, in the tables and the data.
	if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("goroutine name not shown escaped in the tables")
	}
	d := readData(t, []byte(page))
	labels := fmt.Sprint(d.Timeline.Rows)
	if !strings.Contains(labels, payloads[1]) {
		t.Errorf("timeline rows %s do not carry the names as data", labels)
	}
}

func TestRenderNil(t *testing.T) {
	if err := Render(&bytes.Buffer{}, nil, nil, Options{}); err == nil {
		t.Error("no error for a nil trace")
	}
}

// TestWindowReport: a report of a window of a trace says so, and the page
// shows the trace's times (pageData.Offset).
func TestWindowReport(t *testing.T) {
	tr, err := parse.ReadFile("../testdata/go1.26-mixed.trace", parse.Options{Window: [2]int64{30e6, 60e6}})
	if err != nil {
		t.Fatal(err)
	}
	page := render(t, tr, Options{Source: "mixed.trace"})
	d := readData(t, page)
	if d.Offset != 30e6 || d.Duration > 30e6+1 {
		t.Errorf("offset %d, duration %d: want the window [30 ms, 60 ms)", d.Offset, d.Duration)
	}
	if !strings.Contains(string(page), "a window of the trace, every span from 30.00 ms to 60.00 ms") {
		t.Error("the report does not say it shows a window")
	}
	if len(d.Timeline.Tiles) == 0 || d.Timeline.Tiles[0].Res != 0 {
		t.Errorf("a window report merges spans: %+v", d.Timeline.Tiles[0].Res)
	}
}
