#!/usr/bin/env bash
# Side-by-side benchmark: `pressgate check` vs markdownlint-cli2 on the same generated corpus.
#
#   bench/check.sh            # 5,000 articles (bench/gen_corpus.py, seed 42) under bench/work/
#   COUNT=500 bench/check.sh  # smaller corpus for a quick look
#   PRESSGATE_BIN=path bench/check.sh   # use an already built binary instead of `cargo build --release`
#   CARGO_TARGET_DIR=dir bench/check.sh # build the release binary there (keeps target/ free)
#
# Prints files/s for each tool and the ratio, and rewrites the table in docs/benchmarks.md.
# Not a test: timings depend on the machine. Needs python3, node/npm (registry access for the
# one-time markdownlint-cli2 install) and GNU time (/usr/bin/time) for peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT="${COUNT:-5000}"
SEED="${SEED:-42}"
MDL_VERSION="0.22.1"
WORK="bench/work"
CORPUS="$WORK/corpus-$COUNT-$SEED"
DOC="docs/benchmarks.md"

mkdir -p "$WORK" "$(dirname "$DOC")"

if [[ ! -f "$CORPUS/.complete" ]]; then
  echo "generating $COUNT articles into $CORPUS ..."
  rm -rf "$CORPUS"
  python3 bench/gen_corpus.py "$CORPUS" --count "$COUNT" --seed "$SEED"
  touch "$CORPUS/.complete"
fi
files=$(find "$CORPUS" -name '*.md' | wc -l)
words=$(cat "$CORPUS"/*/*.md | wc -w)

MDL="$WORK/node_modules/.bin/markdownlint-cli2"
if [[ ! -x "$MDL" ]] || ! grep -q "\"version\": \"$MDL_VERSION\"" "$WORK/node_modules/markdownlint-cli2/package.json" 2>/dev/null; then
  echo "installing markdownlint-cli2@$MDL_VERSION into $WORK/node_modules ..."
  npm install --silent --no-audit --no-fund --prefix "$WORK" "markdownlint-cli2@$MDL_VERSION"
fi

BUILD="given binary"
if [[ -z "${PRESSGATE_BIN:-}" ]]; then
  cargo build --release --quiet --bin pressgate
  PRESSGATE_BIN="${CARGO_TARGET_DIR:-target}/release/pressgate"
  BUILD="release"
fi

TIME=/usr/bin/time
if [[ ! -x "$TIME" ]]; then
  echo "GNU time is required (apt-get install time)" >&2
  exit 2
fi

# run NAME CMD...: time one run (exit 1 = "findings" is fine), set SECS and RSS_MB.
run() {
  local name="$1"; shift
  local log="$WORK/time-$name.txt"
  local rc=0 start end
  start=$(date +%s%N)
  "$TIME" -v -o "$log" "$@" >"$WORK/out-$name.txt" 2>"$WORK/err-$name.txt" || rc=$?
  end=$(date +%s%N)
  if (( rc > 1 )); then
    echo "$name failed with exit $rc:" >&2
    tail -5 "$WORK/err-$name.txt" >&2
    exit 2
  fi
  # Wall time from nanosecond timestamps: GNU time only reports hundredths.
  SECS=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f", (b - a) / 1e9}')
  RSS_MB=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
}

# One warm-up pass each so both read the corpus from the page cache.
"$PRESSGATE_BIN" check --quiet --format json "$CORPUS" >/dev/null 2>&1 || true
"$MDL" "$CORPUS/**/*.md" >/dev/null 2>&1 || true

run pressgate "$PRESSGATE_BIN" check --format json "$CORPUS"
pg_secs=$SECS; pg_rss=$RSS_MB
pg_findings=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/out-pressgate.txt")

run markdownlint "$MDL" "$CORPUS/**/*.md"
mdl_secs=$SECS; mdl_rss=$RSS_MB
mdl_findings=$(grep -c ' MD[0-9]' "$WORK/err-markdownlint.txt" "$WORK/out-markdownlint.txt" | awk -F: '{s+=$2} END {print s}')

read -r pg_fps mdl_fps ratio < <(python3 -c '
import sys
files, pg, mdl = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
pg_fps, mdl_fps = files / max(pg, 1e-3), files / max(mdl, 1e-3)
print(f"{pg_fps:.0f} {mdl_fps:.0f} {pg_fps / mdl_fps:.2f}")' "$files" "$pg_secs" "$mdl_secs")

rules=$("$PRESSGATE_BIN" rules list --format json 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))' 2>/dev/null || echo "?")
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
cores=$(nproc)
today=$(date -u +%Y-%m-%d)

echo
echo "corpus: $files files, $words words ($CORPUS)"
printf "%-28s %8s %10s %9s %9s\n" tool seconds files/s "peak MB" findings
printf "%-28s %8s %10s %9s %9s\n" "pressgate check" "$pg_secs" "$pg_fps" "$pg_rss" "$pg_findings"
printf "%-28s %8s %10s %9s %9s\n" "markdownlint-cli2 $MDL_VERSION" "$mdl_secs" "$mdl_fps" "$mdl_rss" "$mdl_findings"
echo "pressgate is ${ratio}x the files/s of markdownlint-cli2"

table=$(cat <<TABLE
<!-- bench:check:start -->
Run on $today: $files generated articles ($words words, \`bench/gen_corpus.py\` seed $SEED), $cores CPU cores ($cpu).

| tool | rules | wall time (s) | files/s | peak RSS (MB) | findings |
|---|---:|---:|---:|---:|---:|
| \`pressgate check --format json\` ($BUILD) | $rules | $pg_secs | $pg_fps | $pg_rss | $pg_findings |
| \`markdownlint-cli2\` $MDL_VERSION | default | $mdl_secs | $mdl_fps | $mdl_rss | $mdl_findings |

pressgate: **${ratio}x** the files/s of markdownlint-cli2 on this corpus.
Single runs; on a shared or busy machine expect run-to-run differences of 20% or more.
<!-- bench:check:end -->
TABLE
)

python3 - "$DOC" "$table" <<'PY'
import sys, re, os
path, table = sys.argv[1], sys.argv[2]
head = """# Benchmarks

## `pressgate check` vs markdownlint-cli2

Reproduce with `bench/check.sh` (corpus and tools go to the gitignored `bench/work/`).
Both tools lint the same Markdown files; they check different things (pressgate: SEO,
E-E-A-T, citation and style rules; markdownlint: Markdown syntax/style rules), so this compares
throughput and memory on realistic input, not rule sets. Timings are one run after one warm-up
pass, measured with GNU time (`/usr/bin/time -v`).

"""
text = open(path).read() if os.path.exists(path) else head
pattern = re.compile(r"<!-- bench:check:start -->.*?<!-- bench:check:end -->", re.S)
text = pattern.sub(lambda _: table, text) if pattern.search(text) else text.rstrip() + "\n\n" + table + "\n"
open(path, "w").write(text)
PY
echo "updated $DOC"
