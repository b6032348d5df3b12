#!/usr/bin/env bash
# Compares `clvdesk clv` with the Python `lifetimes` package (BetaGeoFitter +
# GammaGammaFitter) on the same RFM summary, at 100k and 1M customers of
# `clvdesk sample` data, and prints the speed ratio and both log-likelihoods.
# Not a test: run it by hand on an idle machine.
#
#   bench/clv_fit.sh                       # 100000 and 1000000 customers
#   SIZES=100000 bench/clv_fit.sh          # quicker
#
# What is timed:
# - clvdesk: the whole command, wall clock: reading the transaction CSV, the RFM summary in
#   DuckDB, both fits (with standard errors), predictions for every customer (P(alive),
#   expected purchases, spend, 12-month CLV), the holdout check, and writing the
#   per-customer CSV. The JSON report also gives the fit-only times.
# - lifetimes: only BetaGeoFitter.fit + GammaGammaFitter.fit on the summary clvdesk wrote
#   (the same frequency, recency, T and monetary value), already in memory.
# Log-likelihoods are compared on one basis: lifetimes fits BG/NBD on time rescaled by
# 10/max(T) (its LL then differs by sum(x)·ln(scale)) and reports a mean, so both parameter
# sets are evaluated here with the full formula of issue 5 on the unscaled summary.
#
# Then the end-to-end comparison (see the section at the end): the whole `clvdesk clv` job
# against pandas + lifetimes doing the same job, and the RFM summary against one plain
# DuckDB aggregate.
#
# Env: SIZES ("100000 1000000"), OUT (/tmp/clvdesk-bench-clv), VENV (a venv with lifetimes and
# duckdb, created if missing: ~/.cache/clvdesk-bench-venv), E2E_RUNS (3), CLVDESK (the binary; default
# target/release/clvdesk under CARGO_TARGET_DIR or ./target), SEED (42), KEEP=1 reuses data.
set -euo pipefail

SIZES=${SIZES:-"100000 1000000"}
OUT=${OUT:-/tmp/clvdesk-bench-clv}
VENV=${VENV:-$HOME/.cache/clvdesk-bench-venv}
SEED=${SEED:-42}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}

