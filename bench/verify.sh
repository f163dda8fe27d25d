#!/usr/bin/env bash
# Fact-check benchmark: `pressgate verify` on the labelled claim–evidence set
# fixtures/verify/pairs.jsonl (see fixtures/verify/README.md).
#
#   bench/verify.sh                      # release build, lexical + deterministic checks
#   EMBED_MODEL=dir bench/verify.sh      # also with the MiniLM model blended in
#   PRESSGATE_BIN=path bench/verify.sh   # use an already built binary
#
# Calibrates `--min-support` on the `calib` split (run at 0 so every score is visible), then
# reports the `test` split at the calibrated threshold: balanced accuracy, ROC AUC, recall per
# error kind, uncited recall, and claims per second; then times a 100k-word article.
# Not a test: timings depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

PAIRS="fixtures/verify/pairs.jsonl"
WORK="bench/work/verify"
mkdir -p "$WORK"

if [[ -z "${PRESSGATE_BIN:-}" ]]; then
  cargo build --release --quiet --bin pressgate
  PRESSGATE_BIN="${CARGO_TARGET_DIR:-target}/release/pressgate"
fi

run_mode() {
  local name="$1"; shift
  "$PRESSGATE_BIN" verify --eval "$PAIRS" --min-support 0 "$@" >"$WORK/$name-calib.jsonl" 2>"$WORK/$name-calib.json"
  local threshold
  threshold=$(python3 -c "import json,sys; print(round(json.load(open(sys.argv[1]))['calibrated_min_support'], 2))" "$WORK/$name-calib.json")
  "$PRESSGATE_BIN" verify --eval "$PAIRS" --min-support "$threshold" "$@" >"$WORK/$name.jsonl" 2>"$WORK/$name.json"
  python3 - "$name" "$threshold" "$WORK/$name.json" <<'PY'
import json, sys
name, threshold, path = sys.argv[1], sys.argv[2], sys.argv[3]
s = json.load(open(path))
t = s["test"]
print(f"## {name}: min_support {threshold} (calibrated on calib, {s['calib']['pairs']} pairs); test split, {t['pairs']} pairs")
print(f"balanced accuracy {t['balanced_accuracy']:.3f}   ROC AUC {t['roc_auc']:.3f}   supported recall {t['supported_recall']:.3f}   uncited recall {t['uncited_recall']:.3f}")
print("recall by error kind: " + ", ".join(f"{k} {v:.3f}" for k, v in t["recall_by_error"].items()))
print(f"all {s['all']['pairs']} pairs: balanced accuracy {s['all']['balanced_accuracy']:.3f}, ROC AUC {s['all']['roc_auc']:.3f}")
print(f"throughput: {s['claims_per_second']:.0f} claims/s ({s['pairs']} claims in {s['seconds']:.2f} s)")
PY
}

run_mode lexical
if [[ -n "${EMBED_MODEL:-}" ]]; then
  run_mode minilm --embed-model "$EMBED_MODEL"
fi

# A 100k-word article citing one source: bounded time and memory.
python3 - "$WORK/long.md" <<'PY'
import sys
sentences = ["The council recycled 34% of household waste in 2021 [1].",
             "Landfill use fell by 12,000 tonnes [1].",
             "Residents sorted glass, paper and food scraps into separate bins every week.",
             "Mayor Ana Pires opened a new sorting plant near the river."]
out, words, i = ["# Long\n"], 0, 0
while words < 100_000:
    s = sentences[i % len(sentences)]
    out.append(s + ("\n\n" if i % 5 == 4 else " "))
    words += len(s.split()); i += 1
open(sys.argv[1], "w").write("".join(out))
PY
start=$(date +%s.%N)
if command -v /usr/bin/time >/dev/null; then
  /usr/bin/time -f "peak RSS %M kB" "$PRESSGATE_BIN" verify "$WORK/long.md" --source fixtures/verify/rules/sources/city.md --no-cache --quiet --format json >/dev/null || true
else
  "$PRESSGATE_BIN" verify "$WORK/long.md" --source fixtures/verify/rules/sources/city.md --no-cache --quiet --format json >/dev/null || true
fi
end=$(date +%s.%N)
python3 -c "import sys; print(f'100k-word article: {float(sys.argv[2]) - float(sys.argv[1]):.2f} s')" "$start" "$end"
