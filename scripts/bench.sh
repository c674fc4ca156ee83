#!/usr/bin/env bash
# bench.sh measures vizrun against its yardstick on one generated trace, in
# the same run: the bare golang.org/x/exp/trace read loop, vizrun report end
# to end, and go tool trace -pprof=sync. Runs are interleaved (these machines
# are noisy) and the median of RUNS is reported, with peak RSS from GNU time.
#
#   make bench                      # a ~100 MB trace, 5 runs
#   SIZE=500MB RUNS=3 make bench    # a larger trace
#   GOTOOL=0 make bench             # skip go tool trace (slow: ~1 min per run)
#   FLEET_DIR=out/fleet-bench GOTOOL=0 make bench
#                                   # also vizrun summary over a directory of
#                                   # traces (make bench-fleet records 40),
#                                   # against the bare loop two at a time
#
# BENCH_DIR keeps the binaries and the trace between runs (default: a new
# temporary directory).
set -euo pipefail

SIZE=${SIZE:-100MB}
RUNS=${RUNS:-5}
GOTOOL=${GOTOOL:-1}
GO=${GO:-go}
dir=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$dir"

if ! [ -x /usr/bin/time ]; then
	echo "installing GNU time (Debian package time) for peak RSS" >&2
	sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
fi

cd "$(dirname "$0")/.."
$GO build -o "$dir/vizrun" ./cmd/vizrun
$GO build -o "$dir/bareread" ./internal/tracegen/cmd/bareread
$GO build -o "$dir/tracegen" ./internal/tracegen/cmd/tracegen
trace="$dir/bench-$SIZE.trace"
if ! [ -s "$trace" ]; then
	echo "generating a $SIZE trace ..." >&2
	"$dir/tracegen" -size "$SIZE" -o "$trace"
fi
bytes=$(stat -c %s "$trace")

tools=(bare vizrun)
[ "$GOTOOL" = 1 ] && tools+=(gotool)
FLEET_DIR=${FLEET_DIR:-}
[ -n "$FLEET_DIR" ] && tools+=(bare-fleet vizrun-fleet)

# run TOOL: prints "seconds cpu-seconds peak-KB" (CPU: user + system)
run() {
	local out="$dir/time.out" f="%e %U %S %M"
	case $1 in
	bare) /usr/bin/time -f "$f" -o "$out" "$dir/bareread" "$trace" >/dev/null ;;
	vizrun) /usr/bin/time -f "$f" -o "$out" "$dir/vizrun" report -o "$dir/report.html" "$trace" 2>/dev/null ;;
	gotool) /usr/bin/time -f "$f" -o "$out" $GO tool trace -pprof=sync "$trace" >/dev/null ;;
	bare-fleet) /usr/bin/time -f "$f" -o "$out" sh -c 'ls "$1"/*.trace | xargs -P2 -n1 "$2" >/dev/null' sh "$FLEET_DIR" "$dir/bareread" ;;
	vizrun-fleet) /usr/bin/time -f "$f" -o "$out" "$dir/vizrun" summary "$FLEET_DIR" >/dev/null 2>&1 ;;
	esac
	tail -1 "$out" | awk '{ print $1, $2 + $3, $4 }'
}

declare -A secs cpu rss
for ((i = 1; i <= RUNS; i++)); do
	for t in "${tools[@]}"; do
		read -r s c m < <(run "$t")
		secs[$t]+="$s "
		cpu[$t]+="$c "
		rss[$t]+="$m "
		echo "run $i/$RUNS $t: ${s}s, ${c}s CPU, $((m / 1024)) MiB" >&2
	done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

printf '\ntrace: %s (%d bytes), %d runs, medians\n' "$SIZE" "$bytes" "$RUNS"
printf '%-32s %9s %9s %9s %10s %10s %10s\n' tool seconds CPU "peak MiB" "time/bare" "CPU/bare" "RSS/bare"
for t in "${tools[@]}"; do
	base=bare
	[[ $t == *-fleet ]] && base=bare-fleet
	s=$(echo "${secs[$t]}" | median)
	c=$(echo "${cpu[$t]}" | median)
	m=$(echo "${rss[$t]}" | median)
	b_s=$(echo "${secs[$base]}" | median)
	b_c=$(echo "${cpu[$base]}" | median)
	b_m=$(echo "${rss[$base]}" | median)
	name=$t
	case $t in
	bare) name="x/exp/trace read loop" ;;
	vizrun) name="vizrun report" ;;
	gotool) name="go tool trace -pprof=sync" ;;
	bare-fleet) name="read loop, FLEET_DIR, 2 at once" ;;
	vizrun-fleet) name="vizrun summary FLEET_DIR" ;;
	esac
	awk -v n="$name" -v s="$s" -v c="$c" -v m="$m" -v bs="$b_s" -v bc="$b_c" -v bm="$b_m" \
		'BEGIN { printf "%-32s %9.2f %9.2f %9.0f %9.2fx %9.2fx %9.2fx\n", n, s, c, m/1024, s/bs, c/bc, m/bm }'
done
html=$(stat -c %s "$dir/report.html")
awk -v h="$html" -v bytes="$bytes" -v s="$(echo "${secs[bare]}" | median)" 'BEGIN { printf "report HTML: %.1f MiB; bare reader throughput %.0f MB/s\n", h/1048576, bytes/1e6/s }'
