package parse

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vizrun/vizrun/internal/protocol"
)

// The tracer's conventions (log categories, region types, the vizrun run
// wrapper's names) live in internal/protocol; these are the names the parser
// uses most, kept short.
const (
	Prefix      = protocol.Prefix
	LogName     = protocol.LogName
	LogNameOf   = protocol.LogNameOf
	LogStart    = protocol.LogStart
	LogStop     = protocol.LogStop
	LogLeaked   = protocol.LogLeaked
	LogLive     = protocol.LogLive
	LogDeadlock = protocol.LogDeadlock
	LogStuck    = protocol.LogStuck
	RegionOwn   = protocol.RegionOwn
	SystemName  = protocol.SystemName
	RegionWait  = protocol.RegionWait
	LogRelease  = protocol.LogRelease
	EnvTraceOut = protocol.EnvTraceOut
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

// vizrun run builds programs with their func main renamed to vizrunUserMain
// and a wrapper main in wrapperFile; the model shows them as they are in the
// program's source.
const (
	renamedMain = "main." + protocol.RenamedMain
	wrapperFile = "/" + protocol.WrapperFile
	// wrapperTraceStart is the function vizrun's wrapper starts the
	// trace with (cmd/vizrun/tracestart.go), on the main goroutine.
	wrapperTraceStart = "runtime/trace.VizrunStart"
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
