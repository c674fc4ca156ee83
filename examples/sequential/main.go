// Sequential: fetchUser (100 ms) then fetchOrder (80 ms), one after the
// other; the timeline shows the second wait starting only when the first
// ends, about 180 ms in all.
//
// Tutorial: "Sequential – One After Another". Awaiting one call before
// starting the next makes the total the sum of the waits.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// fetchUser and fetchOrder stand for network calls: they wait, as a
// goroutine waits for a reply, without using a CPU.
func fetchUser(ctx context.Context, id int) string {
	defer tracer.Region(ctx, "fetchUser").End()
	time.Sleep(100 * time.Millisecond)
	return fmt.Sprintf("User(id=%d)", id)
}

func fetchOrder(ctx context.Context, id int) string {
	defer tracer.Region(ctx, "fetchOrder").End()
	time.Sleep(80 * time.Millisecond)
	return fmt.Sprintf("Order(id=%d)", id)
}

func sequentialRequests(ctx context.Context) (string, string) {
	user := fetchUser(ctx, 1)    // wait 100 ms
	order := fetchOrder(ctx, 42) // then wait 80 ms
	return user, order           // total: about 180 ms
}

func main() {
	out := flag.String("o", "sequential.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		user, order := sequentialRequests(ctx)
		fmt.Printf("%s %s in %v\n", user, order, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
