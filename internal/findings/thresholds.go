package findings

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
)

// Thresholds tune the rules. Default is the defaults; a field set to zero
// is a threshold of zero.
type Thresholds struct {
	// LeakMinBlocked: a goroutine still blocked at the end of the trace is
	// a leak candidate when it has been blocked at least this long.
	LeakMinBlocked time.Duration
	// LeakCritical: that many leaked goroutines of one kind make it critical.
	LeakCritical int

	// ContentionMinWait and ContentionMinShare: a lock is contended when
	// goroutines waited on it at least this long in all, and on average at
	// least this share of a goroutine was waiting on it over the trace.
	ContentionMinWait  time.Duration
	ContentionMinShare float64

	// SerialMinDuration and SerialMinShare: a serial bottleneck is
	// stretches at least this long (and this share of the trace in all)
	// during which about one goroutine ran, Ps sat idle, and at least
	// SerialMinWaiting others waited on locks or channels.
	SerialMinDuration time.Duration
	SerialMinShare    float64
	SerialMinWaiting  float64

	// StallMinDuration, StallMinShare and StallMinWaiting: a stall is
	// stretches at least this long (and this share of the trace in all)
	// during which tasks were in progress, almost nothing ran (under 0.1
	// goroutines on average) and at least StallMinWaiting goroutines on
	// average waited on channels or locks: work held back, by a rate
	// limit, a back-off or a goroutine handing it out slowly.
	StallMinDuration time.Duration
	StallMinShare    float64
	StallMinWaiting  float64

	// LatencyP99, LatencyMax, LatencyMinTotal and LatencyMinShare: runnable
	// goroutines waited for a P too long when the 99th percentile of those
	// waits, or the longest, exceeds these, and the waits add up to
	// LatencyMinTotal and to LatencyMinShare of the trace (goroutines
	// waiting on average).
	LatencyP99      time.Duration
	LatencyMax      time.Duration
	LatencyMinTotal time.Duration
	LatencyMinShare float64

	// HogMinRun and HogMinTotal: a goroutine hogs a CPU when the runtime
	// had to preempt it after runs at least HogMinRun long while goroutines
	// that had been woken up waited for a P, for at least HogMinTotal in
	// all. HogMinRun counts from the largest of parse.HogCutoffs not above
	// it.
	HogMinRun   time.Duration
	HogMinTotal time.Duration

	// IOMinShare: system calls or network waits dominate when, for at least
	// this share of the trace, nothing ran while goroutines waited on them.
	IOMinShare float64

	// GCMaxPause, GCMaxPauseShare and GCMaxAssistShare: GC pressure is a
	// stop-the-world pause this long, pauses taking this share of the trace
	// (and GCMaxPause in all), or GC assists taking this share of the
	// program's running time.
	GCMaxPause       time.Duration
	GCMaxPauseShare  float64
	GCMaxAssistShare float64
}

// Default thresholds.
var Default = Thresholds{
	LeakMinBlocked:     10 * time.Millisecond,
	LeakCritical:       10,
	ContentionMinWait:  10 * time.Millisecond,
	ContentionMinShare: 0.2,
	SerialMinDuration:  50 * time.Millisecond,
	SerialMinShare:     0.2,
	SerialMinWaiting:   1.5,
	StallMinDuration:   200 * time.Millisecond,
	StallMinShare:      0.1,
	StallMinWaiting:    2,
	LatencyP99:         5 * time.Millisecond,
	LatencyMax:         20 * time.Millisecond,
	LatencyMinTotal:    20 * time.Millisecond,
	LatencyMinShare:    0.25,
	HogMinRun:          5 * time.Millisecond,
	HogMinTotal:        50 * time.Millisecond,
	IOMinShare:         0.5,
	GCMaxPause:         5 * time.Millisecond,
	GCMaxPauseShare:    0.05,
	GCMaxAssistShare:   0.1,
}

// ParamType is the type of a threshold's value.
type ParamType uint8

const (
	DurationParam ParamType = iota // a string as Go writes durations: "150ms"
	FloatParam                     // a number
	IntParam                       // a whole number
)

// Param is one threshold: its JSON name and where it lives in Thresholds.
type Param struct {
	Name string
	Type ParamType
	dur  func(*Thresholds) *time.Duration
	flt  func(*Thresholds) *float64
	num  func(*Thresholds) *int
}

func durParam(name string, f func(*Thresholds) *time.Duration) Param {
	return Param{Name: name, Type: DurationParam, dur: f}
}
func floatParam(name string, f func(*Thresholds) *float64) Param {
	return Param{Name: name, Type: FloatParam, flt: f}
}
func intParam(name string, f func(*Thresholds) *int) Param {
	return Param{Name: name, Type: IntParam, num: f}
}

// Params lists every threshold, in the order of Rules.
func Params() []Param {
	var out []Param
	for _, r := range Rules {
		out = append(out, r.Params...)
	}
	return out
}

// ParamNamed returns the threshold called name.
func ParamNamed(name string) (Param, bool) {
	for _, p := range Params() {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// Format is the value of p in th as JSON writes it: "150ms", 0.2, 10.
func (p Param) Format(th *Thresholds) string {
	switch p.Type {
	case DurationParam:
		return strconv.Quote(p.dur(th).String())
	case FloatParam:
		return strconv.FormatFloat(*p.flt(th), 'g', -1, 64)
	}
	return strconv.Itoa(*p.num(th))
}

// Set sets p in th from its JSON value. Negative values are refused; zero
// is a threshold of zero, not the default.
func (p Param) Set(th *Thresholds, raw json.RawMessage) error {
	switch p.Type {
	case DurationParam:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return fmt.Errorf("%s: durations are strings like \"150ms\", got %s", p.Name, raw)
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%s: %v", p.Name, err)
		}
		if d < 0 {
			return fmt.Errorf("%s: negative duration %q", p.Name, s)
		}
		*p.dur(th) = d
	case FloatParam:
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("%s: want a number, got %s", p.Name, raw)
		}
		if f < 0 {
			return fmt.Errorf("%s: negative value %v", p.Name, f)
		}
		*p.flt(th) = f
	case IntParam:
		var n int
		if err := json.Unmarshal(raw, &n); err != nil {
			return fmt.Errorf("%s: want a whole number, got %s", p.Name, raw)
		}
		if n < 0 {
			return fmt.Errorf("%s: negative value %d", p.Name, n)
		}
		*p.num(th) = n
	}
	return nil
}

// FromJSON is Default with the thresholds named in m set: unknown names
// and bad values are errors, so a typo cannot switch a rule off.
func FromJSON(m map[string]json.RawMessage) (Thresholds, error) {
	th := Default
	for _, name := range slices.Sorted(maps.Keys(m)) {
		raw := m[name]
		p, ok := ParamNamed(name)
		if !ok {
			return th, fmt.Errorf("unknown threshold %q", name)
		}
		if err := p.Set(&th, raw); err != nil {
			return th, err
		}
	}
	return th, nil
}
