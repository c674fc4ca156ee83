package summary

import "testing"

// TestDiffWall: when vizrun's leak check went on after a program, diff
// compares the programs' wall times, not the traces' (a user trial: a
// run with GOGC=off was 12% faster, but its check's collection of a big
// heap made its trace 46% longer).
func TestDiffWall(t *testing.T) {
	a := &Summary{DurationNs: 601e6, ProgramNs: 596e6}
	b := &Summary{DurationNs: 875e6, ProgramNs: 522e6}
	m := Compare(a, b).Metrics[0]
	if m.A != 596e6 || m.B != 522e6 || m.Name != "wall time (to vizrun's leak check)" {
		t.Errorf("wall time metric %+v", m)
	}
	c := &Summary{DurationNs: 700e6}
	if m := Compare(c, c).Metrics[0]; m.Name != "wall time" || m.A != 700e6 {
		t.Errorf("without a leak check: %+v", m)
	}
}
