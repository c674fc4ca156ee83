// Command prog is a program for vizrun run's tests: it echoes its arguments
// and standard input, runs a few goroutines, and exits as told.
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go worker(&wg)
	}
	wg.Wait()
	fmt.Println("args:", os.Args[1:])
	if len(os.Args) < 2 {
		return
	}
	switch os.Args[1] {
	case "stdin":
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println("read:", sc.Text())
		}
	case "exit":
		code, _ := strconv.Atoi(os.Args[2])
		os.Exit(code)
	case "fatal":
		log.Fatal("fatal error, as asked")
	case "panic":
		panic("as asked")
	case "kill":
		// Work for a few trace generations, then die at once: no deferred
		// function runs, nothing is flushed.
		stop := time.After(700 * time.Millisecond)
		for {
			select {
			case <-stop:
				fmt.Println("killing myself")
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			default:
				wg.Add(1)
				go worker(&wg)
				wg.Wait()
			}
		}
	case "wait":
		fmt.Println("waiting")
		time.Sleep(time.Minute)
	}
}

func worker(wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(20 * time.Millisecond)
}
