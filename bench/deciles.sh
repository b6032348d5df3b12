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
VENV=${VENV:-$HOME/.cache/clvdesk-bench-venv}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install -q duckdb >&2
fi
PY=$VENV/bin/python

if [ "${KEEP:-0}" != 1 ] || [ ! -f "$DB" ]; then
  rm -rf "$DATA" "$ROOT"
  echo "generating $CUSTOMERS customers into $DATA" >&2
  "$BIN" sample --customers "$CUSTOMERS" --out "$DATA" >&2
  mkdir -p "$ROOT"
  for t in customers loyalty_transactions; do
    "$BIN" ingest "$DATA/$t.csv" --into "$t" --workspace "$DB" >/dev/null
  done
fi
# Opening a new folder workspace seeds it: the starter job file, run once by this
# binary (so its script is this binary's).
rm -rf "$SEEDED"
"$BIN" query --workspace "$SEEDED" -c "SELECT 1" >/dev/null 2>&1
mkdir -p "$ROOT/deciles"
cp "$SEEDED/deciles/loyalty_miles.toml" "$ROOT/deciles/"
q() { "$BIN" query --workspace "$1" --format csv -c "$2" | tail -n 1; }
rows=$(q "$DB" "SELECT count(*) FROM loyalty_transactions")
echo "loyalty_transactions: $rows rows" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
script_of() {  # the script that produced loyalty_miles_deciles in workspace $1
  "$BIN" query --workspace "$1" --format jsonl \
    -c "SELECT comment FROM duckdb_tables() WHERE table_name = 'loyalty_miles_deciles'" \
    | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["comment"], end="")'
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

echo "$path vs python duckdb $("$PY" -c 'import duckdb; print(duckdb.__version__)'), interleaved x$RUNS, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# Runs alternate (clvdesk, duckdb, clvdesk, ...) so load from elsewhere hits both
# sides alike; each run is a fresh process that opens the file and runs the job.
"$PY" - "$DB" "$OUT/loyalty_miles.sql" "$RUNS" "${cmd[@]}" > "$OUT/times" <<'EOF'
import resource, statistics, subprocess, sys, time
def cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime
db, script, runs, cmd = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
# Inside the python process: open + script + close, without interpreter start-up
# and `import duckdb` (which clvdesk, a native binary, does not pay).
# The progress bar (on by default in python) is turned off: it would print and
# clvdesk draws none headless.
code = ("import duckdb,sys,time; t=time.perf_counter(); c=duckdb.connect(sys.argv[1]); "
        "c.execute('SET enable_progress_bar = false'); "
        "c.execute(open(sys.argv[2]).read()); c.close(); print(time.perf_counter()-t)")
cl, py, inner, clc, pyc = [], [], [], [], []
for _ in range(runs):
    t0, c0 = time.perf_counter(), cpu()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    cl.append(time.perf_counter() - t0)
    clc.append(cpu() - c0)
    t0, c0 = time.perf_counter(), cpu()
    out = subprocess.run([sys.executable, "-c", code, db, script], check=True,
                         capture_output=True, text=True).stdout
    py.append(time.perf_counter() - t0)
    pyc.append(cpu() - c0)
    inner.append(float(out.strip()))
print(statistics.median(cl), statistics.median(py), statistics.median(inner), min(cl), min(inner),
      statistics.median(clc), statistics.median(pyc))
print("clvdesk runs:", " ".join(f"{t:.3f}" for t in cl), file=sys.stderr)
print("duckdb runs: ", " ".join(f"{t:.3f}" for t in py), file=sys.stderr)
EOF

read -r c p pin cmin pmin cc pc < "$OUT/times"
printf 'customers %s, loyalty_transactions %s rows\n' "$CUSTOMERS" "$rows"
printf 'clvdesk  %.3f s  (%s, whole process)\n' "$c" "$path"
printf 'duckdb   %.3f s  open + script + close inside python (whole process %.3f s)\n' "$pin" "$p"
printf 'ratio    %.3f  (clvdesk whole process / duckdb open+script+close; target <= 1.05)\n' "$(echo "$c / $pin" | bc -l)"
printf 'ratio    %.3f  (whole process both sides)\n' "$(echo "$c / $p" | bc -l)"
printf 'ratio    %.3f  (best runs: clvdesk %.3f s / duckdb open+script+close %.3f s)\n' "$(echo "$cmin / $pmin" | bc -l)" "$cmin" "$pmin"
printf 'cpu      clvdesk %.3f s / python duckdb %.3f s (whole processes, user+sys; python pays its start-up and import) = %.3f\n' "$cc" "$pc" "$(echo "$cc / $pc" | bc -l)"
