#!/usr/bin/env bash
# stress-test.sh runs the go test part of make test K times while N
# CPU-burning processes per core run beside it, then prints how often each
# package passed and failed, and the names of the tests that failed. It is how
# to check that the tests pass on a busy machine (a CI runner, a laptop
# running a build), not only on an idle one.
#
#   scripts/stress-test.sh                 # K=5 runs, 2 burners per core
#   scripts/stress-test.sh -k 2 -n 3       # 2 runs, 3 burners per core
#   K=3 BURNERS=1 scripts/stress-test.sh   # the same through the environment
#   scripts/stress-test.sh -all            # also the telegram module and the browser tests
#   scripts/stress-test.sh -- ./internal/parse   # only these packages
#   scripts/stress-test.sh -table /tmp/vizrun-stress.X   # the table of runs logged there
#
# Each run is go test -race -count=1 -timeout 30m ./... (or the packages after --); with
# -all it is followed by the telegram module's go test -race -count=1 ./...
# and go test -tags browser -count=1 ./internal/browser, as in make test.
# The burners are stopped when the script ends, also on Ctrl-C. The output of
# every run is kept in LOG_DIR (default: a new temporary directory). The exit
# status is 1 if any run failed.
set -uo pipefail

K=${K:-5}
BURNERS=${BURNERS:-2}
ALL=${ALL:-0}
GO=${GO:-go}
LOG_DIR=${LOG_DIR:-}
pkgs=(./...)
tables=()

usage() {
	echo "usage: $0 [-k runs] [-n burners-per-core] [-all] [-- packages...]" >&2
	echo "       $0 -table LOG_DIR...   (the table of earlier runs, from their logs)" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	-k) [ $# -ge 2 ] || usage; K=$2; shift 2 ;;
	-n) [ $# -ge 2 ] || usage; BURNERS=$2; shift 2 ;;
	-all) ALL=1; shift ;;
	-table)
		[ $# -ge 2 ] || usage
		d=$(cd "$2" 2>/dev/null && pwd) || { echo "stress-test: no directory $2" >&2; exit 2; }
		tables+=("$d")
		shift 2
		;;
	--) shift; [ $# -gt 0 ] && pkgs=("$@"); break ;;
	-h | -help | --help) usage ;;
	*) echo "stress-test: unknown argument $1" >&2; usage ;;
	esac
done
case $K in '' | *[!0-9]* | 0) echo "stress-test: K must be a positive number of runs, not '$K'" >&2; exit 2 ;; esac
case $BURNERS in '' | *[!0-9]*) echo "stress-test: burners per core must be a number, not '$BURNERS'" >&2; exit 2 ;; esac

