package html

import (
	"fmt"
	"strings"

	"github.com/vizrun/vizrun/internal/parse"
)

// The palette: every colour the report draws with, in one table. A segment
// of a timeline carries the index of its category (its "code"); the page
// looks the colour up by theme (light or dark, after the reader's
// prefers-color-scheme) and draws the category's pattern over it.
//
// The colours were chosen so that, in each theme, every fill has at least
// 3:1 contrast against the chart background (WCAG 2.1 non-text contrast),
// and any two categories drawn with the same pattern stay apart (CIEDE2000
// of at least 9) for normal vision and simulated protanopia, deuteranopia
// and tritanopia (Machado et al. 2009). Where hue alone cannot carry the
// difference (runnable and preempted, mutex and rwmutex, chan receive and
// send), a pattern does: nothing is told by opacity alone. palette_test.go
// checks all of it.

// category is one meaning a colour stands for.
type category struct {
	Key     string `json:"key"`     // stable name, for tests and the page's code
	Name    string `json:"name"`    // what it means, as the legend says it
	Light   string `json:"light"`   // fill on the light theme's white
	Dark    string `json:"dark"`    // fill on the dark theme's background
	Pattern string `json:"pattern"` // "" or one of patterns
	// Chart is where it is drawn: "state" (goroutine timeline and charts by
	// state), "proc" (the processor timeline's goroutines), "gc" (its GC
	// and stop-the-world rows), "span" (tasks and regions) and so on.
	// Categories of one chart must be told apart; those of different
	// charts never meet.
	Chart string `json:"chart"`
	// Shape is how a segment of it is drawn: "" a full bar; "busy" a bar
	// as high as the busy share it stands for.
	Shape string `json:"shape"`
}

// patterns the page knows how to draw (assets/js/palette.js).
var patterns = []string{"", "hatch", "dots", "cross"}

// Codes of the categories, in palette order.
const (
	catRunning = iota
	catRunnable
	catPreempted
	catYielded
	catSyscall
	catChanRecv
	catChanSend
	catSelect
	catSleep
	catMutex
	catRWMutex
	catWaitGroup
	catCond
	catNetwork
	catBlockedGC
	catStopped
	catOther

	// The processor timeline colours goroutines by group: the busiest
	// groups on the Ps get catGroup0 + i, the rest catGroupOther.
	catGroup0
	catGroup1
	catGroup2
	catGroup3
	catGroup4
	catGroup5
	catGroup6
	catGroup7
	catGroupOther
	catRuntime
	catProcMerged
	catGCMark
	catSTW

	catTask
	catRegion

	catHeap

	catCapacity
	catIdle
	catPathOnly

	catSeriesA
	catSeriesB

	numCategories
)

// procGroupColours is how many goroutine groups get a colour of their own
// in the processor timeline.
const procGroupColours = catGroupOther - catGroup0

// palette is indexed by code.
var palette = [numCategories]category{
	catRunning:    {"running", "running on a P", "#21844c", "#44b47c", "", "state", ""},
	catRunnable:   {"runnable", "runnable: ready, waiting for a P", "#d06f00", "#f0a030", "", "state", ""},
	catPreempted:  {"preempted", "runnable: preempted, waiting for a P", "#d77714", "#ffc37f", "hatch", "state", ""},
	catYielded:    {"yielded", "runnable: yielded (Gosched), waiting for a P", "#d77a15", "#da8600", "dots", "state", ""},
	catSyscall:    {"syscall", "in a system call", "#865cfa", "#c0aafe", "", "state", ""},
	catChanRecv:   {"chan-recv", "blocked: chan receive", "#1450d3", "#3d90ff", "", "state", ""},
	catChanSend:   {"chan-send", "blocked: chan send", "#3f86e0", "#8cbcf8", "hatch", "state", ""},
	catSelect:     {"select", "blocked: select", "#0f9d82", "#35d1d2", "", "state", ""},
	catSleep:      {"sleep", "blocked: sleep", "#7e8a9a", "#9ba0a7", "", "state", ""},
	catMutex:      {"mutex", "blocked: mutex", "#c62828", "#f0605a", "", "state", ""},
	catRWMutex:    {"rwmutex", "blocked: rwmutex", "#d2463d", "#db8965", "hatch", "state", ""},
	catWaitGroup:  {"waitgroup", "blocked: waitgroup", "#aa3f8a", "#cc70bd", "", "state", ""},
	catCond:       {"cond", "blocked: cond", "#7e4c18", "#be9667", "dots", "state", ""},
	catNetwork:    {"network", "blocked: network", "#5f7100", "#aabe25", "hatch", "state", ""},
	catBlockedGC:  {"gc-wait", "blocked: GC", "#3b4a6b", "#8fa0c8", "cross", "state", ""},
	catStopped:    {"stopped", "blocked: preempted (stopped by the runtime)", "#8c6c00", "#debe47", "dots", "state", ""},
	catOther:      {"other", "blocked: other", "#5f6368", "#a0a4aa", "cross", "state", ""},
	catGroup0:     {"group-0", "goroutine group", "#3c65ca", "#4472f1", "", "proc", ""},
	catGroup1:     {"group-1", "goroutine group", "#bc8910", "#fec630", "", "proc", ""},
	catGroup2:     {"group-2", "goroutine group", "#d1495b", "#f07a8a", "", "proc", ""},
	catGroup3:     {"group-3", "goroutine group", "#2a9d8f", "#4cc9b8", "", "proc", ""},
	catGroup4:     {"group-4", "goroutine group", "#674b89", "#a98be0", "", "proc", ""},
	catGroup5:     {"group-5", "goroutine group", "#4b7c21", "#88ba59", "", "proc", ""},
	catGroup6:     {"group-6", "goroutine group", "#c05299", "#e07ac8", "hatch", "proc", ""},
	catGroup7:     {"group-7", "goroutine group", "#7a6c5d", "#b0a090", "hatch", "proc", ""},
	catGroupOther: {"group-other", "other goroutines", "#7d8591", "#9aa3b0", "dots", "proc", ""},
	catRuntime:    {"runtime", "runtime goroutines (GC workers, ...)", "#6f8f72", "#8fb894", "cross", "proc", ""},
	catProcMerged: {"proc-merged", "several goroutines, merged at this zoom: the bar's height is the P's busy share", "#58606e", "#a0a8b6", "", "proc", "busy"},
	catGCMark:     {"gc", "GC mark phase", "#3b4a6b", "#8fa0c8", "cross", "gc", ""},
	catSTW:        {"stw", "stop-the-world pause", "#8b1e3f", "#e0708f", "", "gc", ""},
	catTask:       {"task", "task", "#3b63c4", "#6f95f0", "", "span", ""},
	catRegion:     {"region", "region", "#2a9d8f", "#4cc9b8", "", "span", ""},
	catHeap:       {"heap", "live heap", "#3c65ca", "#6f95f0", "", "heap", ""},
	catCapacity:   {"capacity", "GOMAXPROCS × wall time", "#4a5568", "#a0aec0", "", "waterfall", ""},
	catIdle:       {"idle", "idle with nothing to do", "#8a929e", "#7d8694", "dots", "waterfall", ""},
	catPathOnly:   {"path-only", "idle: only the critical path ran, the rest waited on its work or had none", "#66788a", "#8fa3b6", "hatch", "waterfall", ""},
	catSeriesA:    {"series-a", "A (the baseline)", "#1f56b3", "#8ab4ff", "", "diff", ""},
	catSeriesB:    {"series-b", "B", "#a4501a", "#f0a070", "hatch", "diff", ""},
}

