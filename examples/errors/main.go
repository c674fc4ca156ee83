// Errors: in an errgroup, "fetch-settings" fails after 30 ms and the group's
// context stops "fetch-user" and "fetch-orders" at that moment instead of
// after their full second; the result is the first error and no goroutine is
// left behind.
//
// Tutorial: "Async Error Handling". A Go function returns its error as a
// value and the caller writes `if err != nil { return err }` where Rust
// writes `?`. Across goroutines, errgroup.WithContext does what `?` does
// inside try_join!: the first error is the result, and the context it
// gives the other calls is cancelled so they stop early.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

// The fake endpoints: how long each takes to answer and whether it fails.
var endpoints = map[string]struct {
	latency time.Duration
	err     error
}{
	"https://example.com/user":     {time.Second, nil},
	"https://example.com/orders":   {time.Second, nil},
	"https://example.com/settings": {30 * time.Millisecond, errors.New("503 Service Unavailable")},
}

// fetchData stands for an HTTP GET; like one made with a context, it gives
// up when ctx is done.
func fetchData(ctx context.Context, url string) (string, error) {
	if url == "" {
		return "", errors.New("URL cannot be empty")
	}
	ep, ok := endpoints[url]
	if !ok {
		return "", fmt.Errorf("%s: 404 Not Found", url)
	}
	t := time.NewTimer(ep.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	if ep.err != nil {
		return "", fmt.Errorf("%s: %w", url, ep.err)
	}
	return "Data from " + url, nil
}

// process is the tutorial's `let data = fetch_data(url).await?;`.
func process(ctx context.Context, url string) error {
	data, err := fetchData(ctx, url)
	if err != nil {
		return err // the ?
	}
	fmt.Println("Processing:", data)
	return nil
}

// fetchAll fetches the three endpoints at once. The first error cancels
// gctx, which the other fetches watch, and is what Wait returns.
func fetchAll(ctx context.Context) (map[string]string, error) {
	defer tracer.Region(ctx, "fetch-all").End()
	g, gctx := errgroup.WithContext(ctx)
	results := make(map[string]string)
	names := map[string]string{
		"https://example.com/user":     "fetch-user",
		"https://example.com/orders":   "fetch-orders",
		"https://example.com/settings": "fetch-settings",
	}
	type result struct{ url, data string }
	done := make(chan result, len(names))
	for url, name := range names {
		g.Go(func() error {
			tracer.Name(gctx, name)
			data, err := fetchData(gctx, url)
			if err != nil {
				tracer.Log(gctx, "error", err.Error())
				return err
			}
			done <- result{url, data}
			return nil
		})
	}
	err := g.Wait() // every fetch has returned: none is left behind
	close(done)
	for r := range done {
		results[r.url] = r.data
	}
	return results, err
}

func main() {
	out := flag.String("o", "errors.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		fmt.Println("process(\"\"):", process(ctx, ""))
		start := time.Now()
		results, err := fetchAll(ctx)
		fmt.Printf("fetchAll: %d results, error %q after %v\n", len(results), err, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
