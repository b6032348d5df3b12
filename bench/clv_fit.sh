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
# Env: SIZES ("100000 1000000"), OUT (/tmp/clvdesk-bench-clv), VENV (a venv with lifetimes,
# created if missing: /tmp/clvdesk-lifetimes-venv), CLVDESK (the binary; default
# target/release/clvdesk under CARGO_TARGET_DIR or ./target), SEED (42), KEEP=1 reuses data.
set -euo pipefail

SIZES=${SIZES:-"100000 1000000"}
OUT=${OUT:-/tmp/clvdesk-bench-clv}
VENV=${VENV:-/tmp/clvdesk-lifetimes-venv}
SEED=${SEED:-42}
BIN=${CLVDESK:-${CARGO_TARGET_DIR:-target}/release/clvdesk}

[ -x "$BIN" ] || { echo "no clvdesk binary at $BIN (cargo build --release)" >&2; exit 2; }
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import lifetimes' 2>/dev/null; then
  echo "creating $VENV with lifetimes from PyPI" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q lifetimes >&2
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
