package report_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// The three-line embed: report.html is written when main returns.
func Example() {
	dir, err := os.MkdirTemp("", "vizrun-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	s, err := report.Start(report.Config{ReportFile: filepath.Join(dir, "report.html")})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			log.Print(err) // the report could not be written
		}
	}()

	// ... the program ...
	done := make(chan struct{})
	tracer.Go(context.Background(), "worker", func(ctx context.Context) { close(done) })
	<-done
	fmt.Println("worked")
	// Output: worked
}

func ExampleStart() {
	dir, err := os.MkdirTemp("", "vizrun-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := report.Config{
		ReportFile: filepath.Join(dir, "report.html"),
		TraceFile:  filepath.Join(dir, "run.trace"), // kept for vizrun report, go tool trace
	}
	s, err := report.Start(cfg)
	if err != nil {
		log.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		log.Fatal(err)
	}
	_, rerr := os.Stat(cfg.ReportFile)
	_, terr := os.Stat(cfg.TraceFile)
	fmt.Println("report and trace written:", rerr == nil && terr == nil)
	// A file that cannot be written fails at Start, not at Stop.
	_, err = report.Start(report.Config{ReportFile: dir})
	fmt.Println("a directory refused:", err != nil)
	// Output:
	// report and trace written: true
	// a directory refused: true
}

func ExampleRun() {
	dir, err := os.MkdirTemp("", "vizrun-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "report.html")

	// Run returns fn's error joined with Stop's.
	err = report.Run(report.Config{ReportFile: path}, func(ctx context.Context) error {
		mu := tracer.NewMutex("counter")
		counter := 0
		done := make(chan struct{})
		for range 5 {
			tracer.Go(ctx, "incrementer", func(ctx context.Context) {
				mu.Lock()
				counter++
				mu.Unlock()
				done <- struct{}{}
			})
		}
		for range 5 {
			<-done
		}
		fmt.Println("counter:", counter)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = os.Stat(path)
	fmt.Println("report written:", err == nil)
	// Output:
	// counter: 5
	// report written: true
}

func ExampleSession_Stop() {
	var zero report.Session
	fmt.Println(errors.Is(zero.Stop(), tracer.ErrNotStarted))
	// Output: true
}

func ExampleWriteFlight() {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{Title: "incident"})
	if err := fr.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := fr.Stop(); err != nil {
			log.Print(err)
		}
	}()
	// ... when something goes wrong, the report of the last seconds:
	f, err := os.CreateTemp("", "incident-*.html")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	err = report.WriteFlight(f, fr)
	if err := errors.Join(err, f.Close()); err != nil {
		log.Fatal(err)
	}
	fmt.Println("report written")
	// Output: report written
}

func ExampleSession_Mode() {
	dir, err := os.MkdirTemp("", "vizrun-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := report.Start(report.Config{ReportFile: filepath.Join(dir, "report.html")})
	if err != nil {
		log.Fatal(err)
	}
	defer func() {
		if err := s.Stop(); err != nil {
			log.Print(err)
		}
	}()
	if s.Mode() == tracer.ModeFlight { // under go test -trace
		log.Print("the report will cover the last minute before Stop")
	}
	fmt.Println("recording")
	// Output: recording
}
