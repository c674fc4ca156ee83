// Package tracer records what a Go program's goroutines do, so that vizrun
// can show it: where they ran, where they waited and on what, and how much
// parallelism the program got.
//
// # Three lines
//
//	s, err := tracer.Start(tracer.Config{ReportFile: "report.html"})
//	if err != nil { log.Fatal(err) }
//	defer s.Stop()
//
// When the program returns from main, report.html holds an offline HTML
// report: open it in a browser. Set Config.TraceFile to keep the execution
// trace too (vizrun report and go tool trace read it), and Config.WallClock
// to add a wall-clock flame graph. Run does Start, a function and Stop in
// one call, and writes the report even when the function panics.
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
//	tracer.Send(ctx, "orders", ch, v)       // a channel send whose waits are named
//	v, ok := tracer.Recv(ctx, "orders", ch) // and a receive
//
// # Flight recorder
//
// A FlightRecorder keeps the last seconds of trace in memory, cheaply, so
// that when something goes wrong the moments before it can be saved:
//
//	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: 10 * time.Second})
//	fr.Start()
//	...
//	if slow { fr.WriteReport(f) } // or fr.WriteTrace(f)
//
// # Live captures over HTTP
//
// Handler serves a page from which a running program can be traced for a
// few seconds, and the flight recorder's window fetched, as reports or raw
// traces. Mount it behind your own authentication, as you would
// net/http/pprof:
//
//	mux.Handle("/debug/vizrun/", tracer.Handler())
//
// One capture records at a time and stops when its client goes away; the
// tracer is free again before the answer is sent, and a client that reads
// too slowly is cut off. Handler's documentation lists its limits and
// status codes.
//
// # Inside go test -trace
//
// The Go execution tracer can be started once per process. When it is
// already in use (go test -trace, net/http/pprof's trace endpoint), Start
// records with a flight recorder instead and the report says so; the
// report then covers the last Config.FallbackWindow (a minute by default)
// before Stop. Set FallbackWindow to a negative value to get ErrTracerBusy
// instead.
//
// # Safety
//
// The tracer never panics its host: internal failures become errors.
// Files are written whole or not at all (a temporary file renamed into
// place). Only one Session runs at a time; a second Start returns ErrActive.
package tracer
