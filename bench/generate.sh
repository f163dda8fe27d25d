#!/usr/bin/env bash
# Generation benchmark: the demo batch (fixtures/briefs/demo.csv, 3 briefs, local source pages)
# with the default local model, release build, on this machine's cores.
#
#   bench/generate.sh                      # default settings of `pressgate generate`
#   PRESSGATE_BIN=path bench/generate.sh   # use an already built binary
#   ARGS="--max-tokens 128" bench/generate.sh  # extra generate flags
#
# Reports articles per hour, the share of brief time spent outside the model (fetching,
# retrieval, assembly, checks; goal <= 10%), and how many briefs were published on the first
# attempt, after repair, or rejected; rewrites the `## bench:generate` section of
# docs/benchmarks.md. Not a test: timings depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

WORK="bench/work/generate"
OUT="$WORK/out"
DOC="docs/benchmarks.md"
ARGS="${ARGS:-}"

if [[ -z "${PRESSGATE_BIN:-}" ]]; then
  echo "building pressgate (release) ..."
  cargo build --release --quiet
  PRESSGATE_BIN="${CARGO_TARGET_DIR:-target}/release/pressgate"
fi

rm -rf "$OUT"
mkdir -p "$WORK"
start=$(date +%s.%N)
# shellcheck disable=SC2086
"$PRESSGATE_BIN" generate fixtures/briefs/demo.csv --out "$OUT" --no-cache --date 2026-01-15 $ARGS \
  >"$WORK/stdout.txt" 2>"$WORK/stderr.txt" || status=$?
end=$(date +%s.%N)
status=${status:-0}
if [[ "$status" -ge 2 ]]; then
  echo "pressgate generate failed (exit $status):" >&2
  cat "$WORK/stderr.txt" >&2
  exit "$status"
fi

python3 - "$OUT/report.json" "$start" "$end" "$DOC" "$ARGS" "$(nproc)" <<'PY'
import json, re, sys, platform
report_path, start, end, doc_path, args, cores = sys.argv[1:7]
rows = json.load(open(report_path))["rows"]
wall = float(end) - float(start)
brief_s = sum(r["seconds"] for r in rows)
model_s = sum(r["model_seconds"] for r in rows)
outside = (brief_s - model_s) / brief_s if brief_s else 0.0
gen_tokens = sum(r["generated_tokens"] for r in rows)
first = sum(1 for r in rows if r["status"] == "published" and r["attempts"] == 1)
repaired = sum(1 for r in rows if r["status"] == "published" and r["attempts"] > 1)
rejected = sum(1 for r in rows if r["status"] == "rejected")
failed = sum(1 for r in rows if r["status"] == "failed")
n = len(rows)
per_hour = n / wall * 3600 if wall else 0.0
lines = [
    "## bench:generate",
    "",
    "<!-- generate: rewritten by bench/generate.sh -->",
    f"Demo batch (`fixtures/briefs/demo.csv`, {n} briefs, local source pages), default model "
    f"(SmolLM2-135M-Instruct, ONNX), release build, {cores} cores ({platform.machine()}), "
    f"`pressgate generate --no-cache --date 2026-01-15{(' ' + args) if args else ''}`.",
    "",
    "| measure | value |",
    "|---|---:|",
    f"| wall time, whole run (model load included) | {wall:.1f} s |",
    f"| articles per hour | {per_hour:.0f} |",
    f"| time in the model (sum over briefs) | {model_s:.1f} s of {brief_s:.1f} s |",
    f"| share of brief time outside the model (goal <= 10%) | {outside * 100:.1f}% |",
    f"| generated tokens | {gen_tokens} ({gen_tokens / model_s if model_s else 0:.1f} tok/s in the model) |",
    f"| published on the first attempt | {first} of {n} |",
    f"| published after repair | {repaired} of {n} |",
    f"| rejected / failed | {rejected} / {failed} |",
    "",
    "| brief | status | attempts | words | seconds | model seconds | generated tokens |",
    "|---|---|---:|---:|---:|---:|---:|",
]
for r in rows:
    lines.append(f"| {r['slug']} | {r['status']} | {r['attempts']} | {r['words']} | {r['seconds']:.1f} | {r['model_seconds']:.1f} | {r['generated_tokens']} |")
lines.append("<!-- /generate -->")
section = "\n".join(lines) + "\n"
print(section)
try:
    text = open(doc_path).read()
except FileNotFoundError:
    text = "# Benchmarks\n"
pattern = re.compile(r"## bench:generate\n.*?<!-- /generate -->\n", re.S)
if pattern.search(text):
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section
open(doc_path, "w").write(text)
PY
