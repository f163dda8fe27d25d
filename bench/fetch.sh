#!/usr/bin/env bash
# Fetch throughput of `pressgate sources fetch` against a loopback nginx serving 1,000
# generated pages: a cold run (empty HTTP cache), then a warm rerun that should only
# revalidate (If-None-Match/If-Modified-Since, answered 304), robots.txt included. Requests
# are counted from nginx's access log. Everything goes to the gitignored bench/work/fetch/.
#
# pressgate waits 500 ms between request starts to one host:port (politeness), so the pages
# are spread round-robin over HOSTS loopback addresses; a short single-host run shows the
# per-host bound. Needs nginx (`apt-get install nginx-light`) and a release build.
#
# Env: PAGES (1000), HOSTS (250), JOBS (250), PORT (18080), PRESSGATE (target/release/pressgate).
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${PAGES:-1000}
HOSTS=${HOSTS:-250}
JOBS=${JOBS:-250}
PORT=${PORT:-18080}
PRESSGATE=${PRESSGATE:-target/release/pressgate}
WORK=bench/work/fetch
command -v nginx >/dev/null || { echo "nginx not found: apt-get install -y nginx-light" >&2; exit 2; }
[ -x "$PRESSGATE" ] || { echo "$PRESSGATE missing: cargo build --release" >&2; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK"
python3 bench/fetch_site.py "$WORK" --pages "$PAGES" --hosts "$HOSTS" --port "$PORT"
nginx -p "$WORK" -c "$(pwd)/$WORK/nginx.conf"
trap 'kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true' EXIT
sleep 0.5

# A fresh data dir: empty HTTP cache ($PRESSGATE_HOME/cache/http).
export PRESSGATE_HOME="$(pwd)/$WORK/home"
mkdir -p "$PRESSGATE_HOME"
mapfile -t URLS < "$WORK/urls.txt"

# One run: wall time, then the access log's request counts by kind.
run() {
    local name=$1; shift
    : > "$WORK/access.log"
    kill -USR1 "$(cat "$WORK/nginx.pid")"   # reopen the truncated log
    sleep 0.2
    local start end
    start=$(date +%s.%N)
    "$PRESSGATE" sources fetch --allow-private --json "$@" > "$WORK/$name.json" || true
    end=$(date +%s.%N)
    sleep 0.3   # let nginx flush the last log lines
    cp "$WORK/access.log" "$WORK/$name.access.log"
    python3 - "$WORK/$name.json" "$WORK/access.log" "$name" "$start" "$end" <<'PY'
import json, re, sys
rows = json.load(open(sys.argv[1]))
name, start, end = sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
ok = [r for r in rows if r["error"] is None]
statuses = {}
for r in rows:
    statuses[r["status"]] = statuses.get(r["status"], 0) + 1
pages = {"200": 0, "304": 0, "other": 0}
conditional = robots = robots_conditional = 0
robots_status = {}
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    m = re.search(r'"GET (\S+) [^"]*" (\d{3}) \d+ inm="([^"]*)" ims="([^"]*)"', line)
    if not m:
        continue
    path, status, inm, ims = m.groups()
    if path == "/robots.txt":
        robots += 1
        robots_status[status] = robots_status.get(status, 0) + 1
        robots_conditional += inm != "-" or ims != "-"
        continue
    pages[status if status in pages else "other"] += 1
    if inm != "-" or ims != "-":
        conditional += 1
wall = end - start
print(json.dumps({"run": name, "sources": len(rows), "fetched": len(ok), "wall_s": round(wall, 3),
                  "pages_per_s": round(len(ok) / wall, 1), "pressgate_status": statuses,
                  "page_requests": pages, "conditional_page_requests": conditional,
                  "robots_requests": robots, "robots_status": robots_status,
                  "conditional_robots_requests": robots_conditional}))
PY
}
{
    run cold --jobs "$JOBS" "${URLS[@]}"
    run warm --jobs "$JOBS" "${URLS[@]}"
    # Single host: 20 pages to 127.0.0.1 only, cache bypassed, shows the politeness bound.
    mapfile -t ONE < <(for i in $(seq 0 19); do printf 'http://127.0.0.1:%s/p/%05d.html\n' "$PORT" "$i"; done)
    run single_host --no-cache --jobs 4 "${ONE[@]}"
} | tee "$WORK/results.jsonl"
echo "pressgate $("$PRESSGATE" --version 2>/dev/null | awk '{print $2}'), $(nginx -v 2>&1 | sed 's/.*: //'), $(nproc) cores, $(date -u +%F)" | tee -a "$WORK/results.jsonl"
