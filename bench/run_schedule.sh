#!/usr/bin/env bash
# Wall time of `clvdesk --run-schedule` when nothing is due, on a freshly seeded workspace
# (the starter schedules exist; none is due): what a cron entry costs every few minutes.
# Prints the median, min and max of RUNS whole-process runs, in milliseconds.
#
#   bench/run_schedule.sh            (RUNS=30 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-30}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clvdesk-target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/clvdesk"
WORK=$(mktemp -d /tmp/clvdesk-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
WS="$WORK/ws"
# Seed once (sample data, starter decile job, CLV fit, starter schedules).
"$BIN" --run-schedule --workspace "$WS" 2>/dev/null
ls "$WS/schedules"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs "$RUNS" "$BIN --run-schedule --workspace $WS"
  exit 0
fi
ms() { date +%s%N; }
times=()
for _ in $(seq 3); do "$BIN" --run-schedule --workspace "$WS" 2>/dev/null; done
for _ in $(seq "$RUNS"); do
  t0=$(ms)
  "$BIN" --run-schedule --workspace "$WS" 2>/dev/null
  t1=$(ms)
  times+=($(( (t1 - t0) / 1000000 )))
done
printf '%s\n' "${times[@]}" | sort -n | awk -v runs="$RUNS" '
  {a[NR]=$1} END {printf "--run-schedule, nothing due: median %d ms, min %d ms, max %d ms (%d runs)\n", a[int((NR+1)/2)], a[1], a[NR], runs}'
