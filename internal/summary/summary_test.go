package summary

import "testing"

func TestCleanKeepsTerminalSafe(t *testing.T) {
	for in, want := range map[string]string{
		"worker":             "worker",
		"evil\x1b[2Jname":    "evil?[2Jname",
		"line\nbreak\r":      "line?break?",
		"tab\there":          "tab?here",
		"unicode: héllo, 世界": "unicode: héllo, 世界",
		"c1\u009bcontrol":    "c1?control",
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}
