package html

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vizrun/vizrun/internal/units"
)

// Numbers as the report prints them. Durations, in cards, sentences and
// tables alike (durColumn), use units.Duration (three significant digits,
// the unit that fits, minutes and hours past 100 s); and a number too small
// for its digits says so ("<0.01") rather than passing for zero.

// small formats a non-negative quantity with two decimals.
func small(f float64) string {
	if f > 0 && f < 0.005 {
		return "<0.01"
	}
	return strconv.FormatFloat(f, 'f', 2, 64)
}

// percent formats a fraction as a whole percentage.
func percent(f float64) string {
	if f > 0 && f < 0.005 {
		return "<1%"
	}
	return units.Percent(f)
}

// timeUnit is a unit durations are printed in.
type timeUnit struct {
	name string
	ns   float64
}

var timeUnits = []timeUnit{{"ns", 1}, {"µs", 1e3}, {"ms", 1e6}, {"s", 1e9}}

// unitFor is the largest unit in which ns is at least 1.
func unitFor(ns float64) timeUnit {
	u := timeUnits[0]
	for _, c := range timeUnits {
		if ns >= c.ns {
			u = c
		}
	}
	return u
}

// group separates the thousands of the integer part with thin spaces.
func group(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	if len(intPart) <= 4 {
		return s
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteRune('\u2009')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// traceUnit is the unit times since the trace start are printed in.
func traceUnit(duration int64) timeUnit {
	if duration <= 0 {
		return timeUnits[0]
	}
	return unitFor(float64(duration))
}

// atTime prints a time since the trace start in unit u with enough
// decimals for precision prec (ns).
func atTime(t int64, u timeUnit, prec int64) string {
	dec := 0
	if p := float64(max(prec, 1)) / u.ns; p < 1 {
		dec = int(math.Ceil(-math.Log10(p)))
	}
	return strconv.FormatFloat(float64(t)/u.ns, 'f', dec, 64) + " " + u.name
}

// maxName is the longest name (in runes) a label, table cell or legend
// shows; the detail panel shows up to maxFullName. Names reach 1 KiB in
// traces (the runtime's limit), and repeat in many places.
const (
	maxName     = 80
	maxFullName = 1024
)

// shorten cuts s to n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// plainCount says "1 thing" or "n things".
func plainCount(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// shortFunc drops the package path of a function name but its last
// element (and the one before a major-version suffix), so that what tells
// functions apart stays when a label is cut:
// "github.com/alitto/pond.(*WorkerPool).purge" is "pond.(*WorkerPool).purge",
// "github.com/panjf2000/ants/v2.(*goWorker).run.func1" is
// "ants/v2.(*goWorker).run.func1". Only the package path is looked at:
// slashes in type parameters ("F[...]") or after it stay.
func shortFunc(fn string) string {
	pkg := fn
	if i := strings.IndexAny(pkg, "[("); i >= 0 {
		pkg = pkg[:i]
	}
	slash := strings.LastIndexByte(pkg, '/')
	if slash < 0 {
		return fn
	}
	// The package path ends at the first dot after its last slash.
	if dot := strings.IndexByte(pkg[slash+1:], '.'); dot > 0 && isMajorVersion(pkg[slash+1:slash+1+dot]) {
		if prev := strings.LastIndexByte(pkg[:slash], '/'); prev >= 0 {
			slash = prev
		} else {
			return fn
		}
	}
	return fn[slash+1:]
}

// isMajorVersion says whether a path element is a module's major version
// suffix ("v2").
func isMajorVersion(s string) bool {
	if len(s) < 2 || s[0] != 'v' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
