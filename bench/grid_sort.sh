#!/usr/bin/env bash
# Sorting a 100M-row result in the grid (issue 13 §3): the SQL tab sorts the whole result
# once into a scratch table (engine::sorted) and pages from it. This runs the same engine
# calls as the app (examples/grid_sort.rs) on `select range as id, (range * 7919) % 1000003
# as derived from range(ROWS)` sorted by the derived column, and prints the goal beside each
# number: first sorted page < 10 s on 2 cores, later pages < 100 ms, peak RSS < 1 GiB
# (DuckDB's memory_limit MEMORY_LIMIT; the sort spills to the database's temp directory).
#
#   bench/grid_sort.sh                 # 100,000,000 rows
#   ROWS=10000000 OLD=1 bench/grid_sort.sh   # smaller, plus what one page cost before
#
# Env: ROWS, PAGES (20), MEMORY_LIMIT (700MB), THREADS, OLD (1: also time one page the old
# way, ORDER BY re-run per page — minutes at 100M rows on a loaded machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clvdesk-target}"
cargo build --release --quiet --example grid_sort
echo "load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
/usr/bin/time -f "process: %e s wall, %U s user, %S s sys, peak RSS %M kB" \
  "$CARGO_TARGET_DIR/release/examples/grid_sort"
echo "goals: first sorted page < 10 s (2 cores), later pages < 100 ms, peak RSS < 1 GiB"
