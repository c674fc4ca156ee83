// Package units formats durations and sizes the same way in every output.
package units

import (
	"fmt"
	"strconv"
)

// Duration formats ns with three significant digits and a unit:
// "950 ns", "12.3 µs", "4.56 ms", "1.23 s"; minutes and hours past 100 s.
func Duration(ns int64) string {
	neg := ""
	if ns < 0 {
		neg, ns = "-", -ns
	}
	f := float64(ns)
	switch {
	case ns < 1000:
		return neg + strconv.FormatInt(ns, 10) + " ns"
	case ns < 999_500:
		return neg + sig3(f/1e3) + " µs"
	case ns < 999_500_000:
		return neg + sig3(f/1e6) + " ms"
	case ns < 100e9:
		return neg + sig3(f/1e9) + " s"
	case ns < 3600e9:
		return fmt.Sprintf("%s%dm%02ds", neg, ns/60e9, ns%60e9/1e9)
	}
	return fmt.Sprintf("%s%dh%02dm", neg, ns/3600e9, ns%3600e9/60e9)
}

// sig3 prints f (1 <= f < 1000) with three significant digits.
func sig3(f float64) string {
	switch {
	case f >= 99.95:
		return strconv.FormatFloat(f, 'f', 0, 64)
	case f >= 9.995:
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

// Bytes formats a size in binary units: "512 B", "1.5 KiB", "12.3 MiB".
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Percent formats a fraction as a whole percentage: "71%".
func Percent(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }
