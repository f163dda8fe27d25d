#!/usr/bin/env bash
# Audit throughput and memory: `pressgate audit` crawling a generated 10,000-page site served
# by nginx on loopback (every page rule, site checks, internal link checking), against lychee
# checking the links of the same site, in one run. Reports pages/s, peak RSS and the ratio.
# The tools run in turn for ROUNDS rounds; the ratio is of median wall times, and each
# round's own ratio is printed too.
#
# lychee runs two ways: (remote) given every page URL, as a crawler would see the site: it
# downloads each page, extracts its links and checks each distinct link; (local) given the
# HTML files with --base-url, so it only requests each distinct link once. The ratio uses the
# faster of the two. lychee waits 50 ms between requests to one host by default; like
# pressgate (--delay-ms 0) it runs without a delay here.
#
# The Python peer is advertools' crawler (Scrapy underneath), an SEO crawler that records per
# page the status, title, headings, canonical, hreflang, links, images and headers. It starts
# from the home page and follows the site's links (it has no sitemap input), 16 requests at
# once, no delay, robots.txt obeyed. It is installed from PyPI into a venv under bench/work/
# on the first run.
#
# Needs nginx (`apt-get install -y nginx-light`), lychee (`cargo install lychee --locked
# --root "$PRESSGATE_HOME/bench/lychee"`) and an optimised pressgate build.
# Everything goes to the gitignored bench/work/audit/.
#
# Env: PAGES (10000), PORT (18090), JOBS (16), ROUNDS (5), PRESSGATE (target/release/pressgate),
#      LYCHEE ($PRESSGATE_HOME/bench/lychee/bin/lychee), SEO_VENV (bench/work/seo-venv).
set -euo pipefail
cd "$(dirname "$0")/.."
PAGES=${PAGES:-10000}
PORT=${PORT:-18090}
JOBS=${JOBS:-16}
ROUNDS=${ROUNDS:-5}
PRESSGATE=${PRESSGATE:-target/release/pressgate}
PRESSGATE_HOME="${PRESSGATE_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/pressgate}"
LYCHEE=${LYCHEE:-$PRESSGATE_HOME/bench/lychee/bin/lychee}
SEO_VENV=${SEO_VENV:-bench/work/seo-venv}
ADVERTOOLS_VERSION=0.18.0
WORK=bench/work/audit
BASE="http://127.0.0.1:$PORT"
command -v nginx >/dev/null || { echo "nginx not found: apt-get install -y nginx-light" >&2; exit 2; }
[ -x "$PRESSGATE" ] || { echo "$PRESSGATE missing: cargo build --release" >&2; exit 2; }

