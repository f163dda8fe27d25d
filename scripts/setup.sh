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

log "demo 1/3: lint the bundled demo articles"
"$PRESSGATE" check fixtures/demo || true

log "demo 2/3: the default local model answers a question"
"$PRESSGATE" model run smollm2-135m-instruct --max-new-tokens 48 \
  --prompt "In one sentence, why should an article cite its sources?"

log "demo 3/3: retrieve evidence from the bundled source pages"
"$PRESSGATE" sources search --sources fixtures/sites/news.html fixtures/sites/docs.html fixtures/sites/blog.html \
  --batch-dir "$PRESSGATE_HOME/demo-batch" -k 2 "How many kilometres of bike lanes did the council approve?"

log "done. The binary is $PWD/$PRESSGATE; data (runtime, models) is in $PRESSGATE_HOME"
