#!/usr/bin/env bash
# Embedding throughput: chunks per second of pressgate's MiniLmEmbedder against the same ONNX
# model run by onnxruntime's Python API (and sentence-transformers when its venv exists), on
# the same texts in one run. Both compute the same vectors: 256-token windows overlapping by
# 64, each mean-pooled and L2-normalised, a text's vector the normalised mean of its windows'.
# pressgate sorts all windows by token count into batches of 32 and runs them on side-by-side
# sessions; the Python peer batches 32 texts (sorted by length) with all their windows in one
# call, on one session (see bench/embed_peer.py). THREADS cores each side, one warm-up pass
# then REPEAT timed passes (best counts). The Python side also checks its vectors against
# pressgate's (min cosine).
#
# Env: COUNT (2000 texts), THREADS (2), REPEAT (3), PRESSGATE (target/release/pressgate),
#      MODEL_DIR ($PRESSGATE_HOME/models/all-minilm-l6-v2, else ~/.local/share/pressgate/...).
# Python peer venv: bench/work/venv (onnxruntime==1.32.0, tokenizers, numpy), made if missing.
# sentence-transformers: bench/work/st-venv, used only if it already exists (torch is large).
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-2000}
THREADS=${THREADS:-2}
REPEAT=${REPEAT:-3}
PRESSGATE=${PRESSGATE:-target/release/pressgate}
HOME_DIR=${PRESSGATE_HOME:-$HOME/.local/share/pressgate}
MODEL_DIR=${MODEL_DIR:-$HOME_DIR/models/all-minilm-l6-v2}
WORK=bench/work/embed
[ -x "$PRESSGATE" ] || { echo "$PRESSGATE missing: cargo build --release" >&2; exit 2; }
[ -f "$MODEL_DIR/model.onnx" ] || { echo "no model in $MODEL_DIR: bash -c 'source scripts/lib.sh; install_minilm'" >&2; exit 2; }
mkdir -p "$WORK"
if [ ! -x bench/work/venv/bin/python ]; then
    python3 -m venv bench/work/venv
    bench/work/venv/bin/pip install -q onnxruntime==1.32.0 tokenizers numpy
fi

python3 bench/embed_texts.py "$WORK/texts.txt" --count "$COUNT"
{
    "$PRESSGATE" sources embed-bench --input "$WORK/texts.txt" --embed-model "$MODEL_DIR" \
        --threads "$THREADS" --repeat "$REPEAT" --vectors-out "$WORK/pressgate.f32"
    bench/work/venv/bin/python bench/embed_peer.py "$WORK/texts.txt" "$MODEL_DIR" \
        --threads "$THREADS" --repeat "$REPEAT" --vectors "$WORK/pressgate.f32"
    if [ -x bench/work/st-venv/bin/python ] && bench/work/st-venv/bin/python -c 'import sentence_transformers' 2>/dev/null; then
        bench/work/st-venv/bin/python bench/embed_peer.py "$WORK/texts.txt" "$MODEL_DIR" \
            --threads "$THREADS" --repeat "$REPEAT" --sentence-transformers | tail -n 1
    else
        echo '{"runtime": "sentence-transformers", "skipped": "not installed (bench/work/st-venv)"}'
    fi
} | tee "$WORK/results.jsonl"
echo "pressgate $("$PRESSGATE" --version 2>/dev/null | awk '{print $2}'), $(nproc) cores, $(date -u +%F)" | tee -a "$WORK/results.jsonl"
