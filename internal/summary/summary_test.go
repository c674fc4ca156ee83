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

// TestFleetTitles: a finding shared by traces keeps its title where they
// agree, and gets its rule's own where they do not (a leak the runtime
// proved in one trace and not in another is not "proven" in both).
func TestFleetTitles(t *testing.T) {
	leak := func(title string) Brief {
		return Brief{Kind: "goroutine-leak", Severity: "warning", Title: title, Subject: "main.worker"}
	}
	rows := []Row{
		{Source: "a.trace", Findings: []Brief{leak("Goroutine leak (proven)"), {Kind: "lock-contention", Severity: "warning", Title: "Lock contention", Subject: "mutex mu"}}},
		{Source: "b.trace", Findings: []Brief{leak("Goroutine leak"), {Kind: "lock-contention", Severity: "warning", Title: "Lock contention", Subject: "mutex mu"}}},
	}
	f := BuildFleet(rows)
	titles := map[string]string{}
	for _, a := range f.Across {
		titles[a.Kind] = a.Title
		if a.Traces != 2 {
			t.Errorf("%s in %d traces, want 2", a.Kind, a.Traces)
		}
	}
	if titles["goroutine-leak"] != "Goroutine leak" || titles["lock-contention"] != "Lock contention" {
		t.Errorf("titles %v", titles)
	}
}
