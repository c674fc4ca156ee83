// Package render turns a trace, and a wall-clock profile, into vizrun's
// HTML report, for tracer/report and tracer/tracehttp. It is heavy (the
// parser, the renderer, echarts): the light tracer package never imports
// it.
package render

import (
	"context"
	"fmt"
	"io"
	"runtime/trace"
	"time"

	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/html"
	"github.com/vizrun/vizrun/internal/parse"
	"github.com/vizrun/vizrun/internal/protocol"
	"github.com/vizrun/vizrun/internal/summary"
	"github.com/vizrun/vizrun/tracer/internal/core"
)

// Options say what the report shows.
type Options struct {
	Profile  []byte        // a wall-clock profile in pprof format, or nil
	Title    string        // the report's title
	Flight   bool          // the trace comes from the fallback flight recorder...
	Window   time.Duration // ...which kept about Window
	MaxSpans int           // parse.Options.MaxSpans
	Warnings []string      // added to the model's
}

// Write parses the trace r and writes its report to w. The work is the
// tracer's own: while a trace or flight recording goes on meanwhile, it
// is marked in it as a protocol.RegionOwn region, which the findings
// leave out.
func Write(w io.Writer, r io.Reader, o Options) (err error) {
	defer core.Recover(&err)
	defer trace.StartRegion(context.Background(), protocol.RegionOwn).End()
	t, err := parse.Read(r, parse.Options{MaxSpans: o.MaxSpans})
	if err != nil {
		return fmt.Errorf("reading the trace: %w", err)
	}
	if o.Flight {
		t.Warnings = append(t.Warnings, fmt.Sprintf("the execution tracer was in use elsewhere (go test -trace?), so this report comes from a flight recorder and covers about the last %v before Stop", o.Window))
	}
	t.Warnings = append(t.Warnings, o.Warnings...)
	opt := html.Options{Title: o.Title}
	if o.Profile != nil {
		if p, err := profile.ParseData(o.Profile); err == nil {
			opt.WallClock = p
		} else {
			t.Warnings = append(t.Warnings, "the wall-clock profile could not be read: "+err.Error())
		}
	}
	return html.Render(w, t, summary.Build(t, ""), opt)
}
