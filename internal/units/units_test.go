package units

import "testing"

func TestDuration(t *testing.T) {
	for _, c := range []struct {
		ns   int64
		want string
	}{
		{0, "0 ns"}, {999, "999 ns"}, {1000, "1.00 µs"}, {12345, "12.3 µs"}, {999499, "999 µs"},
		{999999, "1.00 ms"}, {999_499, "999 µs"}, {1e6, "1.00 ms"}, {45_600_000, "45.6 ms"}, {1_234_000_000, "1.23 s"},
		{99_990_000_000, "100 s"}, {125e9, "2m05s"}, {7300e9, "2h01m"}, {-1500, "-1.50 µs"},
	} {
		if got := Duration(c.ns); got != c.want {
			t.Errorf("Duration(%d) = %q, want %q", c.ns, got, c.want)
		}
	}
}

func TestBytes(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {10 << 20, "10.0 MiB"}, {3 << 30, "3.0 GiB"}} {
		if got := Bytes(c.n); got != c.want {
			t.Errorf("Bytes(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
