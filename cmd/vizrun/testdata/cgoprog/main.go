// Command cgoprog has its func main in a file that uses cgo.
package main

/*
static int twice(int x) { return 2 * x; }
*/
import "C"

import (
	"fmt"
	"sync"
	"time"
)

func main() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		time.Sleep(10 * time.Millisecond)
	}()
	wg.Wait()
	fmt.Println("twice 21 is", C.twice(21))
}
