// Package leaks lets tracer.Session.Stop prove goroutine leaks. Import it
// for its side effect, as net/http/pprof:
//
//	import _ "github.com/vizrun/vizrun/tracer/leaks"
//
// Then, just before the execution tracer stops, Stop (and a live capture of
// tracer/tracehttp) takes the runtime's goroutine leak profile and writes
// the ids of the goroutines it proves leaked (blocked on something no
// running goroutine can reach) into the trace, and the report calls them
// proven leaks. The runtime has that profile from Go 1.27, and in Go 1.26
// when the program is built with GOEXPERIMENT=goroutineleakprofile;
// without it nothing is written, and leaks stay candidates (still blocked
// when the trace ended).
//
// The profile needs runtime/pprof (eleven packages more in the binary),
// which the tracer package does not import so that it stays as light as
// runtime/trace. tracer/report and tracer/tracehttp import this package.
// Taking the profile costs a garbage collection.
package leaks

import (
	"bytes"
	"runtime/pprof"
	"strings"

	"github.com/vizrun/vizrun/tracer/internal/core"
)

func init() { core.ProvenLeaks = Proven }

// Proven returns the ids of the goroutines the runtime's goroutine leak
// profile proves leaked, and ok false when the runtime has no such
// profile.
func Proven() (ids []string, ok bool) {
	p := pprof.Lookup("goroutineleak")
	if p == nil {
		return nil, false
	}
	var b bytes.Buffer
	if err := p.WriteTo(&b, 2); err != nil {
		return nil, false
	}
	return leakedIDs(b.String()), true
}

// leakedIDs lists the ids of the goroutines a dump (the profile at debug
// level 2) marks leaked. Headers look like
// "goroutine 7 [chan receive (leaked), 2 minutes]:", with more words
// between the id and the bracket under some GOTRACEBACK settings.
func leakedIDs(dump string) []string {
	ids := []string{}
	for _, line := range strings.Split(dump, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "goroutine" || !strings.HasSuffix(line, ":") {
			continue
		}
		open, end := strings.IndexByte(line, '['), strings.LastIndexByte(line, ']')
		if open < 0 || end < open {
			continue
		}
		status, _, _ := strings.Cut(line[open+1:end], ",")
		if strings.HasSuffix(status, " (leaked)") {
			ids = append(ids, f[1])
		}
	}
	return ids
}
