// Package pprofout writes what goroutines waited on, and where, as pprof
// profiles (github.com/google/pprof/profile) that go tool pprof,
// Pyroscope and Parca read: one kind per question (all blocked time, a
// mutex, channels, the network, system calls, waiting for a P, the GC, or
// all of a goroutine's time), with named locks and channels as frames of
// their own, values in nanoseconds and counts, and labels for the
// goroutine group, the task and the region.
//
// Profiles come from parse.Profile, booked while the trace is read, so
// they are exact whatever the model's level of detail: their totals are
// the report's tables, to the nanosecond.
package pprofout

import (
	"fmt"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
)

// Kind is one kind of profile.
type Kind struct {
	Name string // the -kind value
	Doc  string // what it holds, in a few words
	// CountType and TimeType name the sample values (a count, and
	// nanoseconds); TimeType is the default sample type.
	CountType, TimeType string
	// Leaf: the profile tells states or reasons apart with a frame of
	// their own at the leaf ("blocked on chan receive").
	Leaf bool
	keep func(s *parse.ProfileSample) bool
}

func blockedOn(rs ...parse.Reason) func(s *parse.ProfileSample) bool {
	return func(s *parse.ProfileSample) bool {
		if s.State != parse.StateBlocked {
			return false
		}
		for _, r := range rs {
			if s.Reason == r {
				return true
			}
		}
		return false
	}
}

// Kinds lists every kind; the command's help, the README's list and the
// report's links derive from it.
var Kinds = []Kind{
	{"block", "all blocked time, the reason as the leaf frame", "contentions", "delay", true,
		func(s *parse.ProfileSample) bool { return s.State == parse.StateBlocked }},
	{"mutex", "waits for a sync.Mutex", "contentions", "delay", false, blockedOn(parse.ReasonMutex)},
	{"rwmutex", "waits for a sync.RWMutex (Lock and RLock)", "contentions", "delay", false, blockedOn(parse.ReasonRWMutex)},
	{"waitgroup", "waits in sync.WaitGroup.Wait", "contentions", "delay", false, blockedOn(parse.ReasonWaitGroup)},
	{"cond", "waits in sync.Cond.Wait", "contentions", "delay", false, blockedOn(parse.ReasonCond)},
	{"chan", "waits to send or receive on a channel", "contentions", "delay", true, blockedOn(parse.ReasonChanSend, parse.ReasonChanRecv)},
	{"select", "waits in a select", "contentions", "delay", false, blockedOn(parse.ReasonSelect)},
	{"sleep", "time.Sleep and timers", "contentions", "delay", false, blockedOn(parse.ReasonSleep)},
	{"net", "waits on the network", "contentions", "delay", false, blockedOn(parse.ReasonNetwork)},
	{"syscall", "time in system calls", "syscalls", "delay", false,
		func(s *parse.ProfileSample) bool { return s.State == parse.StateSyscall }},
	{"sched", "waiting for a P (runnable: scheduler latency), why as the leaf frame", "waits", "delay", true,
		func(s *parse.ProfileSample) bool { return s.State == parse.StateRunnable }},
	{"gc", "blocked on the GC, and running GC assists", "contentions", "delay", true,
		func(s *parse.ProfileSample) bool {
			return s.State == parse.StateBlocked && s.Reason == parse.ReasonGC || s.State == parse.StateRunning && s.Assist
		}},
	{"wall", "all of goroutines' time, running, runnable, blocked and in syscalls, the state as the leaf frame", "spans", "wall", true,
		func(s *parse.ProfileSample) bool { return true }},
}

// Lookup returns the kind called name.
func Lookup(name string) (*Kind, error) {
	for i := range Kinds {
		if Kinds[i].Name == name {
			return &Kinds[i], nil
		}
	}
	return nil, fmt.Errorf("unknown profile kind %q (one of: %s)", name, strings.Join(Names(), ", "))
}

// Names lists the kinds' names.
func Names() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k.Name
	}
	return out
}

// KindOf is the kind that holds waits for reason r, the most specific one
// ("mutex" for mutex waits); "block" for reasons no kind of its own holds,
// "syscall" for system calls.
func KindOf(r parse.Reason) string {
	s := parse.ProfileSample{State: parse.StateBlocked, Reason: r}
	if r == parse.ReasonSyscall {
		return "syscall"
	}
	for _, k := range Kinds[1:] {
		if k.Name != "wall" && k.keep(&s) {
			return k.Name
		}
	}
	return "block"
}

// The report's tables that a profile exports, for CommandFor.
const (
	TableBlockedByReason = "blocked-by-reason" // blocked time by reason
	TableBlockedByGroup  = "blocked-by-group"  // by goroutine group (the profile's "group" label)
	TableBlockedBySite   = "blocked-by-site"   // by call site
	TableNamed           = "named"             // named locks and channels (their frames)
	TableLeaks           = "leaks"             // goroutines still blocked at the end
	TableLatency         = "scheduler-latency" // waiting for a P
	TableGroups          = "groups"            // goroutine groups' time in every state
)

var tableKinds = map[string]string{
	TableBlockedByReason: "block",
	TableBlockedByGroup:  "block",
	TableBlockedBySite:   "block",
	TableNamed:           "block",
	TableLeaks:           "block",
	TableLatency:         "sched",
	TableGroups:          "wall",
}

// CommandFor is the command line that exports what one of the report's
// tables shows (Table... constants, or a kind's name) as a profile, for
// the trace at tracePath: the report can print it under the table.
// It reports false for a table no profile exports.
func CommandFor(table, tracePath string) (string, bool) {
	kind, ok := tableKinds[table]
	if !ok {
		if _, err := Lookup(table); err != nil {
			return "", false
		}
		kind = table
	}
	return Command(kind, tracePath), true
}

// Command is the command line writing the profile of kind for the trace
// at tracePath, quoted for a POSIX shell.
func Command(kind, tracePath string) string {
	return "vizrun pprof -kind " + kind + " -o " + DefaultFile(kind) + " " + ShellQuote(tracePath)
}

// DefaultFile is where vizrun pprof writes a profile of kind by default.
func DefaultFile(kind string) string { return kind + ".pb.gz" }

// ShellQuote quotes s for a POSIX shell when it needs it.
func ShellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./+=:,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
