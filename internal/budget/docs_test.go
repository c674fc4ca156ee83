package budget_test

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/budget"
	"github.com/vizrun/vizrun/internal/findings"
)

var update = flag.Bool("update", false, "rewrite the generated parts of BUDGET.md and SCHEMA.md")

// thresholdsTable is BUDGET.md's table of thresholds, from findings.Rules.
func thresholdsTable() string {
	var b strings.Builder
	b.WriteString("| threshold | default | meaning |\n|---|---|---|\n")
	for _, r := range findings.Rules {
		if len(r.Params) == 0 {
			continue
		}
		var names, defs []string
		for _, p := range r.Params {
			names = append(names, "`"+p.Name+"`")
			defs = append(defs, "`"+p.Format(&findings.Default)+"`")
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", strings.Join(names, ", "), strings.Join(defs, ", "), r.Doc)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func kindList() string {
	var ks []string
	for _, k := range findings.Kinds() {
		ks = append(ks, "`"+k+"`")
	}
	return strings.Join(ks, ", ")
}

// TestDocsFollowRules: the lists of finding kinds and thresholds in
// BUDGET.md and SCHEMA.md are those of findings.Rules (-update rewrites them).
func TestDocsFollowRules(t *testing.T) {
	for _, doc := range []struct {
		path  string
		parts map[string]string
	}{
		{"BUDGET.md", map[string]string{"thresholds": thresholdsTable(), "kinds": kindList()}},
		{"../summary/SCHEMA.md", map[string]string{"kinds": kindList()}},
	} {
		data, err := os.ReadFile(doc.path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		for name, want := range doc.parts {
			re := regexp.MustCompile(`(?s)(<!-- ` + name + `[^>]*-->\n?)(.*?)(\n?<!-- /` + name + ` -->)`)
			m := re.FindStringSubmatch(text)
			if m == nil {
				t.Errorf("%s has no <!-- %s --> part", doc.path, name)
				continue
			}
			if m[2] != want {
				if *update {
					text = strings.Replace(text, m[0], m[1]+want+m[3], 1)
					continue
				}
				t.Errorf("%s: the %s part is not what findings.Rules says (go test ./internal/budget -update):\n%s", doc.path, name, want)
			}
		}
		if *update {
			if err := os.WriteFile(doc.path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestZeroThresholdIsKept: an explicit zero is a threshold of zero, not the
// default; unset ones keep their defaults; unknown and negative ones are
// refused.
func TestZeroThresholdIsKept(t *testing.T) {
	b, err := budget.Parse([]byte(`{"thresholds": {"leak_min_blocked": "0s", "contention_min_share": 0, "leak_critical": 0}}`))
	if err != nil {
		t.Fatal(err)
	}
	th := b.Thresholds.Findings()
	if th.LeakMinBlocked != 0 || th.ContentionMinShare != 0 || th.LeakCritical != 0 {
		t.Errorf("explicit zeros replaced: %+v", th)
	}
	if th.SerialMinDuration != findings.Default.SerialMinDuration || th.GCMaxPause != findings.Default.GCMaxPause {
		t.Errorf("unset thresholds lost their defaults: %+v", th)
	}
	for _, bad := range []string{`{"leak_min_blockd": "1s"}`, `{"leak_min_blocked": "-1s"}`, `{"io_min_share": -0.5}`, `{"leak_critical": 1.5}`, `{"gc_max_pause": 5}`} {
		if _, err := budget.Parse([]byte(`{"thresholds": ` + bad + `}`)); err == nil {
			t.Errorf("thresholds %s accepted", bad)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("multi-line error: %q", err)
		}
	}
}
