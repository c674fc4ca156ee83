// Command childwait is a program bound by system calls: four goroutines
// each run a child process (this binary, started with "child") that sleeps
// 30 ms, and wait for it, over and over for one second. The parent spends
// its time in wait system calls while a P sits idle: vizrun must say the
// program is bound by system calls.
package main

import (
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func main() {
	if len(os.Args) > 2 && os.Args[2] == "child" {
		time.Sleep(30 * time.Millisecond)
		return
	}
	runtime.GOMAXPROCS(2)
	self, err := os.Executable()
	if err != nil {
		rec.Fail(err)
	}
	stop := rec.Start()
	deadline := time.Now().Add(time.Second)
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := exec.Command(self, "-", "child").Run(); err != nil {
					rec.Fail(err)
				}
			}
		}()
	}
	wg.Wait()
	stop()
}
