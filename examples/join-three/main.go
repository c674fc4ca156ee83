// Join three: fetchUser, fetchOrders and fetchSettings run at once and
// overlap (about 100 ms in all); then a dependent pair, fetchUser and
// fetchOrdersFor(user.ID), runs end to end, since the second call needs the
// first one's result (about 180 ms).
//
// Tutorial: "When to Use join!". Independent calls can all be in flight at
// once: in Go, one goroutine each and a WaitGroup to wait for all of them.
// A call that needs another's result cannot start before that result
// exists, goroutines or not: it stays sequential.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"sync"
	"time"

	"github.com/vizrun/vizrun/tracer"
	"github.com/vizrun/vizrun/tracer/report"
)

type User struct {
	ID   int
	Name string
}

// The fetches stand for network calls: they wait without using a CPU.
func fetchUser(ctx context.Context, id int) User {
	defer tracer.Region(ctx, "fetchUser").End()
	time.Sleep(100 * time.Millisecond)
	return User{ID: id, Name: "Alex"}
}

func fetchOrders(ctx context.Context, userID int) []string {
	defer tracer.Region(ctx, "fetchOrders").End()
	time.Sleep(80 * time.Millisecond)
	return []string{fmt.Sprintf("Order(user=%d, id=42)", userID)}
}

func fetchSettings(ctx context.Context, userID int) map[string]string {
	defer tracer.Region(ctx, "fetchSettings").End()
	time.Sleep(60 * time.Millisecond)
	return map[string]string{"theme": "dark"}
}

// fetchOrdersFor is fetchOrders when the user id comes from another call.
func fetchOrdersFor(ctx context.Context, userID int) []string {
	defer tracer.Region(ctx, "fetchOrdersFor").End()
	time.Sleep(80 * time.Millisecond)
	return []string{fmt.Sprintf("Order(user=%d, id=42)", userID)}
}

// independent: tokio::join!(fetch_user(1), fetch_orders(1), fetch_settings(1)).
// All three know the user id up front, so all three start at once.
func independent(ctx context.Context) (User, []string, map[string]string) {
	defer tracer.Region(ctx, "independent").End()
	var (
		wg       sync.WaitGroup
		user     User
		orders   []string
		settings map[string]string
	)
	wg.Add(3)
	tracer.Go(ctx, "fetch-user", func(ctx context.Context) { defer wg.Done(); user = fetchUser(ctx, 1) })
	tracer.Go(ctx, "fetch-orders", func(ctx context.Context) { defer wg.Done(); orders = fetchOrders(ctx, 1) })
	tracer.Go(ctx, "fetch-settings", func(ctx context.Context) { defer wg.Done(); settings = fetchSettings(ctx, 1) })
	wg.Wait() // about 100 ms: the longest of the three
	return user, orders, settings
}

// dependent: the orders call needs user.ID, so it can only start once the
// user is back. A goroutine would not help: it would wait for the user too.
func dependent(ctx context.Context) (User, []string) {
	defer tracer.Region(ctx, "dependent").End()
	user := fetchUser(ctx, 1)
	orders := fetchOrdersFor(ctx, user.ID)
	return user, orders // about 180 ms: the sum
}

func main() {
	out := flag.String("o", "join-three.html", "write the report to `file`")
	flag.Parse()
	err := report.Run(report.Config{ReportFile: *out}, func(ctx context.Context) error {
		start := time.Now()
		user, orders, settings := independent(ctx)
		fmt.Printf("independent: %v %v %v in %v\n", user, orders, settings, time.Since(start).Round(time.Millisecond))
		start = time.Now()
		user, orders = dependent(ctx)
		fmt.Printf("dependent:   %v %v in %v\n", user, orders, time.Since(start).Round(time.Millisecond))
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
}
