package pprofout_test

import (
	"strings"
	"testing"

	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/pprofout"
)

// TestKindOf: every blocking reason has a kind whose profile holds it.
func TestKindOf(t *testing.T) {
	for _, r := range parse.BlockReasons {
		k, err := pprofout.Lookup(pprofout.KindOf(r))
		if err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		if r == parse.ReasonSyscall {
			if k.Name != "syscall" {
				t.Errorf("syscall: kind %s", k.Name)
			}
			continue
		}
		if k.Name == "block" && (r == parse.ReasonMutex || r == parse.ReasonChanRecv || r == parse.ReasonNetwork || r == parse.ReasonGC) {
			t.Errorf("%s has a kind of its own, got block", r)
		}
	}
}

// TestCommandFor: each of the report's tables names the command exporting
// it, with the trace's path quoted for a shell.
func TestCommandFor(t *testing.T) {
	for _, table := range []string{pprofout.TableBlockedByReason, pprofout.TableBlockedByGroup, pprofout.TableBlockedBySite,
		pprofout.TableNamed, pprofout.TableLeaks, pprofout.TableLatency, pprofout.TableGroups, "mutex"} {
		cmd, ok := pprofout.CommandFor(table, "out/my trace's.trace")
		if !ok {
			t.Errorf("%s: no command", table)
			continue
		}
		f := strings.Fields(cmd)
		if f[0] != "vizrun" || f[1] != "pprof" || f[2] != "-kind" {
			t.Errorf("%s: %q", table, cmd)
		}
		if _, err := pprofout.Lookup(f[3]); err != nil {
			t.Errorf("%s: %v", table, err)
		}
		if !strings.HasSuffix(cmd, ` 'out/my trace'\''s.trace'`) {
			t.Errorf("%s: %q does not quote the path", table, cmd)
		}
	}
	if _, ok := pprofout.CommandFor("tasks", "x"); ok {
		t.Error("a command for a table no profile exports")
	}
	if got := pprofout.ShellQuote("testdata/a-b_c.trace"); got != "testdata/a-b_c.trace" {
		t.Errorf("plain path quoted: %s", got)
	}
}
