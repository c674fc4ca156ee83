package tracer

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/felixge/fgprof"
	"github.com/google/pprof/profile"
)

// The wall-clock profile is fgprof's: 99 times a second it takes the stack
// of every goroutine, running or not, so it shows where time goes on and
// off the CPU. Each sample costs about 0.73 µs per live goroutine, so with
// many goroutines sampling all the time would cost more than a core. The
// tracer therefore samples in windows of half a second and pauses between
// them so that the average cost stays near wallClockBudget of one core:
// see WallClockRate. The profile's times are scaled by the elapsed time over
// the sampled time, so they estimate the whole session.
const (
	fgprofHz        = 99
	costPerG        = 730 * time.Nanosecond // per goroutine per sample
	wallClockBudget = 0.02                  // of one core
	wallWindow      = 500 * time.Millisecond
	maxWallPause    = time.Minute
)

// WallClockRate is the average number of wall-clock samples per second the
// tracer takes while n goroutines are alive: fgprof's 99 Hz while n*0.73 µs
// per sample stays within 2% of one core (n <= 276), and proportionally
// fewer beyond, by pausing between half-second windows of sampling.
func WallClockRate(n int) float64 {
	return fgprofHz * wallClockDuty(n)
}

// wallClockDuty is the share of the time fgprof samples with n goroutines.
func wallClockDuty(n int) float64 {
	cost := fgprofHz * float64(n) * costPerG.Seconds() // core-seconds per second
	if cost <= wallClockBudget {
		return 1
	}
	return wallClockBudget / cost
}

// wallPause is the pause after one window of sampling with n goroutines.
func wallPause(n int) time.Duration {
	d := wallClockDuty(n)
	if d >= 1 {
		return 0
	}
	p := time.Duration(float64(wallWindow) * (1/d - 1))
	return min(p, maxWallPause)
}

type wallClock struct {
	stopCh chan struct{}
	done   chan struct{}
	start  time.Time

	mu       sync.Mutex
	profiles []*profile.Profile
	sampled  time.Duration
	err      error
}

func startWallClock() *wallClock {
	w := &wallClock{stopCh: make(chan struct{}), done: make(chan struct{}), start: time.Now()}
	go w.loop()
	return w
}

func (w *wallClock) loop() {
	defer close(w.done)
	defer func() {
		if p := recover(); p != nil {
			w.mu.Lock()
			w.err = fmt.Errorf("wall-clock profile: %v", p)
			w.mu.Unlock()
		}
	}()
	for {
		n := runtime.NumGoroutine()
		var buf bytes.Buffer
		stop := fgprof.Start(&buf, fgprof.FormatPprof)
		t0 := time.Now()
		stopped := false
		select {
		case <-time.After(wallWindow):
		case <-w.stopCh:
			stopped = true
		}
		err := stop()
		took := time.Since(t0)
		var p *profile.Profile
		if err == nil {
			p, err = profile.Parse(&buf)
		}
		w.mu.Lock()
		if err != nil {
			w.err = err
		} else {
			w.profiles = append(w.profiles, p)
			w.sampled += took
		}
		w.mu.Unlock()
		if stopped {
			return
		}
		select {
		case <-time.After(wallPause(n)):
		case <-w.stopCh:
			return
		}
	}
}

// stop ends profiling and returns the merged profile in pprof format.
func (w *wallClock) stop() ([]byte, error) {
	close(w.stopCh)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return nil, w.err
	}
	if len(w.profiles) == 0 {
		return nil, errors.New("wall-clock profile: no samples")
	}
	p, err := profile.Merge(w.profiles)
	if err != nil {
		return nil, fmt.Errorf("wall-clock profile: %w", err)
	}
	elapsed := time.Since(w.start)
	if w.sampled > 0 && elapsed > w.sampled {
		p.Scale(float64(elapsed) / float64(w.sampled))
	}
	p.DurationNanos = int64(elapsed)
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		return nil, fmt.Errorf("wall-clock profile: %w", err)
	}
	return buf.Bytes(), nil
}

func parseProfile(b []byte) (*profile.Profile, error) { return profile.ParseData(b) }
