# Shared by the benchmark scripts: builds the release binary, makes a temporary database on the
# chosen backend (sqlite, or postgres at $BENCH_PG_ADMIN_URL), and removes everything on exit.
# BENCH_DATABASE_URL + BENCH_DATA_KEY_FILE: use an existing database instead (not removed).
#   source "$(dirname "$0")/common.sh" BACKEND NAME
backend=${1:-sqlite}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
cargo build --release -q
bin=$root/target/release/shegong
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
export SHEGONG_ADDR=127.0.0.1:$port
export SHEGONG_DEMO_PASSWORD='Bench#2026x'
export SHEGONG_DATA_KEY_FILE=$work/shegong.key
export SHEGONG_LOG=warn
db_name=""
if [ -n "${BENCH_DATABASE_URL:-}" ]; then
  # A database generated before (large scales take many minutes): used as it is, kept afterwards.
  export SHEGONG_DATABASE_URL=$BENCH_DATABASE_URL
  export SHEGONG_DATA_KEY_FILE=${BENCH_DATA_KEY_FILE:?the data key file of that database}
elif [ "$backend" = postgres ]; then
  admin=${BENCH_PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
  db_name=shegong_${2:-bench}_$$
  psql "$admin" -qc "CREATE DATABASE $db_name" >/dev/null
  export SHEGONG_DATABASE_URL=${admin%/*}/$db_name
else
  export SHEGONG_DATABASE_URL=sqlite://$work/shegong.db
fi
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$db_name" ] && psql "$admin" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
wait_up() { for _ in $(seq 300); do curl -sf "http://$SHEGONG_ADDR/healthz" >/dev/null && return; sleep 0.2; done; }
