#!/usr/bin/env bash
# Excel import (issue 3 "Measure"): a roster of N rows (default 100,000) of 月塘街道, checked with
# the person form's rules and written in one transaction by `shegong import`, timed with
# /usr/bin/time -v (wall time and peak RSS of the whole command: reading the .xlsx, the dry run,
# the commit). Then the same file again (every row matched, nothing written).
#
#   benches/import.sh                 # SQLite, 100,000 rows
#   benches/import.sh postgres 20000  # PostgreSQL at $BENCH_PG_ADMIN_URL
#
# Needs python3 with openpyxl (pip install openpyxl) to write the roster.
set -euo pipefail
backend=${1:-sqlite}
rows=${2:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release -q -j 1 -p shegong
bin=$root/target/release/shegong
work=$(mktemp -d)
export SHEGONG_DATA_KEY_FILE=$work/shegong.key SHEGONG_LOG=warn
db_name=""
if [ "$backend" = postgres ]; then
  admin=${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
  db_name=shegong_import_$$
  psql "$admin" -qc "CREATE DATABASE $db_name" >/dev/null
  export SHEGONG_DATABASE_URL=${admin%/*}/$db_name
else
  export SHEGONG_DATABASE_URL=sqlite://$work/shegong.db
fi
cleanup() {
  [ -n "$db_name" ] && psql "$admin" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 荷塘区 and its townships and villages only.
mkdir "$work/tree"
for f in provinces cities areas streets villages; do
  awk -F, 'NR == 1 || $1 == "43" || $1 == "4302" || $1 ~ /^430202/' "divisions/hunan/$f.csv" >"$work/tree/$f.csv"
done
"$bin" org import "$work/tree" >/dev/null
python3 benches/make_roster.py "$rows" "$work/roster.xlsx"
echo "roster: $rows rows, $(du -h "$work/roster.xlsx" | cut -f1) ($backend)"

measure() {
  local label=$1; shift
  /usr/bin/time -v "$@" >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/out.txt" "$work/time.txt"; exit 1; }
  local wall rss secs
  wall=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')
  rss=$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')
  secs=$(echo "$wall" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  printf '%-28s %8.2f s  %10.0f rows/s  peak RSS %6.1f MB   %s\n' "$label" "$secs" \
    "$(echo "$rows $secs" | awk '{print $1 / $2}')" "$(echo "$rss" | awk '{print $1 / 1024}')" "$(tail -1 "$work/out.txt")"
}
measure "dry run (--dry-run)" "$bin" import "$work/roster.xlsx" --org 430202001 --dry-run
measure "import (all new)" "$bin" import "$work/roster.xlsx" --org 430202001
measure "re-import (all unchanged)" "$bin" import "$work/roster.xlsx" --org 430202001
