#!/usr/bin/env bash
# Incremental fold of one 1M-event response batch into the campaign facts: the starter job
# `response_fold` run by `clvdesk --run-schedule --job response_fold --force` against the
# same SQL (read from the workspace's jobs/response_fold.sql, with the checkpoint read and
# moved as the job does) run by the python `duckdb` package; then the same command with no
# new batch. Prints medians and the ratio. Not a test: run it by hand on an idle machine.
#
#   bench/fold.sh                        # events of `clvdesk sample --customers 1000000`
#   CUSTOMERS=100000 BATCH=100000 bench/fold.sh   # quicker
#
# Data: the sample's email_events.csv is split into a base (all but the last BATCH rows,
# ingested and folded first) and a new batch (the last BATCH rows, 1,000,000 by default),
# ingested into a seeded workspace. Each timed run starts from the checkpoint just before
# the new batch (reset between runs), so both sides fold exactly that batch.
#
# What is timed:
# - clvdesk: the whole command, wall clock: process start, opening the workspace, loading
#   the job definitions, the run log rows, the checkpoint, the fold, the commit.
# - python duckdb: connect (opening the database), the checkpoint read, the pending-batch
#   query, the fold's statements, the checkpoint update, commit and close; not the
#   interpreter's start or `import duckdb`.
#
# Env: CUSTOMERS (1000000), BATCH (1000000), RUNS (5), OUT (/tmp/clvdesk-bench-fold),
# CLVDESK (the binary; default $CARGO_TARGET_DIR/release/clvdesk or ./target/release/clvdesk),
# VENV (~/.cache/clvdesk-bench-venv, created with duckdb if missing), KEEP=1 reuses data.
set -euo pipefail

CUSTOMERS=${CUSTOMERS:-1000000}
BATCH=${BATCH:-1000000}
RUNS=${RUNS:-5}
OUT=${OUT:-/tmp/clvdesk-bench-fold}
VENV=${VENV:-$HOME/.cache/clvdesk-bench-venv}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}
DATA=$OUT/data-$CUSTOMERS
WS=$OUT/ws-$CUSTOMERS-$BATCH

[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  echo "creating $VENV with duckdb from PyPI" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q duckdb >&2
fi
PY=$VENV/bin/python
mkdir -p "$OUT"

if [ "${KEEP:-0}" != 1 ] || [ ! -f "$WS/warehouse.duckdb" ]; then
  rm -rf "$WS"
  if [ ! -f "$DATA/email_events.csv" ]; then
    echo "generating $CUSTOMERS customers into $DATA" >&2
    "$BIN" sample --customers "$CUSTOMERS" --out "$DATA" >&2
  fi
  total=$(($(wc -l < "$DATA/email_events.csv") - 1))
  [ "$total" -gt "$BATCH" ] || { echo "only $total events; lower BATCH" >&2; exit 2; }
  head -n $((total - BATCH + 1)) "$DATA/email_events.csv" > "$OUT/base.csv"
  { head -n 1 "$DATA/email_events.csv"; tail -n "$BATCH" "$DATA/email_events.csv"; } > "$OUT/batch.csv"
  # A seeded workspace (sample data, starter jobs, the first fold of the sample events).
  "$BIN" --run-schedule --workspace "$WS" 2>/dev/null
  "$BIN" ingest "$OUT/base.csv" --into email_events --workspace "$WS" >&2
  "$BIN" --run-schedule --workspace "$WS" --job response_fold --force 2>&1 | grep -v '^clvdesk: 1 run' >&2
  "$BIN" ingest "$OUT/batch.csv" --into email_events --workspace "$WS" >&2
  rm -f "$OUT/base.csv" "$OUT/batch.csv"
fi

cat > "$OUT/fold.py" <<'PYEOF'
import sys, time, duckdb

db, sql_file, mode = sys.argv[1], sys.argv[2], sys.argv[3]

def statements(text):
    for piece in text.split(";"):
        body = "\n".join(l for l in piece.splitlines() if not l.strip().startswith("--"))
        if body.strip():
            yield piece

if mode == "reset":  # checkpoint back to just before the newest batch of email_events
    con = duckdb.connect(db)
    newest = con.execute("SELECT max(batch_id) FROM clvdesk_meta.ingest_batches WHERE table_name = 'email_events'").fetchone()[0]
    prev = con.execute("SELECT max(batch_id) FROM clvdesk_meta.ingest_batches WHERE table_name = 'email_events' AND batch_id < ?", [newest]).fetchone()[0]
    con.execute("UPDATE clvdesk_meta.checkpoints SET last_batch_id = ? WHERE job = 'response_fold'", [prev])
    con.close()
    print(prev)
    sys.exit(0)

text = open(sql_file).read()
t0 = time.perf_counter()
con = duckdb.connect(db)
t1 = time.perf_counter()
con.execute("BEGIN TRANSACTION")
last = con.execute("SELECT last_batch_id FROM clvdesk_meta.checkpoints WHERE job = ? AND source_table = ?",
                   ["response_fold", "email_events"]).fetchone()[0]
to = con.execute('SELECT max("_batch_id")::BIGINT FROM "email_events" WHERE "_batch_id" > ?', [last]).fetchone()[0]
batches, rows = con.execute(
    'SELECT count(DISTINCT "_batch_id")::BIGINT, count(*)::BIGINT FROM "email_events" WHERE "_batch_id" > ? AND "_batch_id" <= ?',
    [last, to]).fetchone()
for stmt in statements(text):
    con.execute(stmt, {"FROM_BATCH": last, "TO_BATCH": to})
con.execute("UPDATE clvdesk_meta.checkpoints SET last_batch_id = ?, last_rows = ?, total_rows = total_rows + ? WHERE job = ? AND source_table = ?",
            [to, rows, rows, "response_fold", "email_events"])
con.execute("COMMIT")
t2 = time.perf_counter()
con.close()
print(f"{(time.perf_counter() - t0) * 1000:.1f} {rows} {(t2 - t1) * 1000:.1f}")
PYEOF

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { date +%s%N; }
DB=$WS/warehouse.duckdb
SQL=$WS/jobs/response_fold.sql
events=$("$BIN" query --workspace "$WS" --format csv -c "SELECT count(*) FROM email_events" | tail -n 1)
echo "email_events: $events rows; folding the newest batch of $BATCH events, $RUNS runs each" >&2

# The run's own time (run log: started -> finished) from --format json.
run_ms() { "$PY" -c 'import json,sys,datetime as d
r=json.load(sys.stdin)[0]; f=lambda s: d.datetime.fromisoformat(s.replace("Z","+00:00"))
assert r["status"]=="succeeded", r
print(round((f(r["finished"])-f(r["started"])).total_seconds()*1000), r["summary"])'; }
ours=(); theirs=(); ours_job=(); theirs_tx=()
for _ in $(seq "$RUNS"); do
  "$PY" "$OUT/fold.py" "$DB" "$SQL" reset >/dev/null
  t0=$(ms)
  json=$("$BIN" --run-schedule --workspace "$WS" --job response_fold --force --format json 2>/dev/null)
  t1=$(ms)
  read -r job line < <(printf '%s' "$json" | run_ms)
  case "$line" in *"rows)"*) ;; *) echo "unexpected: $line" >&2; exit 1 ;; esac
  ours+=($(( (t1 - t0) / 1000000 ))); ours_job+=("$job")
  "$PY" "$OUT/fold.py" "$DB" "$SQL" reset >/dev/null
  read -r t rows tx < <("$PY" "$OUT/fold.py" "$DB" "$SQL" fold)
  [ "$rows" = "$BATCH" ] || { echo "python folded $rows rows, expected $BATCH" >&2; exit 1; }
  theirs+=("$t"); theirs_tx+=("$tx")
