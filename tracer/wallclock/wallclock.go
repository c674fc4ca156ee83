// Package wallclock records a wall-clock profile of every goroutine, on and
// off CPU, with fgprof: where time goes, waiting included. tracer/report
// starts one when its Config.WallClock is set and shows it as a flame
// graph; it can also be used on its own, and its profile read by go tool
// pprof.
//
// It lives apart from the tracer package, which imports only the standard
// library, because fgprof and the pprof format are not.
package wallclock

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"runtime/trace"
	"sync"
	"time"

	"github.com/felixge/fgprof"
	"github.com/google/pprof/profile"

	"github.com/vizrun/vizrun/internal/protocol"
)

// The wall-clock profile is fgprof's: 99 times a second it takes the stack
// of every goroutine, running or not, so it shows where time goes on and
// off the CPU. Each sample costs about 0.73 µs per live goroutine, so with
// many goroutines sampling all the time would cost more than a core. The
// tracer therefore samples in windows of half a second and pauses between
// them so that the average cost stays near wallClockBudget of one core:
// see Rate. The profile's times are scaled by the elapsed time over
// the sampled time, so they estimate the whole session.
const (
	fgprofHz        = 99
	costPerG        = 730 * time.Nanosecond // per goroutine per sample
	wallClockBudget = 0.02                  // of one core
	wallWindow      = 500 * time.Millisecond
	maxWallPause    = time.Minute
)

// Rate is the average number of wall-clock samples per second a Profile
// takes while n goroutines are alive: fgprof's 99 Hz while n*0.73 µs
// per sample stays within 2% of one core (n <= 276), and proportionally
// fewer beyond, by pausing between half-second windows of sampling.
func Rate(n int) float64 {
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

// A Profile is a wall-clock profile being recorded, from Start to Stop.
type Profile struct {
	stopCh chan struct{}
	done   chan struct{}
	start  time.Time

	mu       sync.Mutex
	profiles []*profile.Profile
	sampled  time.Duration
	err      error
}

// Start starts sampling every goroutine's stack, on a goroutine of its own
// (named "vizrun.wallclock" in any trace recorded meanwhile: the tracer's,
// not the program's). Call Stop to end it and get the profile.
func Start() *Profile {
	w := &Profile{stopCh: make(chan struct{}), done: make(chan struct{}), start: time.Now()}
	go w.loop()
	return w
}

// samplerName is the name the sampler's goroutine has in a trace.
const samplerName = protocol.SystemName + "wallclock"

func (w *Profile) loop() {
	defer close(w.done)
	defer func() {
		if p := recover(); p != nil {
			w.mu.Lock()
			w.err = fmt.Errorf("wall-clock profile: %v", p)
			w.mu.Unlock()
		}
	}()
	for {
		// Named again at every window: a trace may have started since.
		if trace.IsEnabled() {
			trace.Log(context.Background(), protocol.LogName, samplerName)
		}
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

// Stop ends profiling and returns the profile in pprof format (gzipped
// protocol buffers, as go tool pprof reads), its times scaled to the whole
// time from Start to Stop. The samples of the profiler itself are left
// out. Stop twice fails.
func (w *Profile) Stop() (b []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("wall-clock profile: internal error: %v", p)
		}
	}()
	select {
	case <-w.stopCh:
		return nil, errors.New("wall-clock profile: already stopped")
	default:
	}
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
	p.FilterSamplesByName(nil, ownFrames, nil, nil)
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

// ownFrames are the functions of the profiler itself: samples with one of
// them are its own goroutines, not the program's.
var ownFrames = regexp.MustCompile(`^(github\.com/vizrun/vizrun/tracer/wallclock\.|github\.com/felixge/fgprof\.)`)
