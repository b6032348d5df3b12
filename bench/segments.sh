#!/usr/bin/env bash
# Segments at scale, on `clvdesk sample --customers N` data: preview latency of a segment
# with an attribute, an email-event count in the last 90 days and a CLV-decile condition
# (top 30% predicted CLV), the same compiled SQL run by python duckdb (ratio), membership
# refresh time, and an export of the audience to CSV split every 100k rows.
# Not a test: run it by hand on an idle machine.
#
#   bench/segments.sh                     # 1,000,000 customers
#   CUSTOMERS=100000 bench/segments.sh    # quicker
#
# Env: CUSTOMERS (1000000), OUT (/tmp/clvdesk-bench-segments), CLVDESK (the binary; default
# $CARGO_TARGET_DIR/release/clvdesk), RUNS (5; medians), KEEP=1 reuses the data, PY (a python
# with duckdb; default ~/.cache/clvdesk-bench-venv/bin/python).
set -euo pipefail

CUSTOMERS=${CUSTOMERS:-1000000}
OUT=${OUT:-/tmp/clvdesk-bench-segments}
RUNS=${RUNS:-5}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}
PY=${PY:-$HOME/.cache/clvdesk-bench-venv/bin/python}
DATA=$OUT/data-$CUSTOMERS
ROOT=$OUT/ws-$CUSTOMERS
[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }

if [ "${KEEP:-0}" != 1 ] || [ ! -f "$ROOT/warehouse.duckdb" ]; then
  rm -rf "$DATA" "$ROOT"
  echo "generating $CUSTOMERS customers into $DATA" >&2
  "$BIN" sample --customers "$CUSTOMERS" --out "$DATA" >&2
  mkdir -p "$ROOT"
  for t in customers loyalty_transactions email_events; do
    "$BIN" ingest "$DATA/$t.csv" --into "$t" --workspace "$ROOT/warehouse.duckdb" >/dev/null
  done
  echo "fitting CLV" >&2
  "$BIN" clv --workspace "$ROOT" --transactions loyalty_transactions --customer member_id \
    --date txn_date --amount amount --format json >/dev/null
fi
mkdir -p "$ROOT/segments" "$ROOT/destinations"
cat > "$ROOT/segments/bench.toml" <<'TOML'
profile = "customers"
identity = "customer_id"
[rule]
type = "all"
[[rule.conditions]]
type = "attribute"
column = "loyalty_status"
op = "in"
values = ["Aurora", "Nova", "Star"]
[[rule.conditions]]
type = "event"
table = "email_events"
key = "customer_id"
date = "event_ts"
event_column = "event_type"
event_types = ["open", "click"]
op = "at_least"
value = 1
last_days = 90
[[rule.conditions]]
type = "clv"
field = "clv"
op = "top_percent"
value = 30
TOML
cat > "$ROOT/destinations/bench_csv.toml" <<'TOML'
folder = "exports"
split_every = 100000
mandatory = ["email"]
dedupe_by = "email"
mode = "full"
[fields]
email = "email"
first_name = "first_name"
last_name = "last_name"
tier = "loyalty_status"
TOML
W=(--workspace "$ROOT")
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The compiled SQL, values inlined (for python duckdb), as a count.
"$BIN" segment show bench "${W[@]}" --format json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["sql"])' > "$OUT/bench.sql"
"$BIN" query "${W[@]}" --format csv -c "SELECT 1" >/dev/null

echo "preview (in-process elapsed, whole preview incl. metrics and overlaps), x$RUNS" >&2
for _ in $(seq "$RUNS"); do
  "$BIN" segment preview bench "${W[@]}" --exact --format json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["elapsed_ms"])'
done > "$OUT/preview_ms"
count=$("$BIN" segment preview bench "${W[@]}" --exact --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["count"])')

echo "the compiled query: clvdesk (bound parameters, in process) vs python duckdb (same SQL, values inlined), x$RUNS" >&2
"$BIN" segment show bench "${W[@]}" --format json \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["inline_sql"])' > "$OUT/bench_inline.sql"
for _ in $(seq "$RUNS"); do
  "$BIN" segment preview bench "${W[@]}" --exact --format json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["members_ms"])'
done > "$OUT/members_ms"
"$PY" - "$ROOT/warehouse.duckdb" "$OUT/bench_inline.sql" "$RUNS" > "$OUT/py_ms" <<'PYEOF'
import duckdb, sys, time, statistics
db, sql, runs = sys.argv[1], open(sys.argv[2]).read(), int(sys.argv[3])
c = duckdb.connect(db, read_only=True)
c.execute("SET enable_progress_bar = false")
ts = []
for _ in range(runs):
    t = time.perf_counter()
    c.execute("CREATE OR REPLACE TEMP TABLE m AS " + sql)
    ts.append((time.perf_counter() - t) * 1000)
print(statistics.median(ts))
PYEOF
cl=$(median < "$OUT/members_ms"); py=$(cat "$OUT/py_ms")
printf 'compiled query  clvdesk %.0f ms  python duckdb %.0f ms  ratio %.2f (target <= 1.10)\n' "$cl" "$py" "$(echo "$cl / $py" | bc -l)"
read -r -a pv < <(median < "$OUT/preview_ms")
printf 'customers %s; segment members %s\n' "$CUSTOMERS" "$count"
printf 'preview  median %.0f ms (exact, whole preview; target < 300 ms for the count)\n' "${pv[0]}"

echo "refresh x$RUNS" >&2
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N); "$BIN" segment refresh bench "${W[@]}" >/dev/null 2>&1; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
done | median | xargs printf 'refresh  median %.3f s (whole process; target < 2 s)\n'

echo "export x$RUNS" >&2
for _ in $(seq "$RUNS"); do
  s=$(date +%s.%N); "$BIN" activate bench --destination bench_csv --full "${W[@]}" >/dev/null 2>"$OUT/activate.err"; e=$(date +%s.%N)
  echo "$e - $s" | bc -l
done | median | xargs printf 'export   median %.3f s (whole process incl. its refresh; target < 2 s)\n'
tail -n 1 "$OUT/activate.err"
