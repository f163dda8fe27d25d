#!/usr/bin/env bash
# Install what is missing (ONNX Runtime, the default model, the release build) and run the demo.
# Idempotent: a second run downloads nothing and rebuilds nothing that is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

install_ort
install_smollm_gguf
install_minilm

log "building pressgate (release)"
cargo build --release --quiet
PRESSGATE=target/release/pressgate
export PRESSGATE_ORT_LIB="$ORT_LIB"

"$PRESSGATE" model install smollm2-135m

log "demo: generate the three demo articles from fixtures/briefs/demo.csv (local sources, local model)"
# Exit 1 means some briefs were rejected by the gate: a normal outcome, shown in the summary.
status=0
"$PRESSGATE" generate fixtures/briefs/demo.csv --out out || status=$?
if [ "$status" -gt 1 ]; then
  exit "$status"
fi
log "articles: out/publish/ (passed the gate), out/rejected/ (with <slug>.findings.json); report: out/report.csv"

log "done. The binary is $PWD/$PRESSGATE; data (runtime, models) is in $PRESSGATE_HOME"
