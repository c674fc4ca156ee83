#!/usr/bin/env bash
# record.sh rebuilds every trace of the corpus from scratch (make corpus):
# third-party test suites fetched at pinned versions from the module proxy
# into a temporary directory (never committed), and the workload programs of
# scripts/corpus/workloads. It gzips each trace into testdata/corpus/, then
# runs the truth program and go tool trace -pprof on it to refresh the
# figures: NAME.truth.json is the truth's whole output, and the "value" of
# each figure a label lists is rewritten (its expect/allow/forbid stay as
# they are). It takes a few minutes. ONLY=name1,name2 records only those.
# TRUTH_ONLY=1 records nothing: it refreshes the figures of the committed
# traces (after a change to the truth program).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=$repo/testdata/corpus
GO=${GO:-go}
export GOWORK=off GOFLAGS=-mod=mod
W=$(mktemp -d "${TMPDIR:-/tmp}/vizrun-corpus.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$W/bin" "$W/traces" "$W/src" "$W/pprof" "$out"

say() { printf '%s\n' "$*" >&2; }
want() { [ -z "${ONLY:-}" ] || [[ ",$ONLY," == *",$1,"* ]]; }

say "building the truth program, the workloads and vizrun"
# The workloads log the runtime's goroutine leak profile at the end (Go
# 1.27 has it; Go 1.26 only with this experiment, which 1.27 refuses).
leakexp=()
if $GO version | grep -q 'go1\.26'; then leakexp=(GOEXPERIMENT=goroutineleakprofile); fi
(cd "$here" && $GO build -o "$W/bin/truth" ./truth && env ${leakexp[@]+"${leakexp[@]}"} $GO build -o "$W/bin/" ./workloads/...)
(cd "$repo" && GOFLAGS= $GO build -o "$W/bin/vizrun" ./cmd/vizrun)

# suite NAME MODULE@VERSION PKGDIR [TEST FLAGS...]: a package's tests, traced
# with vizrun test (go test -c and -test.trace, with the goroutines named by
# their test and the runtime's goroutine leak profile logged at the end; on
# Go 1.26 vizrun adds GOEXPERIMENT=goroutineleakprofile to the build). The
# source is copied out of the module cache first: vizrun test adds its code
# to packages only outside it.
suite() {
	local name=$1 mod=$2 pkg=$3
	shift 3
	want "$name" || return 0
	local dir src
	dir=$($GO mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	[ -n "$dir" ] || { say "cannot download $mod"; exit 1; }
	src="$W/src/${mod//[\/@]/_}"
	if [ ! -d "$src" ]; then
		cp -r "$dir" "$src"
		chmod -R u+w "$src"
	fi
	say "$name: vizrun test $mod/$pkg -- $*"
	rm -rf "$W/vt/$name"
	(cd "$src/$pkg" && GOFLAGS= timeout 300 "$W/bin/vizrun" test -o "$W/vt/$name" . -- "$@" >"$W/$name.log" 2>&1) ||
		{ say "$name: the tests failed:"; tail -20 "$W/$name.log" >&2; exit 1; }
	local t
	t=$(ls "$W/vt/$name"/*.trace)
	mv "$t" "$W/traces/$name.trace"
}

# prog NAME [ENV=VALUE...] -- BINARY [ARGS...]: a workload program; its first
# argument is the trace file.
prog() {
	local name=$1
	shift
	want "$name" || return 0
	local env=()
	while [ "$1" != "--" ]; do env+=("$1"); shift; done
	shift
	local bin=$1
	shift
	say "$name: ${env[*]:-} workloads/$bin $*"
	env ${env[@]+"${env[@]}"} timeout 120 "$W/bin/$bin" "$W/traces/$name.trace" "$@" >"$W/$name.log" 2>&1 ||
		{ say "$name failed:"; tail -20 "$W/$name.log" >&2; exit 1; }
}

gen=GODEBUG=traceadvanceperiod=200000000

if [ "${TRUTH_ONLY:-}" = 1 ]; then
	for gz in "$out"/*.trace.gz; do
		name=$(basename "$gz" .trace.gz)
		want "$name" && gzip -dc "$gz" >"$W/traces/$name.trace"
	done
	suite() { :; }
	prog() { :; }
fi

# Third-party test suites at the versions vizrun pins or the issue names.
suite errgroup golang.org/x/sync@v0.25.0 errgroup
suite semaphore golang.org/x/sync@v0.25.0 semaphore -test.skip '^TestWeighted$'
suite singleflight golang.org/x/sync@v0.25.0 singleflight
suite ants github.com/panjf2000/ants/v2@v2.12.1 . -test.short \
	-test.run '^(TestPanicHandler|TestRebootNewPool|TestWithDisablePurgePool|TestInfinitePool|ExamplePool|ExamplePoolWithFunc|ExampleMultiPool)$'
suite conc-pool github.com/sourcegraph/conc@v0.3.0 pool
suite conc-stream github.com/sourcegraph/conc@v0.3.0 stream

# Workloads of our own (scripts/corpus/workloads).
prog http-mutex -- http mutex
prog http-healthy -- http healthy
prog http-alloc -- http alloc
prog http-mutex-sleep -- http mutex-sleep
prog http-sleep -- http sleep
prog cpu-exact -- cpu 1
prog cpu-oversub -- cpu 4
prog alloc-heavy -- alloc
prog pipeline-slow-stage $gen -- pipeline
prog rwmutex-starve -- rwmutex
prog cond-queue -- cond
prog signal-plumbing -- signal
prog live-capture -- live
prog daemons -- daemons
prog exec-forkexec -- exec
prog net-wait -- netwait
prog net-idle -- netidle
prog gc-off-path -- gcoffpath
prog net-load -- netwait load
prog background -- background
prog child-wait -- childwait
prog gosched-loop -- gosched
prog rate-stall $gen -- ratelimit
prog wallclock -- wallclock
prog tracer-send -- send
prog gc-semaphores -- gcsema
prog mixed-long $gen -- mixed

status=0
for tr in "$W"/traces/*.trace; do
	name=$(basename "$tr" .trace)
	gzip -9 -n -c "$tr" >"$out/$name.trace.gz"
	args=()
	for kind in sync net syscall sched; do
		$GO tool trace -pprof=$kind "$tr" >"$W/pprof/$name.$kind.pb" 2>/dev/null
		args+=(-pprof "$kind=$W/pprof/$name.$kind.pb")
	done
	label=()
	[ -f "$out/$name.json" ] && label=(-label "$out/$name.json")
	if "$W/bin/truth" -o "$out/$name.truth.json" "${label[@]+"${label[@]}"}" "${args[@]}" "$tr"; then
		say "$name: $(wc -c <"$tr") bytes, $(wc -c <"$out/$name.trace.gz") gzipped; figures refreshed"
	else
		say "$name: the truth program disagrees with go tool trace"
		status=1
	fi
	[ -f "$out/$name.json" ] || say "$name: no label yet ($out/$name.json)"
done
exit $status
