// Command exec starts child processes over and over for one second: four
// goroutines each run exec.Command(self, "child").Run() in a loop (the child
// exits at once). Much of that time is spent in forkExec, a system call the
// runtime does not mark as one (the goroutine shows as running).
package main

import (
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/vizrun/vizrun/scripts/corpus/internal/rec"
)

func spawner(self string, deadline time.Time, wg *sync.WaitGroup) {
	defer wg.Done()
	for time.Now().Before(deadline) {
		if err := exec.Command(self, "-", "child").Run(); err != nil {
			rec.Fail(err)
		}
	}
}

func main() {
	if len(os.Args) > 2 && os.Args[2] == "child" {
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
		go spawner(self, deadline, &wg)
	}
	wg.Wait()
	stop()
}
