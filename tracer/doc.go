// Package tracer records what a Go program's goroutines do, so that vizrun
// can show it: where they ran, where they waited and on what, and how much
// parallelism the program got. Like runtime/trace, it imports only the
// standard library; the report writer, the wall-clock profile and the HTTP
// handler are packages of their own (tracer/report, tracer/wallclock,
// tracer/tracehttp), as net/http/pprof sits beside runtime/pprof.
//
// # Three lines
//
// The report comes from tracer/report:
//
//	s, err := report.Start(report.Config{ReportFile: "report.html"})
//	if err != nil { log.Fatal(err) }
//	defer s.Stop()
//
// This package's Start and Stop write the execution trace alone (vizrun
// report and go tool trace read it):
//
//	s, err := tracer.Start(tracer.Config{TraceFile: "run.trace"})
//	if err != nil { log.Fatal(err) }
//	defer func() {
//		if err := s.Stop(); err != nil { log.Print(err) }
//	}()
//
// # Naming things
//
// The Go runtime has no names for goroutines, locks or channels; the report
// is easier to read with them. Everything below costs close to nothing while
// no trace is being recorded, so it can stay in production code.
//
//	tracer.Go(ctx, "fetch-user", func(ctx context.Context) { ... }) // a named goroutine
//	defer tracer.Region(ctx, "parse").End()                        // a stretch of work
//	ctx, task := tracer.Task(ctx, "request")                       // work across goroutines
//	defer task.End()
//
//	mu := tracer.NewMutex("counter") // a sync.Mutex whose waits the report shows by name,
//	rw := tracer.NewRWMutex("cache") // with the goroutines that held it meanwhile
//
//	err := tracer.Send(ctx, "orders", ch, v)  // a channel send whose waits are named
//	v, err := tracer.Recv(ctx, "orders", ch)  // and a receive; both fail alike
//
// # Flight recorder
//
// A FlightRecorder keeps the last seconds of trace in memory, cheaply, so
// that when something goes wrong the moments before it can be saved:
//
//	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: 10 * time.Second})
//	fr.Start()
//	...
//	if slow { fr.WriteTo(f) } // or report.WriteFlight(f, fr)
//
// # Inside go test -trace
//
// The Go execution tracer can be started once per process. When it is
// already in use (go test -trace, net/http/pprof's trace endpoint), Start
// records with a flight recorder instead and the report says so; the
// trace then covers the last Config.FallbackWindow (a minute by default)
// before Stop. Set FallbackWindow to a negative value to get ErrTracerBusy
// instead.
//
// # Leaks
//
// Stop takes the runtime's goroutine leak profile before the tracer stops,
// when the runtime has it (Go 1.27; Go 1.26 built with
// GOEXPERIMENT=goroutineleakprofile), and writes the goroutines it proves
// leaked into the trace: the report calls them proven leaks, not only
// goroutines still blocked at the end.
//
// # Safety
//
// The tracer never panics its host: internal failures become errors.
// Files are written whole or not at all (a temporary file renamed into
// place), and checked at Start. Only one Session runs at a time; a second
// Start returns ErrActive. Stop of a Session Start did not return (a zero
// Session) is refused (ErrNotStarted) and stops nothing; when the program
// stops the execution tracer itself (runtime/trace.Stop) under a session,
// Stop says so (ErrStoppedElsewhere). A program that stops the tracer and
// starts its own trace before Stop gets that trace stopped: the tracer
// cannot tell the two apart.
package tracer