done
echo "last clvdesk run: $line" >&2
# The checkpoint is at the newest batch: nothing new.
idle=(); idle_job=(); base=()
for _ in $(seq 3); do "$BIN" --run-schedule --workspace "$WS" --job response_fold --force 2>/dev/null >&2; done
for _ in $(seq $((RUNS * 2))); do
  t0=$(ms)
  json=$("$BIN" --run-schedule --workspace "$WS" --job response_fold --force --format json 2>/dev/null)
  t1=$(ms)
  read -r job line < <(printf '%s' "$json" | run_ms)
  case "$line" in *"no new batches"*) ;; *) echo "unexpected: $line" >&2; exit 1 ;; esac
  idle+=($(( (t1 - t0) / 1000000 ))); idle_job+=("$job")
  # What opening and closing this workspace costs, with no job at all.
  t0=$(ms); "$BIN" query --workspace "$WS" -c "SELECT 1" >/dev/null 2>&1; t1=$(ms)
  base+=($(( (t1 - t0) / 1000000 )))
done

o=$(printf '%s\n' "${ours[@]}" | median)
p=$(printf '%s\n' "${theirs[@]}" | median)
oj=$(printf '%s\n' "${ours_job[@]}" | median)
px=$(printf '%s\n' "${theirs_tx[@]}" | median)
i=$(printf '%s\n' "${idle[@]}" | median)
ij=$(printf '%s\n' "${idle_job[@]}" | median)
b=$(printf '%s\n' "${base[@]}" | median)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "fold of $BATCH events, whole process: clvdesk median ${o} ms (runs: ${ours[*]}), python duckdb connect..close median ${p} ms (runs: ${theirs[*]})"
awk -v o="$o" -v p="$p" 'BEGIN {printf "ratio clvdesk / python duckdb (whole): %.2fx (goal <= 1.1x)\n", o / p}'
echo "fold of $BATCH events, the job itself: clvdesk run log started..finished median ${oj} ms (runs: ${ours_job[*]}), python BEGIN..COMMIT median ${px} ms (runs: ${theirs_tx[*]})"
awk -v o="$oj" -v p="$px" 'BEGIN {printf "ratio clvdesk / python duckdb (job): %.2fx\n", o / p}'
echo "no new batch: clvdesk whole process median ${i} ms (runs: ${idle[*]}), the run itself median ${ij} ms (runs: ${idle_job[*]}) (goal < 100 ms)"
echo "for scale: clvdesk query -c 'SELECT 1' on this workspace (open + close, no job): median ${b} ms"
