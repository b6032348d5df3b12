#!/usr/bin/env bash
# `clvdesk query --format csv` to stdout: the streamed path (DuckDB's COPY into
# a private fifo, relayed to our own stdout handle) against the old path
# (COPY straight to /dev/stdout, still reachable as `--out /dev/stdout`) and
# DuckDB itself (the `duckdb` Python package). Prints wall time, CPU and
# peak RSS (median of RUNS runs) to /dev/null and through a pipe, and ratios.
#
#   bench/stdout_stream.sh [ROWS]     (default 100,000,000 rows)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-100000000}
RUNS=${RUNS:-3}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clvdesk-target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/clvdesk"
WORK=$(mktemp -d /tmp/clvdesk-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
VENV=/tmp/clvdesk-bench-venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi
PY="$VENV/bin/python"
export CLVDESK_WORKSPACE="$WORK/ws"
"$BIN" query -c "select 1" >/dev/null 2>&1
SQL="select * from range($ROWS)"
echo "rows: $ROWS; runs: $RUNS; duckdb (python) $("$PY" -c 'import duckdb; print(duckdb.__version__)')"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# One run of `sh -c CMD`: prints "wall cpu maxrss_kb".
run() {
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/t" sh -c "$1" 2>/dev/null
  awk '{printf "%s %s %s\n", $1, $2 + $3, $4}' "$WORK/t"
}
declare -A WALL
measure() {  # name, command
  local walls="" cpus="" rss=""
  for _ in $(seq "$RUNS"); do
    read -r w c m < <(run "$2")
    walls+="$w"$'\n'; cpus+="$c"$'\n'; rss+="$m"$'\n'
  done
  local mw mc mm
  mw=$(printf '%s' "$walls" | median); mc=$(printf '%s' "$cpus" | median); mm=$(printf '%s' "$rss" | median)
  WALL[$1]=$mw
  printf '%-34s wall %6.2fs  cpu %6.2fs  peak RSS %7.1f MiB\n' "$1" "$mw" "$mc" "$(echo "$mm/1024" | bc -l)"
}
# Peak RSS of a pipeline is that of its largest process (time -v on sh reports the max of children).
measure "stream > /dev/null"        "'$BIN' query -c '$SQL' --format csv > /dev/null"
measure "old COPY /dev/stdout > null" "'$BIN' query -c '$SQL' --format csv --out /dev/stdout > /dev/null"
measure "stream | cat"              "'$BIN' query -c '$SQL' --format csv | cat > /dev/null"
measure "old COPY /dev/stdout | cat" "'$BIN' query -c '$SQL' --format csv --out /dev/stdout | cat > /dev/null"
measure "duckdb python | cat"       "'$PY' -c \"import duckdb; duckdb.sql(\\\"COPY ($SQL) TO '/dev/stdout' (FORMAT csv, HEADER true)\\\")\" | cat > /dev/null"
ratio() { echo "scale=3; ${WALL[$1]} / ${WALL[$2]}" | bc; }
echo "stream/old  (/dev/null): $(ratio 'stream > /dev/null' 'old COPY /dev/stdout > null')"
echo "stream/old  (pipe):      $(ratio 'stream | cat' 'old COPY /dev/stdout | cat')"
echo "stream/duckdb (pipe):    $(ratio 'stream | cat' 'duckdb python | cat')"