rm -rf "$WORK"
mkdir -p "$WORK"
python3 bench/audit_site.py "$WORK" --pages "$PAGES" --port "$PORT"
nginx -p "$WORK" -c "$(pwd)/$WORK/nginx.conf"
trap 'kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true' EXIT
sleep 0.5
# Warm the page cache so neither tool pays for the first disk reads.
cat "$WORK"/site/p/*.html > /dev/null

# Each round runs pressgate and both lychee modes in turn, so a slow spell of the machine
# (other tenants, CPU frequency) falls on every tool alike; the summary takes each tool's
# median wall time and also prints every round's ratio.
[ -x "$LYCHEE" ] && "$LYCHEE" --version >&2 || echo "lychee not found at $LYCHEE: skipping the peer" >&2
for round in $(seq 1 "$ROUNDS"); do
    echo "== round $round of $ROUNDS: pressgate audit (all page rules, site checks, internal links)" >&2
    # Each round writes a new report, as the first one does: replacing the last round's file
    # would add ext4's flush on a rename over an existing file (about 80 ms for 175 MB).
    rm -f "$WORK/pressgate.json"
    python3 bench/measure.py "$WORK/pressgate.out" -- "$PRESSGATE" audit "$BASE/sitemap.xml" \
        --allow-private --delay-ms 0 --concurrency "$JOBS" --max-pages $((PAGES * 2)) \
        --format json --output "$WORK/pressgate.json" --quiet > "$WORK/pressgate.$round.measure"
    cat "$WORK/pressgate.$round.measure" >&2
    [ -x "$LYCHEE" ] || continue
    echo "== round $round: lychee, remote pages as inputs" >&2
    python3 bench/measure.py "$WORK/lychee-remote.out" -- "$LYCHEE" --no-progress \
        --max-concurrency "$JOBS" --host-concurrency "$JOBS" --host-request-interval 0ms --exclude 'example\.(com|org)' \
        --format json --files-from "$WORK/urls.txt" \
        > "$WORK/lychee-remote.$round.measure" || true
    cat "$WORK/lychee-remote.$round.measure" >&2
    echo "== round $round: lychee, local files with --base-url" >&2
    python3 bench/measure.py "$WORK/lychee-local.out" -- "$LYCHEE" --no-progress \
        --max-concurrency "$JOBS" --host-concurrency "$JOBS" --host-request-interval 0ms --exclude 'example\.(com|org)' \
        --base-url "$BASE/" \
        --format json "$WORK/site/index.html" "$WORK/site/p/" "$WORK/site/authors/" \
        > "$WORK/lychee-local.$round.measure" || true
    cat "$WORK/lychee-local.$round.measure" >&2
done

if ! "$SEO_VENV/bin/python" -c 'import advertools' 2>/dev/null; then
    echo "== installing advertools $ADVERTOOLS_VERSION into $SEO_VENV" >&2
    { python3 -m venv "$SEO_VENV" && "$SEO_VENV/bin/pip" install -q "advertools==$ADVERTOOLS_VERSION"; } >&2 \
        || echo "advertools did not install: skipping the Python peer" >&2
fi
if "$SEO_VENV/bin/python" -c 'import advertools' 2>/dev/null; then
    echo "== advertools $ADVERTOOLS_VERSION crawl (Scrapy), from the home page following links" >&2
    # advertools starts `scrapy` from PATH. allowed_domains must be the bare host: with the
    # port in it (advertools' default) Scrapy's offsite filter drops every request.
    PATH="$(pwd)/$SEO_VENV/bin:$PATH" python3 bench/measure.py "$WORK/advertools.out" -- \
        "$SEO_VENV/bin/python" -c '
import sys, advertools
base, out, jobs = sys.argv[1], sys.argv[2], int(sys.argv[3])
advertools.crawl([base], out, follow_links=True, allowed_domains=["127.0.0.1"], custom_settings={
    "CONCURRENT_REQUESTS": jobs, "CONCURRENT_REQUESTS_PER_DOMAIN": jobs, "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False, "LOG_LEVEL": "WARNING"})
' "$BASE/" "$WORK/advertools.jsonl" "$JOBS" > "$WORK/advertools.measure" || true
    cat "$WORK/advertools.measure" >&2
fi

python3 - "$WORK" "$PAGES" "$ROUNDS" <<'PY'
import json, os, statistics, sys
work, pages, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    path = os.path.join(work, name + ".measure")
    return json.loads(open(path).read().strip().splitlines()[-1]) if os.path.exists(path) else None
def runs(name):
    """The tool's measure of each round, in order (rounds it did not run are left out)."""
    found = [load(f"{name}.{r}") for r in range(1, rounds + 1)]
    return [m for m in found if m]
report = json.load(open(os.path.join(work, "pressgate.json")))
crawled = report["summary"]["pages"]
codes = {}
for p in report["pages"]:
    for f in p["findings"]:
        codes[f["code"]] = codes.get(f["code"], 0) + 1
pg = runs("pressgate")
pg_wall = statistics.median(m["wall_s"] for m in pg)
print(f"pressgate: {crawled} URLs ({report['summary']['html_pages']} HTML pages), median of {len(pg)} "
      f"rounds {pg_wall:.3f} s = {crawled / pg_wall:.0f} pages/s (rounds: "
      f"{', '.join(str(m['wall_s']) for m in pg)} s), peak RSS {max(m['peak_rss_mb'] for m in pg)} MB, "
      f"exits {sorted(set(m['exit'] for m in pg))}")
print(f"  findings: {sum(codes.values())}; LINK001 {codes.get('LINK001', 0)}, "
      f"rules run: {len(codes)} distinct codes")
best = None
peers = {}
for name in ("lychee-remote", "lychee-local"):
    ms = runs(name)
    if not ms:
        continue
    peers[name] = ms
    out = os.path.join(work, name + ".out")
    try:
        stats = json.load(open(out))
        total = stats.get("total")
        errors = stats.get("errors")
    except Exception:
        total = errors = None
    wall = statistics.median(m["wall_s"] for m in ms)
    rate = pages / wall
    print(f"{name}: median {wall:.3f} s = {rate:.0f} pages/s (rounds: "
          f"{', '.join(str(m['wall_s']) for m in ms)} s), peak RSS {max(m['peak_rss_mb'] for m in ms)} MB, "
          f"links checked {total}, errors {errors}, exits {sorted(set(m['exit'] for m in ms))}")
    if best is None or rate > best[1]:
        best = (name, rate)
if best:
    ratio = (crawled / pg_wall) / best[1]
    print(f"ratio pressgate / {best[0]} (medians): {ratio:.2f}x")
    # Each round against the faster lychee mode of that same round.
    per_round = []
    for r, m in enumerate(pg):
        rates = [pages / ms[r]["wall_s"] for ms in peers.values() if r < len(ms)]
        if rates:
            per_round.append((crawled / m["wall_s"]) / max(rates))
    print(f"  round by round against lychee's faster mode: "
          f"{', '.join(f'{x:.2f}x' for x in per_round)} (lowest {min(per_round):.2f}x)")
adv = load("advertools")
rows_path = os.path.join(work, "advertools.jsonl")
if adv and os.path.exists(rows_path):
    statuses = {}
    rows = 0
    with open(rows_path) as f:
        for line in f:
            try:
                status = json.loads(line).get("status")
            except ValueError:
                continue
            rows += 1
            statuses[status] = statuses.get(status, 0) + 1
    rate = rows / adv["wall_s"]
    print(f"advertools: {rows} URLs ({statuses.get(200, 0)} answered 200, {statuses.get(404, 0)} 404) "
          f"in {adv['wall_s']} s = {rate:.0f} pages/s, peak RSS {adv['peak_rss_mb']} MB "
          f"(largest process), exit {adv['exit']}")
    print(f"ratio pressgate / advertools: {(crawled / pg['wall_s']) / rate:.2f}x")
PY