[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import lifetimes' 2>/dev/null; then
  echo "creating $VENV with lifetimes from PyPI" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q lifetimes duckdb >&2
fi
PY=$VENV/bin/python
mkdir -p "$OUT"

cat > "$OUT/lifetimes_fit.py" <<'PYEOF'
import json, sys, time, warnings
import numpy as np, pandas as pd
from scipy.special import gammaln
from lifetimes import BetaGeoFitter, GammaGammaFitter

warnings.simplefilter("ignore")
summary_csv, report_json, clvdesk_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
d = pd.read_csv(summary_csv, usecols=["frequency", "recency", "T", "monetary_value"])
ours = json.load(open(report_json))
x, tx, T = d.frequency.to_numpy(float), d.recency.to_numpy(float), d["T"].to_numpy(float)

def bg_ll(r, alpha, a, b):
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    m = np.maximum(a3, a4)
    return float(np.sum(a1 + a2 + m + np.log(np.exp(a3 - m) + (x > 0) * np.exp(a4 - m))))

rep = d[(d.frequency > 0) & (d.monetary_value > 0)]
xr, mr = rep.frequency.to_numpy(float), rep.monetary_value.to_numpy(float)

def gg_ll(p, q, v):
    return float(np.sum(gammaln(p * xr + q) - gammaln(p * xr) - gammaln(q) + q * np.log(v)
                        + (p * xr - 1) * np.log(mr) + p * xr * np.log(xr) - (p * xr + q) * np.log(v + xr * mr)))

t0 = time.perf_counter()
bg = BetaGeoFitter()
bg.fit(d.frequency, d.recency, d["T"])
t_bg = time.perf_counter() - t0
t0 = time.perf_counter()
gg = GammaGammaFitter()
gg.fit(rep.frequency, rep.monetary_value)
t_gg = time.perf_counter() - t0

lb, lg = bg.params_, gg.params_
ll_bg_lt = bg_ll(lb["r"], lb["alpha"], lb["a"], lb["b"])
ob, og = ours["bgnbd"], ours["gamma_gamma"]
ll_bg_ours = bg_ll(ob["r"], ob["alpha"], ob["a"], ob["b"])
ll_gg_lt = gg_ll(lg["p"], lg["q"], lg["v"])
ll_gg_ours = gg_ll(og["p"], og["q"], og["v"])
rel = lambda u, v: abs(u - v) / abs(v)
t_lt = t_bg + t_gg
fit_ms = ours["timings_ms"]["bgnbd"] + ours["timings_ms"]["gamma_gamma"]
print(f"customers                 {len(d)}")
print(f"lifetimes BG/NBD          r={lb['r']:.6f} alpha={lb['alpha']:.6f} a={lb['a']:.6f} b={lb['b']:.6f}")
print(f"clvdesk   BG/NBD          r={ob['r']:.6f} alpha={ob['alpha']:.6f} a={ob['a']:.6f} b={ob['b']:.6f}")
print(f"BG/NBD LL  lifetimes      {ll_bg_lt:.6f}")
print(f"BG/NBD LL  clvdesk        {ll_bg_ours:.6f} (reported {ob['log_likelihood']:.6f}); rel diff {rel(ll_bg_ours, ll_bg_lt):.2e}")
print(f"lifetimes Gamma-Gamma     p={lg['p']:.6f} q={lg['q']:.6f} v={lg['v']:.6f}")
print(f"clvdesk   Gamma-Gamma     p={og['p']:.6f} q={og['q']:.6f} v={og['v']:.6f}")
print(f"GG LL      lifetimes      {ll_gg_lt:.6f}")
print(f"GG LL      clvdesk        {ll_gg_ours:.6f} (reported {og['log_likelihood']:.6f}); rel diff {rel(ll_gg_ours, ll_gg_lt):.2e}")
print(f"lifetimes fit time        {t_lt:.2f} s (BG/NBD {t_bg:.2f} s, Gamma-Gamma {t_gg:.2f} s)")
print(f"clvdesk whole command     {clvdesk_seconds:.2f} s (of which fits {fit_ms / 1000:.2f} s)")
print(f"ratio lifetimes fits / clvdesk whole command: {t_lt / clvdesk_seconds:.1f}x")
print(f"ratio lifetimes fits / clvdesk fits:          {t_lt / (fit_ms / 1000):.1f}x")
PYEOF

for n in $SIZES; do
  data=$OUT/data-$n
  if [ "${KEEP:-0}" != 1 ] || [ ! -f "$data/truth.json" ]; then
    rm -rf "$data"
    echo "generating $n customers into $data" >&2
    "$BIN" sample --customers "$n" --seed "$SEED" --out "$data" >&2
  fi
  cal=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['calibration_end'])" "$data/truth.json")
  start=$(date +%s.%N)
  "$BIN" clv --transactions "$data/loyalty_transactions.csv" --customer member_id \
    --date txn_date --amount amount --calibration-end "$cal" \
    --out "$data/summary.csv" --format json > "$data/clv.json" 2> "$data/clv.log"
  end=$(date +%s.%N)
  secs=$("$PY" -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$start" "$end")
  echo "== $n customers"
  "$PY" "$OUT/lifetimes_fit.py" "$data/summary.csv" "$data/clv.json" "$secs"
done

# ---- End to end: the whole job on both sides, paired ----------------------------------
# clvdesk: `clvdesk clv` on the transaction CSV with --out (the same command as above).
# peer: pandas + lifetimes doing the same job in one process: read the CSV, the calibration
# summary (frequency, recency, T in weeks, monetary value) and holdout purchases, both fits,
# 12-month CLV at 1% a month, per-customer predictions written to CSV.
# Each side is timed as a whole process (/usr/bin/time: wall, user+sys CPU, peak RSS);
# E2E_RUNS pairs are interleaved and the median and best are printed with the load.
cat > "$OUT/lifetimes_e2e.py" <<'PYEOF'
import sys, warnings
import numpy as np, pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import calibration_and_holdout_data
warnings.simplefilter("ignore")
csv, cal, out = sys.argv[1], sys.argv[2], sys.argv[3]
tx = pd.read_csv(csv, usecols=["member_id", "txn_date", "amount"], parse_dates=["txn_date"])
tx = tx[tx.amount >= 0]
end = tx.txn_date.max()
s = calibration_and_holdout_data(tx, "member_id", "txn_date", calibration_period_end=cal,
                                 observation_period_end=end, freq="W", freq_multiplier=1,
                                 monetary_value_col="amount")
bg = BetaGeoFitter()
bg.fit(s.frequency_cal, s.recency_cal, s.T_cal)
rep = s[(s.frequency_cal > 0) & (s.monetary_value_cal > 0)]
gg = GammaGammaFitter()
gg.fit(rep.frequency_cal, rep.monetary_value_cal)
s["p_alive"] = bg.conditional_probability_alive(s.frequency_cal, s.recency_cal, s.T_cal)
s["expected_purchases"] = bg.conditional_expected_number_of_purchases_up_to_time(
    52, s.frequency_cal, s.recency_cal, s.T_cal)
s["expected_avg_spend"] = gg.conditional_expected_average_profit(s.frequency_cal, s.monetary_value_cal)
s["clv"] = gg.customer_lifetime_value(bg, s.frequency_cal, s.recency_cal, s.T_cal,
                                      s.monetary_value_cal, time=12, discount_rate=0.01, freq="W")
s.to_csv(out)
print(len(s), float(s.clv.sum()))
PYEOF
E2E_RUNS=${E2E_RUNS:-3}
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
for n in $SIZES; do
  data=$OUT/data-$n
  cal=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['calibration_end'])" "$data/truth.json")
  : > "$OUT/e2e-c"; : > "$OUT/e2e-p"
  for _ in $(seq "$E2E_RUNS"); do
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/t" "$BIN" clv --transactions "$data/loyalty_transactions.csv" \
      --customer member_id --date txn_date --amount amount --calibration-end "$cal" \
      --out "$data/e2e-clvdesk.csv" --format json > "$data/e2e.json" 2>/dev/null
    awk '{print $1, $2 + $3, $4}' "$OUT/t" >> "$OUT/e2e-c"
    /usr/bin/time -f "%e %U %S %M" -o "$OUT/t" "$PY" "$OUT/lifetimes_e2e.py" \
      "$data/loyalty_transactions.csv" "$cal" "$data/e2e-lifetimes.csv" > /dev/null 2>&1
    awk '{print $1, $2 + $3, $4}' "$OUT/t" >> "$OUT/e2e-p"
  done
  cw=$(cut -d' ' -f1 "$OUT/e2e-c" | med); pw=$(cut -d' ' -f1 "$OUT/e2e-p" | med)
  cc=$(cut -d' ' -f2 "$OUT/e2e-c" | med); pc=$(cut -d' ' -f2 "$OUT/e2e-p" | med)
  cm=$(cut -d' ' -f3 "$OUT/e2e-c" | med); pm=$(cut -d' ' -f3 "$OUT/e2e-p" | med)
  cb=$(cut -d' ' -f1 "$OUT/e2e-c" | sort -n | head -1); pb=$(cut -d' ' -f1 "$OUT/e2e-p" | sort -n | head -1)
  summary_ms=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['timings_ms']['summary'])" "$data/e2e.json")
  echo "== end to end, $n customers ($E2E_RUNS paired runs, load $(cut -d' ' -f1-3 /proc/loadavg))"
  printf 'clvdesk clv          wall %6.2f s (best %.2f)  cpu %6.2f s  peak RSS %5d MiB  (summary %.2f s)\n' "$cw" "$cb" "$cc" $((cm / 1024)) "$(echo "$summary_ms / 1000" | bc -l)"
  printf 'pandas + lifetimes   wall %6.2f s (best %.2f)  cpu %6.2f s  peak RSS %5d MiB\n' "$pw" "$pb" "$pc" $((pm / 1024))
  printf 'ratio peer/clvdesk   wall %.1fx (best %.1fx)  cpu %.1fx  memory %.2fx (goal: >= 15x, memory below the peer)\n' \
    "$(echo "$pw / $cw" | bc -l)" "$(echo "$pb / $cb" | bc -l)" "$(echo "$pc / $cc" | bc -l)" "$(echo "$pm / $cm" | bc -l)"
  # The summary against the same aggregate as one plain DuckDB query (python duckdb).
  plain=$("$PY" - "$data/loyalty_transactions.csv" "$cal" <<'PYEOF'
import duckdb, sys, time
csv, cal = sys.argv[1], sys.argv[2]
c = duckdb.connect()
t = time.perf_counter()
c.execute(f"""
CREATE TEMP TABLE s AS
WITH d AS (SELECT member_id AS c, txn_date::DATE AS d, sum(amount) AS total
           FROM read_csv_auto('{csv}') WHERE amount >= 0 GROUP BY ALL)
SELECT c, count(*) FILTER (WHERE d <= DATE '{cal}') - 1 AS frequency,
       date_diff('day', min(d), max(d) FILTER (WHERE d <= DATE '{cal}')) / 7.0 AS recency,
       date_diff('day', min(d), DATE '{cal}') / 7.0 AS T,
       avg(total) AS monetary, count(*) FILTER (WHERE d > DATE '{cal}') AS holdout
FROM d GROUP BY c HAVING min(d) <= DATE '{cal}'""")
print(time.perf_counter() - t)
PYEOF
)
  printf 'summary vs plain DuckDB aggregate (python duckdb): %.2f s / %.2f s = %.2fx (goal <= 1.2x)\n' \
    "$(echo "$summary_ms / 1000" | bc -l)" "$plain" "$(echo "$summary_ms / 1000 / $plain" | bc -l)"
done
