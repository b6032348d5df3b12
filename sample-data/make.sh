#!/usr/bin/env bash
# Regenerate the starter data committed in sample-data/ (embedded by the
# workspace seeding code). Usage, from anywhere:
#
#   sample-data/make.sh            # builds clvdesk (release) if CLVDESK is unset
#   CLVDESK=/path/to/clvdesk sample-data/make.sh
#
# It runs `clvdesk sample --customers 4000 --seed 7` into a temporary folder,
# then converts each CSV to zstd Parquet with explicit column types (the
# schema in README.md) using `clvdesk query`, or the `duckdb` Python package
# when this clvdesk has no `query` command, and copies truth.json.
# The output is deterministic for a given clvdesk and DuckDB version.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
customers="${CUSTOMERS:-4000}"
seed="${SEED:-7}"

if [ -z "${CLVDESK:-}" ]; then
  (cd "$root" && cargo build --release --quiet)
  CLVDESK="${CARGO_TARGET_DIR:-$root/target}/release/clvdesk"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$CLVDESK" sample --customers "$customers" --seed "$seed" --out "$tmp/csv"

lit() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }

# table|column types (exactly the fixed schema in CONVENTIONS.md / README.md)
tables=(
  "customers|{'customer_id': 'BIGINT', 'email': 'VARCHAR', 'first_name': 'VARCHAR', 'last_name': 'VARCHAR', 'country': 'VARCHAR', 'loyalty_status': 'VARCHAR', 'signup_date': 'DATE'}"
  "loyalty_transactions|{'member_id': 'BIGINT', 'txn_date': 'DATE', 'transaction_type': 'VARCHAR', 'details': 'VARCHAR', 'miles': 'BIGINT', 'amount': 'DOUBLE'}"
  "email_campaigns|{'campaign_id': 'BIGINT', 'name': 'VARCHAR', 'subject': 'VARCHAR', 'sent_at': 'TIMESTAMP', 'audience': 'VARCHAR'}"
  "email_events|{'campaign_id': 'BIGINT', 'customer_id': 'BIGINT', 'event_type': 'VARCHAR', 'event_ts': 'TIMESTAMP'}"
)
sql=""
for t in "${tables[@]}"; do
  name="${t%%|*}"
  cols="${t#*|}"
  src="$(lit "$tmp/csv/$name.csv")"
  dst="$(lit "$tmp/$name.parquet")"
  sql+="COPY (SELECT * FROM read_csv($src, header = true, columns = $cols)) TO $dst (FORMAT parquet, COMPRESSION zstd); "
done

if "$CLVDESK" query --help >/dev/null 2>&1; then
  "$CLVDESK" query --workspace "$tmp/ws" -c "$sql" >/dev/null
else
  python3 -c 'import sys, duckdb; duckdb.connect().execute(sys.argv[1])' "$sql"
fi

for t in "${tables[@]}"; do
  name="${t%%|*}"
  mv "$tmp/$name.parquet" "$here/$name.parquet"
done
cp "$tmp/csv/truth.json" "$here/truth.json"
ls -l "$here"/*.parquet "$here/truth.json" >&2