cd "$(dirname "$0")/.." || exit 2
if [ -z "$LOG_DIR" ] && [ ${#tables[@]} -eq 0 ]; then
	LOG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vizrun-stress.XXXXXX") || exit 2
fi
[ ${#tables[@]} -gt 0 ] || mkdir -p "$LOG_DIR" || exit 2

cores=$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null || echo 1)
nburn=$((BURNERS * cores))

burner_pids=()
stop_burners() {
	if [ ${#burner_pids[@]} -gt 0 ]; then
		kill "${burner_pids[@]}" 2>/dev/null
		wait "${burner_pids[@]}" 2>/dev/null
		burner_pids=()
	fi
}
# The go command of the current run, stopped with the burners when the
# script is interrupted (Ctrl-C reaches it anyway; a kill of the script
# alone would not).
gopid=
interrupted() {
	[ -n "$gopid" ] && kill "$gopid" 2>/dev/null
	stop_burners
	echo "stress-test: interrupted" >&2
	exit 130
}
trap stop_burners EXIT
trap interrupted INT TERM HUP

if [ ${#tables[@]} -eq 0 ]; then
	for ((i = 0; i < nburn; i++)); do
		sh -c 'while :; do :; done' &
		burner_pids+=($!)
	done
	echo "stress-test: $K run(s) with $nburn burner(s) ($BURNERS per core, $cores cores); logs in $LOG_DIR"
fi

# gotest runs go with its arguments in directory $1, appending its output
# to $log, in the background so that a signal to the script can stop it.
gotest() {
	local dir=$1
	shift
	(cd "$dir" && exec $GO "$@") >>"$log" 2>&1 &
	gopid=$!
	wait "$gopid"
	local st=$?
	gopid=
	return $st
}

# one_run runs the commands of one run, appending their output to $log.
one_run() {
	local st=0
	gotest . test -race -count=1 -timeout 30m "${pkgs[@]}" || st=1
	if [ "$ALL" = 1 ]; then
		gotest examples/telegram test -race -count=1 ./... || st=1
		gotest . test -tags browser -count=1 ./internal/browser || st=1
	fi
	return $st
}

declare -A pass fail tests
order=()
failed_runs=0

# tally adds the packages of the log $1 of one run to the table.
tally() {
	local log=$1 kind pkg names n
	# Lines "ok  <pkg> ..." and "FAIL <pkg> ...": the test failures
	# ("--- FAIL: TestX") printed before a FAIL line are that package's.
	while IFS=$'\t' read -r kind pkg names; do
		[ -n "${pass[$pkg]+x}" ] || { pass[$pkg]=0; fail[$pkg]=0; tests[$pkg]=""; order+=("$pkg"); }
		if [ "$kind" = ok ]; then
			pass[$pkg]=$((pass[$pkg] + 1))
		else
			fail[$pkg]=$((fail[$pkg] + 1))
			for n in $names; do
				case " ${tests[$pkg]} " in *" $n "*) ;; *) tests[$pkg]="${tests[$pkg]:+${tests[$pkg]} }$n" ;; esac
			done
		fi
	done < <(awk '
		/^[ \t]*--- FAIL: / { n = $3; if (!(n in seen)) { seen[n] = 1; failed = failed " " n } ; next }
		/^ok[ \t]/ { printf "ok\t%s\t\n", $2; failed = ""; delete seen; next }
		/^FAIL[ \t]+[^ \t]/ && $2 != "" { printf "FAIL\t%s\t%s\n", $2, failed; failed = ""; delete seen; next }
	' "$log")
	nfail=$(grep -Ec '^FAIL[[:space:]]+[^[:space:]]' "$log")
}

if [ ${#tables[@]} -gt 0 ]; then
	# -table: the table of runs already made, from their logs.
	stop_burners
	K=0
	for d in "${tables[@]}"; do
		for log in "$d"/run-*.log; do
			[ -f "$log" ] || continue
			K=$((K + 1))
			tally "$log"
			[ "$nfail" = 0 ] || failed_runs=$((failed_runs + 1))
			echo "$log: $nfail package(s) failed"
		done
	done
else
	for ((run = 1; run <= K; run++)); do
		log=$LOG_DIR/run-$run.log
		: >"$log"
		start=$(date +%s)
		if one_run; then status=PASS; else status=FAIL; failed_runs=$((failed_runs + 1)); fi
		secs=$(($(date +%s) - start))
		tally "$log"
		if [ "$status" = FAIL ] && [ "$nfail" = 0 ]; then
			# go test failed without a package line: a build or setup error.
			[ -n "${pass[(no package line)]+x}" ] || { pass["(no package line)"]=0; fail["(no package line)"]=0; tests["(no package line)"]=""; order+=("(no package line)"); }
			fail["(no package line)"]=$((fail["(no package line)"] + 1))
		fi
		echo "run $run/$K: $status in ${secs}s ($nfail package(s) failed) $log"
	done
fi
stop_burners

echo
printf '%-50s %6s %6s  %s\n' PACKAGE PASS FAIL "FAILED TESTS"
for pkg in "${order[@]}"; do
	printf '%-50s %6d %6d  %s\n' "$pkg" "${pass[$pkg]}" "${fail[$pkg]}" "${tests[$pkg]}"
done
echo
if [ ${#tables[@]} -gt 0 ]; then
	echo "stress-test: $((K - failed_runs))/$K logged run(s) passed"
else
	echo "stress-test: $((K - failed_runs))/$K run(s) passed with $nburn burner(s) ($BURNERS per core)"
fi
[ "$failed_runs" = 0 ]
