#!/usr/bin/env bash
# LLM generation benchmark: pressgate against onnxruntime-genai and llama.cpp on the default
# model (SmolLM2-135M-Instruct), same prompt, greedy, 2 threads pinned to 2 CPUs, median of 3 runs.
# Prints a table and rewrites the <!-- llm --> section of docs/benchmarks.md.
#
# Re-runnable: the venv, peers and model folders in bench/work/ are made once and reused.
# Environment:
#   PRESSGATE_BIN      use this binary instead of `cargo build --release`
#   BENCH_PROMPT       user message (default asks for a long answer)
#   BENCH_MAX_NEW      new tokens per run (default 128)
#   BENCH_THREADS      threads for every engine (default 2)
#   BENCH_REPEATS      runs per engine (default 3)
#   BENCH_SKIP_LLAMACPP=1 (or SKIP_LLAMA_CPP=1)  do not try to build llama-cpp-python
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/lib.sh
source "$ROOT/scripts/lib.sh"
WORK="$ROOT/bench/work"
VENV="$WORK/venv"
PY="$VENV/bin/python"
ORT_GENAI_VERSION="0.18.0"
LLAMA_CPP_PYTHON_VERSION="0.3.36"
PROMPT="${BENCH_PROMPT:-Write a detailed, step-by-step guide to baking sourdough bread at home, covering the starter, mixing, folding, shaping, proofing and baking.}"
MAX_NEW="${BENCH_MAX_NEW:-128}"
THREADS="${BENCH_THREADS:-2}"
REPEATS="${BENCH_REPEATS:-3}"
# Every engine is pinned to the same first $THREADS CPUs.
CPUS="0-$((THREADS - 1))"

mkdir -p "$WORK/models" "$WORK/logs"

# /usr/bin/time -v gives peak RSS; the shell builtin does not.
if ! [ -x /usr/bin/time ]; then
    log "installing GNU time"
    apt-get install -y time >/dev/null
fi
install_ort
install_smollm_gguf
GGUF="$SMOLLM_GGUF"

# --- peers in a venv ------------------------------------------------------------------------
if ! [ -x "$PY" ]; then
    log "creating $VENV"
    python3 -m venv "$VENV"
fi
installed_version() { "$VENV/bin/pip" show "$1" 2>/dev/null | sed -n 's/^Version: //p'; }

if [ "$(installed_version onnxruntime-genai)" != "$ORT_GENAI_VERSION" ]; then
    log "installing onnxruntime-genai==$ORT_GENAI_VERSION"
    "$VENV/bin/pip" install -q "onnxruntime-genai==$ORT_GENAI_VERSION"
fi

# llama-cpp-python compiles llama.cpp from source (CPU only); a failed build is recorded and
# the benchmark goes on without it.
LLAMACPP_ERROR=""
# Checked by import, not pip metadata: the package may have been installed from a finished
# CMake build of the same sdist (see the llama-cpp-python-build log).
llamacpp_version() { "$PY" -c 'import llama_cpp; print(llama_cpp.__version__)' 2>/dev/null || true; }
if [ "$(llamacpp_version)" != "$LLAMA_CPP_PYTHON_VERSION" ]; then
    if [ "${BENCH_SKIP_LLAMACPP:-${SKIP_LLAMA_CPP:-0}}" = 1 ]; then
        LLAMACPP_ERROR="llama-cpp-python not installed (BENCH_SKIP_LLAMACPP=1)"
    else
        log "building llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION from source (can take 20+ minutes)"
        if ! CMAKE_ARGS="-DGGML_NATIVE=ON -DGGML_CUDA=OFF -DGGML_BLAS=OFF -DGGML_OPENMP=ON -DLLAMA_CURL=OFF" \
            timeout 2400 "$VENV/bin/pip" install -v "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" \
            >"$WORK/logs/llama-cpp-python-build.log" 2>&1; then
            LLAMACPP_ERROR="llama-cpp-python $LLAMA_CPP_PYTHON_VERSION failed to build: $(tail -n 1 "$WORK/logs/llama-cpp-python-build.log")"
            log "$LLAMACPP_ERROR"
        fi
    fi
fi

# --- pressgate and its model folders ----------------------------------------------------------
if [ -n "${PRESSGATE_BIN:-}" ]; then
    BIN="$PRESSGATE_BIN"
else
    log "cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet)
    BIN="$ROOT/target/release/pressgate"
fi

import_folder() { # quant
    local dir="$WORK/models/smollm2-135m-$1"
    # A folder from an older importer is rebuilt: the binary is newer than its graph.
    if ! [ -f "$dir/genai_config.json" ] || [ "$BIN" -nt "$dir/model.onnx" ]; then
        log "importing $1 folder"
        "$BIN" model import "$GGUF" --out "$dir" --quant "$1" --force >&2
    fi
    echo "$dir"
}
INT4="$(import_folder int4)"
INT8="$(import_folder int8)"

# --- versions and the run ---------------------------------------------------------------------
VERSIONS="$("$PY" - "$("$BIN" --version)" "$(git -C "$ROOT" rev-parse --short HEAD)" "$ORT_VERSION" <<'EOF'
import json, sys
from importlib import metadata
def version(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
def llama_cpp_version():
    try:
        import llama_cpp
    except Exception:
        return "not installed"
    return f"{llama_cpp.__version__} (sdist built here: CPU, GGML_NATIVE, OpenMP)"
print(json.dumps({
    "pressgate": f"{sys.argv[1].split()[-1]} ({sys.argv[2]}, release build)",
    "ONNX Runtime (pressgate)": sys.argv[3],
    "onnxruntime-genai": version("onnxruntime-genai"),
    "onnxruntime (genai's)": version("onnxruntime"),
    "llama-cpp-python": llama_cpp_version(),
    "Python": sys.version.split()[0],
}))
EOF
)"

"$PY" "$ROOT/bench/llm_bench.py" \
    --pressgate "$BIN" --python "$PY" \
    --int4 "$INT4" --int8 "$INT8" --gguf "$GGUF" \
    --llamacpp-error "$LLAMACPP_ERROR" \
    --cpus "$CPUS" --ort-lib "$ORT_LIB" \
    --prompt "$PROMPT" --max-new-tokens "$MAX_NEW" --threads "$THREADS" --repeats "$REPEATS" \
    --results "$WORK/results" --docs "$ROOT/docs/benchmarks.md" \
    --versions "$VERSIONS"
