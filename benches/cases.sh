#!/usr/bin/env bash
# Case work (issue 4 "Measure"): with `shegong demo --scale N` (default 10), the work-list page
# `GET /work` and a case page `GET /cases/{id}` at 32 connections, logged in as `worker` and as
# `head` (req/s, p50, p99); and the PDF case archive `GET /api/v1/cases/{id}/archive.pdf` of the
# demo case with 50 service records ("演示长个案"), N sequential requests (ms per PDF, pages/s;
# pages counted with pdfinfo when installed). A route that answers 404 is reported as not built.
#
#   benches/cases.sh sqlite 10
#   benches/cases.sh postgres 10      # PostgreSQL at $BENCH_PG_ADMIN_URL
#   BENCH_DURATION=5s BENCH_PDF_N=5 benches/cases.sh sqlite 1    # a quick check of the script
#
# Needs wrk (apt-get install -y wrk); pdfinfo (poppler-utils) is optional.
set -euo pipefail
source "$(dirname "$0")/common.sh" "${1:-sqlite}" cases
scale=${2:-10}
duration=${BENCH_DURATION:-15s}
conns=${BENCH_CONNECTIONS:-32}
pdf_n=${BENCH_PDF_N:-20}

if [ -z "${BENCH_DATABASE_URL:-}" ]; then
  "$bin" serve --demo >"$work/demo.log" 2>&1 & pid=$!; wait_up; kill "$pid"; wait "$pid" 2>/dev/null || true
  grep -h 'service records' "$work/demo.log" || true
  /usr/bin/time -f "generate: %e s, max RSS %M KB" "$bin" demo --scale "$scale" >"$work/generate.log" 2>&1
  tail -3 "$work/generate.log"
fi
"$bin" serve >"$work/serve.log" 2>&1 & pid=$!; wait_up

login() { # username -> session cookie value
  curl -s -c - -o /dev/null -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$SHEGONG_DEMO_PASSWORD\"}" "http://$SHEGONG_ADDR/api/v1/auth/login" \
    | awk '$6 == "sg_session" {print $7}'
}
worker=$(login worker)
head=$(login head)
api() { curl -s -H "Cookie: sg_session=$worker" "http://$SHEGONG_ADDR$1"; }
json() { python3 -c "import sys,json; d=json.load(sys.stdin); print($1)"; }

# The long case by its title; a case page of an ordinary case of the worker's station.
long=$(api "/api/v1/cases?q=%E6%BC%94%E7%A4%BA%E9%95%BF%E4%B8%AA%E6%A1%88&per_page=1" | json 'd["items"][0]["id"] if d["items"] else ""')
case_id=$(api "/api/v1/cases?stage=intervention&per_page=1" | json 'd["items"][0]["id"] if d["items"] else ""')
[ -n "$long" ] || { echo "no case titled 演示长个案: the demo made no long case"; exit 1; }
records=$(api "/api/v1/cases/$long" | json 'sum(1 for r in d["records"] if r["kind"] == "service")')
echo "long case $long: $records service records; case page measured on case $case_id"

status() { # path cookie -> HTTP status
  curl -s -o /dev/null -w '%{http_code}' -H "Cookie: sg_session=$2" "http://$SHEGONG_ADDR$1"
}
row() { # name path cookie
  local code out rps p50 p99 non2xx
  code=$(status "$2" "$3")
  if [ "$code" = 404 ]; then
    printf '| %s | %s | not built yet (GET %s answers 404) | | | |\n' "$backend" "$1" "$2"
    return
  fi
  out=$(wrk -t2 -c"$conns" -d"$duration" --latency -H "Cookie: sg_session=$3" "http://$SHEGONG_ADDR$2")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out"); p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out"); non2xx=$(awk '/Non-2xx/ {print $5}' <<<"$out")
  printf '| %s | %s | %s | %s | %s | %s |\n' "$backend" "$1" "$rps" "$p50" "$p99" "${non2xx:-0} (first answer $code)"
}
echo
echo "| backend | page | req/s | p50 | p99 | non-2xx |"
echo "|---|---|---|---|---|---|"
row "work list (worker)" "/work" "$worker"
row "work list (head)" "/work" "$head"
row "case page (worker)" "/cases/$case_id" "$worker"
row "case page (head)" "/cases/$case_id" "$head"

echo
pdf=/api/v1/cases/$long/archive.pdf
code=$(status "$pdf" "$worker")
if [ "$code" != 200 ]; then
  echo "PDF archive: not built yet (GET $pdf answers $code)"
else
  api "$pdf" >"$work/case.pdf"
  pages=""
  command -v pdfinfo >/dev/null && pages=$(pdfinfo "$work/case.pdf" | awk '/^Pages:/ {print $2}')
  total=0
  for _ in $(seq "$pdf_n"); do
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Cookie: sg_session=$worker" "http://$SHEGONG_ADDR$pdf")
    total=$(python3 -c "print($total + $t)")
  done
  python3 - "$total" "$pdf_n" "${pages:-}" "$(stat -c %s "$work/case.pdf")" "$backend" <<'PY'
import sys
total, n, pages, size, backend = float(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
ms = total / n * 1000
rate = f"{int(pages) / (ms / 1000):.0f}" if pages else "(pdfinfo not installed)"
print("| backend | PDF of the 50-record case | ms per PDF | pages | pages/s | size |")
print("|---|---|---|---|---|---|")
print(f"| {backend} | {n} sequential | {ms:.1f} | {pages or '?'} | {rate} | {size / 1024:.0f} KB |")
PY
fi
echo "machine: $(nproc) cores; wrk -t2 -c$conns -d$duration on the same machine"
