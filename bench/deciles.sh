#!/usr/bin/env bash
# Times the starter decile job `loyalty_miles` through clvdesk against the very
# same SQL run by DuckDB directly (the python `duckdb` package, same DuckDB
# version as the bundled one), on `clvdesk sample --customers N` data, and prints
# the ratio. Not a test: run it by hand on an idle machine.
#
#   bench/deciles.sh                     # 1,000,000 customers
#   CUSTOMERS=100000 bench/deciles.sh    # quicker
#
# Env: CUSTOMERS (1000000), OUT (/tmp/clvdesk-bench-deciles), CLVDESK (the
# binary; default target/release/clvdesk under CARGO_TARGET_DIR or ./target),
# RUNS (3: the median of RUNS timed runs is reported), KEEP=1 reuses data.
set -euo pipefail

CUSTOMERS=${CUSTOMERS:-1000000}
OUT=${OUT:-/tmp/clvdesk-bench-deciles}
RUNS=${RUNS:-3}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}
DATA=$OUT/data-$CUSTOMERS
WS=$OUT/ws-$CUSTOMERS

[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }
python3 -c 'import duckdb' 2>/dev/null || { echo "needs: pip install duckdb==2.0.0" >&2; exit 2; }

if [ "${KEEP:-0}" != 1 ] || [ ! -f "$WS/warehouse.duckdb" ]; then
  rm -rf "$DATA" "$WS"
  echo "generating $CUSTOMERS customers into $DATA" >&2
  "$BIN" sample --customers "$CUSTOMERS" --out "$DATA" >&2
  mkdir -p "$WS"
  for t in customers loyalty_transactions; do
    "$BIN" ingest "$DATA/$t.csv" --into "$t" --workspace "$WS" >&2
  done
fi
rows=$("$BIN" query --workspace "$WS" --format csv -c "SELECT count(*) FROM loyalty_transactions" | tail -1)
echo "loyalty_transactions: $rows rows" >&2

# The job as the seeded workspace has it (written by the seeding, or by hand here
# when the workspace was created by `ingest` alone).
mkdir -p "$WS/deciles"
[ -f "$WS/deciles/loyalty_miles.toml" ] || cat > "$WS/deciles/loyalty_miles.toml" <<'EOF'
source = "loyalty_transactions"
identity = "member_id"
metric = "miles"
date_column = "txn_date"
category = "loyalty_status"
category_table = "customers"
category_key = "customer_id"
windows = ["1m", "3m", "6m", "12m", "lifetime"]
buckets = 10
filter = "transaction_type = 'STATUS_MILES'"
EOF

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

echo "clvdesk --run-schedule --job loyalty_miles --force  x$RUNS" >&2
for _ in $(seq "$RUNS"); do
  t0=$(now)
  "$BIN" --run-schedule --workspace "$WS" --job loyalty_miles --force >/dev/null
  t1=$(now)
  echo "$t1 - $t0" | bc
done | median > "$OUT/clvdesk.t"

# The exact script that ran is the long table's comment.
"$BIN" query --workspace "$WS" --format jsonl \
  -c "SELECT comment FROM duckdb_tables() WHERE table_name = 'loyalty_miles_deciles'" \
  | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["comment"])' > "$OUT/loyalty_miles.sql"
echo "script: $OUT/loyalty_miles.sql" >&2

echo "python duckdb $(python3 -c 'import duckdb; print(duckdb.__version__)'): same script x$RUNS" >&2
python3 - "$WS/warehouse.duckdb" "$OUT/loyalty_miles.sql" "$RUNS" > "$OUT/duckdb.t" <<'EOF'
import statistics, subprocess, sys, time
db, script, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
# Each run is a fresh process, as the clvdesk run is: open the file, run the script.
code = "import duckdb,sys; c=duckdb.connect(sys.argv[1]); c.execute(open(sys.argv[2]).read()); c.close()"
ts = []
for _ in range(runs):
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, db, script], check=True)
    ts.append(time.perf_counter() - t0)
print(statistics.median(ts))
EOF

c=$(cat "$OUT/clvdesk.t"); p=$(cat "$OUT/duckdb.t")
printf 'customers %s, rows %s\nclvdesk  %.2f s\nduckdb   %.2f s (python, fresh process)\nratio    %.3f (clvdesk / duckdb; target <= 1.10)\n' \
  "$CUSTOMERS" "$rows" "$c" "$p" "$(echo "$c / $p" | bc -l)"
