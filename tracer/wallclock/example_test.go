package wallclock_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/vizrun/vizrun/tracer/wallclock"
)

func ExampleStart() {
	p := wallclock.Start()
	time.Sleep(50 * time.Millisecond) // ... the program ...
	prof, err := p.Stop()
	if err != nil {
		log.Fatal(err)
	}
	f, err := os.CreateTemp("", "wall-*.pprof") // go tool pprof reads it
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(prof); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Println("profile written")
	// Output: profile written
}

func ExampleRate() {
	fmt.Println(wallclock.Rate(10))
	fmt.Printf("%.1f\n", wallclock.Rate(10000))
	// Output:
	// 99
	// 2.7
}