// blockedCat maps a blocking reason to its category.
var blockedCat = [parse.NumReasons]int{
	parse.ReasonNone:      catOther,
	parse.ReasonChanSend:  catChanSend,
	parse.ReasonChanRecv:  catChanRecv,
	parse.ReasonSelect:    catSelect,
	parse.ReasonSleep:     catSleep,
	parse.ReasonMutex:     catMutex,
	parse.ReasonRWMutex:   catRWMutex,
	parse.ReasonWaitGroup: catWaitGroup,
	parse.ReasonCond:      catCond,
	parse.ReasonNetwork:   catNetwork,
	parse.ReasonSyscall:   catSyscall,
	parse.ReasonGC:        catBlockedGC,
	parse.ReasonPreempted: catStopped,
	parse.ReasonYield:     catOther,
	parse.ReasonOther:     catOther,
}

// stateCat is the category of a span: always one of the palette's state
// categories, whatever the model holds (an unknown state or reason maps to
// the nearest known one, never to nothing).
func stateCat(s parse.State, r parse.Reason) int {
	switch s {
	case parse.StateRunning:
		return catRunning
	case parse.StateRunnable:
		switch r {
		case parse.ReasonPreempted:
			return catPreempted
		case parse.ReasonYield:
			return catYielded
		}
		return catRunnable
	case parse.StateSyscall:
		return catSyscall
	case parse.StateBlocked:
		if int(r) < len(blockedCat) {
			return blockedCat[r]
		}
		return catOther
	}
	// StateNone or a state this version does not know: the model's
	// merging should never leave one, but a segment must say something
	// true, and "other" is what we cannot name.
	return catOther
}

// reasonCat is the category a blocking reason is drawn with in charts by
// reason.
func reasonCat(r parse.Reason) int {
	if r == parse.ReasonSyscall {
		return catSyscall
	}
	return stateCat(parse.StateBlocked, r)
}

// legendItem is one entry of a legend, drawn with its category's class.
type legendItem struct {
	Code int
	Name string
}

// stateLegend lists the goroutine states and blocking reasons.
func stateLegend() []legendItem {
	var out []legendItem
	for c := range numCategories {
		if palette[c].Chart == "state" {
			out = append(out, legendItem{c, palette[c].Name})
		}
	}
	return out
}

// paletteCSS is the style of every category as a swatch (.vz-c<code>), for
// both themes: legends and tables use it, so they always match the charts.
func paletteCSS() string {
	var b strings.Builder
	for c, p := range palette {
		fmt.Fprintf(&b, ".vz-c%d{background-color:%s;%s}\n", c, p.Light, patternCSS(p.Pattern, "rgba(255,255,255,.75)"))
	}
	b.WriteString("@media (prefers-color-scheme: dark){\n")
	for c, p := range palette {
		fmt.Fprintf(&b, ".vz-c%d{background-color:%s;%s}\n", c, p.Dark, patternCSS(p.Pattern, "rgba(0,0,0,.6)"))
	}
	b.WriteString("}\n")
	return b.String()
}

// patternCSS draws a pattern over a swatch, as the charts do.
func patternCSS(p, ink string) string {
	switch p {
	case "hatch":
		return fmt.Sprintf("background-image:repeating-linear-gradient(45deg,%s 0 1.5px,transparent 1.5px 4px);", ink)
	case "dots":
		return fmt.Sprintf("background-image:radial-gradient(%s 1px,transparent 1.3px);background-size:4px 4px;", ink)
	case "cross":
		return fmt.Sprintf("background-image:repeating-linear-gradient(45deg,%[1]s 0 1px,transparent 1px 4px),repeating-linear-gradient(-45deg,%[1]s 0 1px,transparent 1px 4px);", ink)
	}
	return ""
}
