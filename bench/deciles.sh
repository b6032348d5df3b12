#!/usr/bin/env bash
# Times the starter decile job `loyalty_miles` through clvdesk against the very
# same SQL run by DuckDB directly (the python `duckdb` package, the same DuckDB
# version as the bundled one), on `clvdesk sample --customers N` data, and prints
# the ratio. Not a test: run it by hand on an idle machine.
#
#   bench/deciles.sh                     # 1,000,000 customers
#   CUSTOMERS=100000 bench/deciles.sh    # quicker
#
# Env: CUSTOMERS (1000000), OUT (/tmp/clvdesk-bench-deciles), CLVDESK (the binary;
# default $CARGO_TARGET_DIR/release/clvdesk or ./target/release/clvdesk), RUNS (5;
# medians are reported), KEEP=1 reuses generated data.
#
# The clvdesk side is `clvdesk --run-schedule --job loyalty_miles --force` when the
# binary has it; until the schedule runner lands it is `clvdesk query -f` of the
# script the job generates (the same text the runner executes, read from the
# `COMMENT` the runner puts on `loyalty_miles_deciles`), and the output says so.
set -euo pipefail

CUSTOMERS=${CUSTOMERS:-1000000}
OUT=${OUT:-/tmp/clvdesk-bench-deciles}
RUNS=${RUNS:-5}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}
DATA=$OUT/data-$CUSTOMERS
ROOT=$OUT/ws-$CUSTOMERS          # definitions beside the database file
DB=$ROOT/warehouse.duckdb
SEEDED=$OUT/seeded               # a seeded workspace: the starter job file and its script

[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }
python3 -c 'import duckdb' 2>/dev/null || { echo "needs: pip install duckdb==2.0.0" >&2; exit 2; }

if [ "${KEEP:-0}" != 1 ] || [ ! -f "$DB" ]; then
  rm -rf "$DATA" "$ROOT" "$SEEDED"
  echo "generating $CUSTOMERS customers into $DATA" >&2
  "$BIN" sample --customers "$CUSTOMERS" --out "$DATA" >&2
  mkdir -p "$ROOT"
  for t in customers loyalty_transactions; do
    "$BIN" ingest "$DATA/$t.csv" --into "$t" --workspace "$DB" >/dev/null
  done
  # Opening a new folder workspace seeds it: the starter job file, run once.
  "$BIN" query --workspace "$SEEDED" -c "SELECT 1" >/dev/null
  mkdir -p "$ROOT/deciles"
  cp "$SEEDED/deciles/loyalty_miles.toml" "$ROOT/deciles/"
fi
q() { "$BIN" query --workspace "$1" --format csv -c "$2" | tail -n 1; }
rows=$(q "$DB" "SELECT count(*) FROM loyalty_transactions")
echo "loyalty_transactions: $rows rows" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
script_of() {  # the script that produced loyalty_miles_deciles in workspace $1
  "$BIN" query --workspace "$1" --format jsonl \
    -c "SELECT comment FROM duckdb_tables() WHERE table_name = 'loyalty_miles_deciles'" \
    | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["comment"], end="")'
}

if "$BIN" --help 2>&1 | grep -q -- '--run-schedule'; then
  path="clvdesk --run-schedule --job loyalty_miles --force"
  cmd=("$BIN" --run-schedule --workspace "$DB" --job loyalty_miles --force)
  "${cmd[@]}" >/dev/null    # warm-up run; it also leaves the script as the table comment
  script_of "$DB" > "$OUT/loyalty_miles.sql"
else
  # The seeded workspace ran the same job file; its as_of is the latest txn_date of
  # the embedded sample, which must be the latest date here too for the text to match.
  script_of "$SEEDED" > "$OUT/loyalty_miles.sql"
  want=$(q "$DB" "SELECT max(txn_date) FROM loyalty_transactions")
  grep -q "as_of $want " "$OUT/loyalty_miles.sql" || {
    echo "the seeded script's as_of differs from this data's latest date ($want)" >&2; exit 1; }
  path="clvdesk query -f (no --run-schedule in this binary yet)"
  cmd=("$BIN" query --workspace "$DB" --format csv -f "$OUT/loyalty_miles.sql")
  "${cmd[@]}" >/dev/null    # warm-up
fi
echo "script: $OUT/loyalty_miles.sql" >&2

echo "$path  x$RUNS" >&2
for _ in $(seq "$RUNS"); do
  python3 - "${cmd[@]}" <<'EOF'
import subprocess, sys, time
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(time.perf_counter() - t0)
EOF
done | median > "$OUT/clvdesk.t"

echo "python duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)'): the same script x$RUNS" >&2
python3 - "$DB" "$OUT/loyalty_miles.sql" "$RUNS" > "$OUT/duckdb.t" <<'EOF'
import statistics, subprocess, sys, time
db, script, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
# A fresh process per run, as the clvdesk side is: open the file, run the script.
code = ("import duckdb,sys,time; c=duckdb.connect(sys.argv[1]); t=time.perf_counter(); "
        "c.execute(open(sys.argv[2]).read()); print(time.perf_counter()-t); c.close()")
walls, inner = [], []
for _ in range(runs):
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, db, script], check=True,
                         capture_output=True, text=True).stdout
    walls.append(time.perf_counter() - t0)
    inner.append(float(out.strip()))
print(statistics.median(walls), statistics.median(inner))
EOF

c=$(cat "$OUT/clvdesk.t"); read -r p pin < "$OUT/duckdb.t"
printf 'customers %s, loyalty_transactions %s rows\n' "$CUSTOMERS" "$rows"
printf 'clvdesk  %.3f s  (%s, whole process)\n' "$c" "$path"
printf 'duckdb   %.3f s  (python duckdb, whole process; script alone %.3f s)\n' "$p" "$pin"
printf 'ratio    %.3f  (clvdesk / duckdb, whole process; target <= 1.10)\n' "$(echo "$c / $p" | bc -l)"
