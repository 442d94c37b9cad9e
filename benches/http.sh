#!/usr/bin/env bash
# HTTP throughput and latency of the platform (issue 2 "Measure"): /healthz, a logged-in home page
# and GET /api/v1/org-units?q= over the full Hunan tree, at 32 connections, with wrk on the same
# machine; plus idle and loaded RSS of the server.
#
#   benches/http.sh sqlite      # embedded SQLite (default)
#   benches/http.sh postgres    # PostgreSQL at $BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/test)
#
# Needs wrk (apt-get install -y wrk). Prints a Markdown table row per endpoint.
set -euo pipefail
source "$(dirname "$0")/common.sh" "${1:-sqlite}" bench
duration=${BENCH_DURATION:-15s}
conns=${BENCH_CONNECTIONS:-32}
"$bin" org import divisions/hunan >/dev/null
# Load the demo once, then measure a server started the usual way, on an existing database.
"$bin" serve --demo >"$work/demo.log" 2>&1 &
pid=$!
wait_up
kill "$pid"; wait "$pid" 2>/dev/null || true
"$bin" serve >"$work/serve.log" 2>&1 &
pid=$!
wait_up
sleep 2
rss() { awk '/VmRSS/ {print $2/1024 " MB"}' "/proc/$pid/status"; }
idle=$(rss)

login() {
  curl -s -c - -o /dev/null -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$SHEGONG_DEMO_PASSWORD\"}" "http://$SHEGONG_ADDR/api/v1/auth/login" \
    | awk '$6 == "sg_session" {print $7}'
}
worker=$(login worker)
admin_s=$(login admin)

run() { # name path cookie
  local out
  local cookie=()
  [ -n "$3" ] && cookie=(-H "Cookie: sg_session=$3")
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency "${cookie[@]}" "http://$SHEGONG_ADDR$2")
  local rps p50 p99 non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$backend" "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "| backend | endpoint | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
run "/healthz" "/healthz" ""
run "home page (worker)" "/" "$worker"
run "org-units?q= (admin, full Hunan)" "/api/v1/org-units?q=" "$admin_s"
echo
echo "server RSS: idle $idle, after load $(rss)"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {print int($2/1024/1024) " GiB"}' /proc/meminfo); wrk -t2 -c$conns -d$duration on the same machine"
