#!/usr/bin/env bash
# Compares `clvdesk query` with DuckDB itself (the `duckdb` Python package,
# DuckDB 2.0 like the bundled crate) on the same database file and SQL.
# Prints wall and CPU times (median and best of RUNS interleaved whole-process
# runs) and the ratios clvdesk / duckdb, with the load average beside them.
# The two compute kernels (hash, arithmetic over range()) measure the compiled
# DuckDB itself: no I/O, no result, so their ratio is the build's (compiler,
# flags, allocator), not clvdesk's.
#
#   bench/query_overhead.sh [ROWS]     (default 20,000,000 rows)
#   KERNEL_SCALE=0.1 bench/query_overhead.sh   (kernels on a tenth of the rows)
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-20000000}
RUNS=${RUNS:-5}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clvdesk-target}"
cargo build --release --quiet
BIN="$CARGO_TARGET_DIR/release/clvdesk"
WORK=$(mktemp -d /tmp/clvdesk-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
VENV=${VENV:-$HOME/.cache/clvdesk-bench-venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet duckdb
fi
KERNEL_SCALE=${KERNEL_SCALE:-1}
PY="$VENV/bin/python"
echo "duckdb (python) $("$PY" -c 'import duckdb; print(duckdb.__version__)'); clvdesk's: $("$BIN" query -c 'select version()' --format csv 2>/dev/null | tail -n 1); rows: $ROWS; runs: $RUNS"

WS="$WORK/ws"
"$BIN" query --workspace "$WS" -c "
  create table events as
  select (i % 1000003) as customer_id,
         date '2024-01-01' + ((i * 7919) % 730)::int as day,
         ((i * 104729) % 100000) / 100.0 as amount,
         ['STATUS_MILES','AWARD_MILES','PURCHASE'][(i % 3) + 1] as kind
  from range($ROWS) t(i)" >/dev/null 2>&1
DB="$WS/warehouse.duckdb"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
best() { sort -n | head -n 1; }
# One run: prints "wall cpu" seconds (cpu = user + sys, less sensitive to other load).
time_cmd() {
  /usr/bin/time -f "%e %U %S" -o "$WORK/t" "$@" >/dev/null 2>&1
  awk '{printf "%s %s\n", $1, $2 + $3}' "$WORK/t"
}

run_case() {
  local name=$1 sql=$2 fmt=$3 out=$4
  local pysql
  case $fmt in
    table) pysql="con.sql(\"\"\"$sql\"\"\").fetchall()";;
    csv)   pysql="con.execute(\"\"\"COPY ($sql) TO '$out.py' (FORMAT csv, HEADER true)\"\"\")";;
    parquet) pysql="con.execute(\"\"\"COPY ($sql) TO '$out.py' (FORMAT parquet, COMPRESSION zstd)\"\"\")";;
  esac
  : > "$WORK/c"; : > "$WORK/p"
  # Interleave the two so that background load hits both alike.
  for _ in $(seq "$RUNS"); do
    time_cmd "$BIN" query --workspace "$WS" -c "$sql" --format "$fmt" --limit 0 ${out:+--out "$out"} >> "$WORK/c"
    time_cmd "$PY" -c "import duckdb; con = duckdb.connect('$DB'); $pysql" >> "$WORK/p"
  done
  local cw cc pw pc cb pb
  cw=$(cut -d' ' -f1 "$WORK/c" | median); cc=$(cut -d' ' -f2 "$WORK/c" | median)
  pw=$(cut -d' ' -f1 "$WORK/p" | median); pc=$(cut -d' ' -f2 "$WORK/p" | median)
  cb=$(cut -d' ' -f2 "$WORK/c" | best); pb=$(cut -d' ' -f2 "$WORK/p" | best)
  printf "%-26s wall: clvdesk %6.2fs duckdb %6.2fs ratio %.3f | cpu: clvdesk %6.2fs duckdb %6.2fs ratio %.3f | best cpu ratio %.3f | load %s\n" \
    "$name" "$cw" "$pw" "$(echo "$cw / $pw" | bc -l)" "$cc" "$pc" "$(echo "$cc / $pc" | bc -l)" \
    "$(echo "$cb / $pb" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
}

HASH_ROWS=$(awk -v s="$KERNEL_SCALE" 'BEGIN {printf "%d", 300000000 * s}')
LIN_ROWS=$(awk -v s="$KERNEL_SCALE" 'BEGIN {printf "%d", 1000000000 * s}')
run_case "kernel: sum(hash)" "select sum(hash(range)) from range($HASH_ROWS)" table ""
run_case "kernel: sum(range*2+1)" "select sum(range*2+1) from range($LIN_ROWS)" table ""

run_case "aggregate (table)" "select kind, count(*) as n, sum(amount) as total, count(distinct customer_id) as customers from events group by kind order by kind" table ""
run_case "top customers (table)" "select customer_id, sum(amount) as total from events group by 1 order by 2 desc limit 20" table ""
run_case "export all rows (csv)" "select * from events" csv "$WORK/out.csv"
run_case "export all rows (parquet)" "select * from events" parquet "$WORK/out.parquet"
run_case "monthly revenue (csv)" "select date_trunc('month', day) as month, sum(amount) from events group by 1 order by 1" csv "$WORK/m.csv"
