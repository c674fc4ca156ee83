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
// Taking the profile costs a garbage collection and a dump of every
// goroutine's stack; with more than MaxGoroutines goroutines alive it is
// not taken.
package leaks

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/vizrun/vizrun/tracer/internal/core"
)

func init() { core.ProvenLeaks = Proven }

// MaxGoroutines bounds the check: with more goroutines alive, Proven does
// not take the profile (ok is false), because its text holds every
// goroutine's stack (the runtime builds it whole, up to 64 MiB) and the
// check would cost the host that memory.
const MaxGoroutines = 10000

// Proven returns the ids of the goroutines the runtime's goroutine leak
// profile proves leaked, and ok false when the runtime has no such
// profile or more than MaxGoroutines goroutines are alive.
func Proven() (ids []string, ok bool) {
	p := pprof.Lookup("goroutineleak")
	if p == nil || runtime.NumGoroutine() > MaxGoroutines {
		return nil, false
	}
	sc := &headerScanner{ids: []string{}}
	if err := p.WriteTo(sc, 2); err != nil {
		return nil, false
	}
	sc.Write([]byte("\n")) // the last line
	return sc.ids, true
}

// maxLine is as much of a line as headerScanner keeps: a goroutine header
// is shorter.
const maxLine = 512

// headerScanner reads a goroutine dump line by line as it is written,
// keeping only the ids of the goroutines marked leaked.
type headerScanner struct {
	line []byte
	ids  []string
}

func (s *headerScanner) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		end := i
		if i < 0 {
			end = len(p)
		}
		if room := maxLine - len(s.line); room > 0 {
			s.line = append(s.line, p[:min(end, room)]...)
		}
		if i < 0 {
			break
		}
		if id, ok := leakedHeader(string(s.line)); ok {
			s.ids = append(s.ids, id)
		}
		s.line = s.line[:0]
		p = p[i+1:]
	}
	return n, nil
}

// leakedIDs lists the ids of the goroutines a dump marks leaked.
func leakedIDs(dump string) []string {
	sc := &headerScanner{ids: []string{}}
	sc.Write([]byte(dump + "\n"))
	return sc.ids
}

// leakedHeader reads a goroutine header marked leaked, returning its id.
// Headers look like "goroutine 7 [chan receive (leaked), 2 minutes]:",
// with more words between the id and the bracket under some GOTRACEBACK
// settings.
func leakedHeader(line string) (id string, ok bool) {
	f := strings.Fields(line)
	if len(f) < 3 || f[0] != "goroutine" || !strings.HasSuffix(line, ":") {
		return "", false
	}
	open, end := strings.IndexByte(line, '['), strings.LastIndexByte(line, ']')
	if open < 0 || end < open {
		return "", false
	}
	status, _, _ := strings.Cut(line[open+1:end], ",")
	return f[1], strings.HasSuffix(status, " (leaked)")
}
