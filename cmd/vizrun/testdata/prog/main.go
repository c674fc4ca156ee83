// Command prog is a program for vizrun run's tests: it echoes its arguments
// and standard input, runs a few goroutines, and exits as told.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"log"
	"os"
	"os/signal"
	"runtime"
	"runtime/trace"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Set by files built only with -tags vizruntag, or with -race.
var tagged, raced bool

// reachable is a channel every goroutine can reach: one blocked on it is
// not provably leaked.
var reachable = make(chan int)

// lockA and lockB are global locks, for the lock-order deadlock.
var lockA, lockB sync.Mutex

// lockBoth takes first, then second, and has time to be overtaken between.
func lockBoth(first, second *sync.Mutex, wg *sync.WaitGroup) {
	defer wg.Done()
	first.Lock()
	time.Sleep(100 * time.Millisecond)
	second.Lock()
	second.Unlock()
	first.Unlock()
}

func main() {
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go worker(&wg)
	}
	wg.Wait()
	fmt.Println("args:", os.Args[1:])
	fmt.Println("built with", runtime.Version())
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
	case "rmdir-exit":
		// Remove the directory vizrun is to write the report into, then
		// exit with a status: the report cannot be written at the end.
		os.Remove(os.Args[2])
		code, _ := strconv.Atoi(os.Args[3])
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
		completeGeneration()
		fmt.Println("waiting, pid", os.Getpid())
		time.Sleep(time.Minute)
	case "graceful":
		// Shut down cleanly on Ctrl-C.
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		completeGeneration()
		fmt.Println("waiting, pid", os.Getpid())
		select {
		case <-c:
			fmt.Println("goodbye")
		case <-time.After(time.Minute):
			fmt.Println("no signal came")
			os.Exit(1)
		}
	case "flags":
		fmt.Printf("tagged %v, race %v\n", tagged, raced)
	case "leak":
		// One goroutine blocked on a channel no one else can reach (a
		// proven leak), one on a channel a global holds (still blocked,
		// not provably leaked).
		go func() {
			ch := make(chan int)
			<-ch // marker: proven leak
		}()
		go func() { <-reachable }() // marker: not provable
		time.Sleep(50 * time.Millisecond)
	case "deadlock":
		// Every goroutine waits for another: alone, the runtime says "all
		// goroutines are asleep" and exits 2.
		ch := make(chan int)
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			ch <- 1
			ch <- 2
		}()
		fmt.Println("got", <-ch)
		wg.Wait()
	case "lockorder":
		// Two goroutines take two global locks in opposite orders: alone,
		// the runtime says "all goroutines are asleep"; the leak profile
		// cannot prove it, the locks being reachable from globals.
		var wg sync.WaitGroup
		wg.Add(2)
		go lockBoth(&lockA, &lockB, &wg)
		go lockBoth(&lockB, &lockA, &wg)
		fmt.Println("locking")
		wg.Wait()
	case "afterfunc":
		// Only a timer's function will release the lock main waits on:
		// not a deadlock.
		lockA.Lock()
		time.AfterFunc(2500*time.Millisecond, lockA.Unlock)
		lockA.Lock()
		fmt.Println("unlocked by the timer")
	case "idle":
		// Nothing runs for 2.5 s, but a timer will end the wait: no deadlock.
		select {
		case <-time.After(2500 * time.Millisecond):
			fmt.Println("the timer fired")
		case <-reachable:
		}
	case "tracestart":
		// The program traces part of itself, as it would without vizrun.
		f, err := os.Create(os.Args[2])
		if err != nil {
			log.Fatal(err)
		}
		if err := trace.Start(f); err != nil {
			log.Fatal("trace.Start: ", err)
		}
		trace.Log(context.Background(), "prog", "inside its own trace")
		wg.Add(1)
		go worker(&wg)
		wg.Wait()
		trace.Stop()
		if err := f.Close(); err != nil {
			log.Fatal(err)
		}
		fmt.Println("traced itself")
	}
}

// completeGeneration ends the trace generation in progress, so that the
// trace holds a complete one however the program dies next: starting a
// flight recorder while a trace records starts a new generation. It waits
// until the runtime's trace reader has written the end of that generation
// (byte 52, EvEndOfGeneration) into the file vizrun run gave.
func completeGeneration() {
	fr := trace.NewFlightRecorder(trace.FlightRecorderConfig{})
	if fr.Start() == nil {
		fr.Stop()
	}
	path := os.Getenv("VIZRUN_TRACE_OUT")
	for deadline := time.Now().Add(30 * time.Second); path != "" && time.Now().Before(deadline); {
		if b, err := os.ReadFile(path); err == nil && hasGeneration(b) {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hasGeneration reports whether a Go 1.26 trace holds an end of
// generation: after the 16-byte header, batches (1 or 49 and an
// experiment byte, then the generation, M, time and size as uvarints,
// then size bytes) until a lone 52.
func hasGeneration(b []byte) bool {
	if len(b) < 16 {
		return false
	}
	b = b[16:]
	for len(b) > 0 {
		switch b[0] {
		case 52:
			return true
		case 49:
			b = b[1:]
			fallthrough
		case 1:
			if len(b) == 0 {
				return false
			}
			b = b[1:]
			var size uint64
			for range 4 {
				v, n := binary.Uvarint(b)
				if n <= 0 {
					return false
				}
				size, b = v, b[n:]
			}
			if uint64(len(b)) < size {
				return false
			}
			b = b[size:]
		default:
			return false
		}
	}
	return false
}

func worker(wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(20 * time.Millisecond)
}
