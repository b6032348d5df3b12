#!/usr/bin/env bash
# Times `clvdesk dashboard render` of an 8-widget dashboard (the CLV starter's six
# widgets plus the Campaigns starter's campaign bars and open-rate line) on
# `clvdesk sample --customers N` data, against the same eight queries run one after
# another by DuckDB directly (the python `duckdb` package, same DuckDB version),
# and prints the ratio. clvdesk runs the widgets four at a time and draws them; the
# peer only runs the SQL. Not a test: run it by hand on an idle machine.
#
#   bench/dashboard_render.sh                     # 1,000,000 customers
#   CUSTOMERS=100000 bench/dashboard_render.sh    # quicker
#
# Env: CUSTOMERS (1000000), OUT (/tmp/clvdesk-bench-dashboard), CLVDESK (the binary;
# default $CARGO_TARGET_DIR/release/clvdesk), RUNS (5; medians), KEEP=1 reuses the data,
# PYTHON (~/.cache/clvdesk-bench-venv/bin/python).
set -euo pipefail

CUSTOMERS=${CUSTOMERS:-1000000}
OUT=${OUT:-/tmp/clvdesk-bench-dashboard}
RUNS=${RUNS:-5}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}
PY=${PYTHON:-$HOME/.cache/clvdesk-bench-venv/bin/python}
DATA=$OUT/data-$CUSTOMERS
ROOT=$OUT/ws-$CUSTOMERS
DB=$ROOT/warehouse.duckdb
SEEDED=$OUT/seeded

[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }
"$PY" -c 'import duckdb' 2>/dev/null || { echo "needs: $PY with duckdb==2.0.0 (python3 -m venv ~/.cache/clvdesk-bench-venv; pip install duckdb)" >&2; exit 2; }

if [ "${KEEP:-0}" != 1 ] || [ ! -f "$DB" ]; then
  rm -rf "$DATA" "$ROOT"
  echo "generating $CUSTOMERS customers into $DATA" >&2
  "$BIN" sample --customers "$CUSTOMERS" --out "$DATA" >&2
  mkdir -p "$ROOT"
  for t in customers loyalty_transactions email_campaigns email_events; do
    "$BIN" ingest "$DATA/$t.csv" --into "$t" --workspace "$DB" >/dev/null
  done
  echo "fitting CLV (clv_predictions)" >&2
  "$BIN" clv --workspace "$DB" --transactions loyalty_transactions --customer member_id \
    --date txn_date --amount amount >/dev/null
fi
# The starter dashboards as this binary writes them into a new workspace.
rm -rf "$SEEDED"
"$BIN" dashboard list --workspace "$SEEDED" >/dev/null 2>&1
mkdir -p "$ROOT/dashboards"
"$PY" - "$SEEDED/dashboards" "$ROOT/dashboards/bench.toml" <<'PYEOF'
import sys, re
src, dst = sys.argv[1], sys.argv[2]
clv = open(f"{src}/clv.toml").read()
blocks = open(f"{src}/campaigns.toml").read().split("[[widget]]")[1:]
extra = ""
for i, b in enumerate([blocks[0], blocks[2]]):   # campaign bars, open-rate line
    b = re.sub(r"^at = \[.*\]$", f"at = [{i * 6}, 39, 6, 12]", b, flags=re.M)
    extra += "\n[[widget]]" + b
open(dst, "w").write(clv.rstrip("\n") + "\n" + extra)
PYEOF
W=$("$BIN" dashboard list --workspace "$DB" | awk -F'\t' '$1=="bench"{print $3}')
echo "bench dashboard: $W" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

times=()
for _ in $(seq "$RUNS"); do
  t0=$(now)
  "$BIN" dashboard render bench --workspace "$DB" --width 160 >"$OUT/render.txt"
  t1=$(now)
  times+=("$(echo "$t1 - $t0" | bc)")
done
ours=$(printf '%s\n' "${times[@]}" | median)
grep -c '✗' "$OUT/render.txt" >/dev/null && { echo "a widget failed:" >&2; grep '✗' "$OUT/render.txt" >&2; }

peer=$("$PY" - "$DB" "$ROOT/dashboards/bench.toml" "$RUNS" <<'PYEOF'
import sys, time, tomllib, re, duckdb, statistics
db, dash, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = tomllib.load(open(dash, "rb"))
con = duckdb.connect(db, read_only=True)
end = con.execute(d["dates"]["data_end_sql"]).fetchone()[0]
start = con.execute("SELECT (CAST(? AS DATE) - INTERVAL 12 MONTH + INTERVAL 1 DAY)::DATE", [end]).fetchone()[0]
queries = []
for w in d["widget"]:
    names = re.findall(r"\$(START_DATE|END_DATE|PARAM)\b", w["sql"])
    sql = re.sub(r"\$(START_DATE|END_DATE)\b", "CAST(? AS DATE)", w["sql"])
    sql = re.sub(r"\$PARAM\b", "CAST(? AS VARCHAR)", sql)
    vals = [str(start) if n == "START_DATE" else str(end) if n == "END_DATE" else None for n in names]
    queries.append((sql, vals))
ts = []
for _ in range(runs):
    t0 = time.perf_counter()
    con = duckdb.connect(db, read_only=True)   # like the CLI: open, run all, close
    for sql, vals in queries:
        con.execute(sql, vals).fetchall()
    con.close()
    ts.append(time.perf_counter() - t0)
print(f"{statistics.median(ts):.3f}")
PYEOF
)
echo "customers: $CUSTOMERS, widgets: $W"
printf 'clvdesk dashboard render (open, 8 queries 4 at a time, draw): %.3f s\n' "$ours"
printf 'python duckdb, the 8 queries one after another:              %.3f s\n' "$peer"
echo "ratio clvdesk/peer: $(echo "scale=2; $ours / $peer" | bc)"
