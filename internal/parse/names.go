package parse

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Conventions shared with the tracer package. The tracer annotates a program
// with ordinary runtime/trace logs and regions; the parser recognises them.
// Categories and region types starting with Prefix are the tracer's own and
// are not listed among the program's logs.
const (
	// Prefix marks every annotation the tracer emits.
	Prefix = "vizrun."

	// LogName, logged by a goroutine, names that goroutine: the message is
	// the name.
	LogName = "vizrun.name"

	// LogNameOf names another goroutine: the message is "<goid> <name>". The
	// tracer logs it for goroutines that were named before a trace or flight
	// recording window began.
	LogNameOf = "vizrun.name.of"

	// LogStart and LogStop mark where the vizrun tracer (or vizrun run's
	// wrapper) started and stopped the execution tracer. A trace with a
	// start mark and no stop mark was cut short: the program was killed,
	// or the file cut, possibly at a generation boundary, where the bytes
	// alone cannot tell.
	LogStart = "vizrun.start"
	LogStop  = "vizrun.stop"

	// SystemName prefixes names of the tracer's own goroutines; they count as
	// system goroutines.
	SystemName = "vizrun."
)

// parseNameOf splits a LogNameOf message.
func parseNameOf(msg string) (GoID, string, bool) {
	id, name, ok := strings.Cut(msg, " ")
	if !ok || name == "" {
		return 0, "", false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return 0, "", false
	}
	return GoID(n), name, true
}

// EnvTraceOut names the file a program built by vizrun run writes its trace
// to. The tracer package reads it: a tracer.Start in such a program joins
// that recording instead of starting a second one.
const EnvTraceOut = "VIZRUN_TRACE_OUT"

// vizrun run builds programs with their func main renamed to vizrunUserMain
// and a wrapper main in wrapperFile; the model shows them as they are in the
// program's source.
const (
	renamedMain = "main.vizrunUserMain"
	wrapperFile = "/zz_vizrun_main.go"
)

// funcName undoes vizrun run's renaming of main.
// valid replaces what is not UTF-8 in a string from the trace, so that
// reports and summaries hold text only.
func valid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

func funcName(fn string) string {
	fn = valid(fn)
	if strings.HasPrefix(fn, renamedMain) {
		return "main.main" + fn[len(renamedMain):]
	}
	return fn
}
