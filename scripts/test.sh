#!/usr/bin/env bash
# Install what the tests need (ONNX Runtime, the default model, the SARIF schema) into the data
# directory and Chromium for the HTML report's browser test, then run the whole test suite.
# `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

install_ort
install_smollm_gguf
install_sarif_schema
install_minilm
install_chromium

export PRESSGATE_ORT_LIB="$ORT_LIB"
export PRESSGATE_SARIF_SCHEMA="$SARIF_SCHEMA"
export PRESSGATE_TEST_GGUF="$SMOLLM_GGUF"
export PRESSGATE_EMBED_MODEL="$MINILM_DIR"
export PRESSGATE_CHROMIUM="$CHROMIUM_BIN"
export PRESSGATE_CHROMEDRIVER="$CHROMEDRIVER_BIN"

# The crate has no doc tests, so nextest (which skips them) runs the whole suite.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --no-fail-fast --cargo-quiet --cargo-profile ci
else
  cargo test --no-fail-fast --profile ci
fi
