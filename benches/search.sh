#!/usr/bin/env bash
# Person search (issue 3 "Measure"): a social worker's searches by name, part of a name, pinyin,
# initials and full ID number, over synthetic people of N counties (`shegong demo --scale N`),
# single client and 32 connections, with wrk on the same machine.
#
#   benches/search.sh sqlite 10       # ≈ 200,000 people
#   benches/search.sh postgres 100    # ≈ 2,000,000 people (PostgreSQL at $BENCH_PG_ADMIN_URL)
#   BENCH_DATABASE_URL=… BENCH_DATA_KEY_FILE=… benches/search.sh postgres 100   # reuse a generated one
set -euo pipefail
source "$(dirname "$0")/common.sh" "${1:-sqlite}" search
scale=${2:-10}
duration=${BENCH_DURATION:-15s}

if [ -z "${BENCH_DATABASE_URL:-}" ]; then
  "$bin" serve --demo >"$work/demo.log" 2>&1 & pid=$!; wait_up; kill "$pid"; wait "$pid" 2>/dev/null || true
  /usr/bin/time -f "generate: %e s, max RSS %M KB" "$bin" demo --scale "$scale" | tail -1
fi
"$bin" serve >"$work/serve.log" 2>&1 & pid=$!; wait_up

csrf=$(curl -s -H 'content-type: application/json' -d "{\"username\":\"worker\",\"password\":\"$SHEGONG_DEMO_PASSWORD\"}" -c "$work/jar" "http://$SHEGONG_ADDR/api/v1/auth/login" | python3 -c 'import sys,json; print(json.load(sys.stdin)["csrf_token"])')
cookie=$(awk '$6 == "sg_session" {print $7}' "$work/jar")
people=$(curl -s -H "Cookie: sg_session=$cookie" "http://$SHEGONG_ADDR/api/v1/persons?per_page=200")
total=$(python3 -c 'import sys,json; print(json.loads(sys.argv[1])["total"])' "$people")
# Queries: full names, surnames, two-character parts, pinyin and initials, full ID numbers (revealed
# through the audited API, as a worker would type them from a card).
python3 - "$people" >"$work/queries.txt" <<'PY'
import json, sys, urllib.parse
items = json.loads(sys.argv[1])["items"]
q = []
for p in items[:60]:
    n = p["name"]
    q += [n, n[0], n[-2:]]
q += ["wang", "li", "zhang", "liu", "chen", "zs", "wf", "lm", "zhangf", "wangx", "liuj", "chenm"]
for s in q:
    print(urllib.parse.quote(s))
PY
for id in $(python3 -c 'import sys,json; print(" ".join(str(p["id"]) for p in json.loads(sys.argv[1])["items"][:20] if p["id_number_masked"]))' "$people"); do
  curl -s -b "$work/jar" -H "X-CSRF-Token: $csrf" -H 'content-type: application/json' -d '{"field":"id_number"}' \
    "http://$SHEGONG_ADDR/api/v1/persons/$id/reveal" | python3 -c 'import sys,json; print(json.load(sys.stdin)["value"])' >>"$work/queries.txt"
done
nq=$(wc -l <"$work/queries.txt")
cat >"$work/search.lua" <<LUA
local queries = {}
for line in io.lines("$work/queries.txt") do queries[#queries + 1] = line end
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/persons?q=" .. queries[i], { ["Cookie"] = "sg_session=$cookie" })
end
LUA
row() { # name threads connections
  local out rps p50 p99 non2xx
  out=$(wrk -t"$2" -c"$3" -d"$duration" --latency -s "$work/search.lua" "http://$SHEGONG_ADDR")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out"); non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$backend" "$scale" "$1" "$rps" "$p50" "$p99" "${non2xx:-0}"
}
echo "people in the worker's station: $total; $nq distinct queries (names, parts, pinyin, initials, ID numbers)"
echo "| backend | scale | clients | searches/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|---|"
row "1" 1 1
row "32" 2 32
echo "machine: $(nproc) cores; wrk -d$duration on the same machine"
