package tracer_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/vizrun/vizrun/tracer"
)

func Example() {
	dir, _ := os.MkdirTemp("", "vizrun-example")
	defer os.RemoveAll(dir)

	s, err := tracer.Start(tracer.Config{ReportFile: filepath.Join(dir, "report.html")})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Stop()

	// ... the program ...
	done := make(chan struct{})
	tracer.Go(context.Background(), "worker", func(ctx context.Context) { close(done) })
	<-done
}

func ExampleRun() {
	dir, _ := os.MkdirTemp("", "vizrun-example")
	defer os.RemoveAll(dir)
	report := filepath.Join(dir, "report.html")

	err := tracer.Run(tracer.Config{ReportFile: report}, func(ctx context.Context) error {
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
	_, err = os.Stat(report)
	fmt.Println("report written:", err == nil)
	// Output:
	// counter: 5
	// report written: true
}

func ExampleNewFlightRecorder() {
	fr := tracer.NewFlightRecorder(tracer.FlightConfig{MinAge: 5 * time.Second})
	if err := fr.Start(); err != nil {
		log.Fatal(err)
	}
	defer fr.Stop()

	// ... when something goes wrong, keep the last seconds:
	f, err := os.CreateTemp("", "incident-*.html")
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	if err := fr.WriteReport(f); err != nil {
		log.Fatal(err)
	}
	f.Close()
}

func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/debug/vizrun/", tracer.Handler())
	// http.ListenAndServe("localhost:6060", mux), behind your own auth.
}

func ExampleSend() {
	ctx := context.Background()
	orders := make(chan string)
	tracer.Go(ctx, "kitchen", func(ctx context.Context) {
		order, _ := tracer.Recv(ctx, "orders", orders)
		fmt.Println("cooking", order)
		close(orders)
	})
	if err := tracer.Send(ctx, "orders", orders, "soup"); err != nil {
		log.Fatal(err)
	}
	<-orders // wait for the kitchen
	// Output: cooking soup
}
