#!/usr/bin/env bash
# Side-by-side local generation benchmark (not a test): the same prompt, quantization and core
# count for pressgate, onnxruntime-genai (on the folder pressgate exports) and, if it installs,
# llama-cpp-python (on the GGUF). Writes the `<!-- llm -->` section of docs/benchmarks.md.
#
#   bench/llm.sh                 # int8, 2 cores, 128 new tokens
#   QUANT=int4 CORES=2 MAX_NEW=64 bench/llm.sh
#   SKIP_LLAMA_CPP=1 bench/llm.sh   # llama-cpp-python compiles from source (slow)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

QUANT="${QUANT:-int8}"
CORES="${CORES:-2}"
MAX_NEW="${MAX_NEW:-128}"
PROMPT="${PROMPT:-Write a short story about a lighthouse keeper who finds a message in a bottle.}"
SYSTEM_LINE="You are a helpful AI assistant named SmolLM, trained by Hugging Face"
CPUS="0-$((CORES - 1))"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
VENV="${BENCH_VENV:-target/bench-venv}"

install_ort
install_smollm_gguf
log "building pressgate (release)"
cargo build --release --quiet
BIN=target/release/pressgate
MODEL_DIR="$WORK/smollm2-$QUANT"
"$BIN" model import "$SMOLLM_GGUF" --out "$MODEL_DIR" --quant "$QUANT"

# peak_rss_mb FILE: "Maximum resident set size" from GNU time -v, in MiB.
peak_rss_mb() { awk -F: '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

log "pressgate: $QUANT, $CORES cores, $MAX_NEW new tokens"
/usr/bin/time -v -o "$WORK/pg.time" taskset -c "$CPUS" "$BIN" model run "$MODEL_DIR" \
  --prompt "$PROMPT" --max-new-tokens "$MAX_NEW" --threads "$CORES" --device cpu \
  >"$WORK/pg.out" 2>"$WORK/pg.err"
STATS="$(grep -E '^prompt [0-9]+ tokens' "$WORK/pg.err" | tail -1)"
PG_PREFILL="$(sed -E 's/.*prefill [0-9]+ ms \(([0-9.]+) tok\/s\).*/\1/' <<<"$STATS")"
PG_TTFT="$(sed -E 's/.*first token ([0-9]+) ms.*/\1/' <<<"$STATS")"
PG_DECODE="$(sed -E 's/.*decode ([0-9.]+) tok\/s.*/\1/' <<<"$STATS")"
PG_TOKENS="$(sed -E 's/.*generated ([0-9]+) tokens.*/\1/' <<<"$STATS")"
PG_RSS="$(peak_rss_mb "$WORK/pg.time")"

# The peers run from one virtual environment, created once.
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV"
fi
PY="$VENV/bin/python"

cat >"$WORK/peer.py" <<'PY'
"""Time a greedy completion with a peer runtime; prints one JSON line."""
import json, resource, sys, time

kind, model_path, prompt, system, max_new, cores = sys.argv[1:7]
max_new, cores = int(max_new), int(cores)
text = (f"<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prompt}<|im_end|>\n"
        "<|im_start|>assistant\n")

if kind == "genai":
    import onnxruntime_genai as og
    config = og.Config(model_path)
    model = og.Model(config)
    tokenizer = og.Tokenizer(model)
    ids = tokenizer.encode(text)
    params = og.GeneratorParams(model)
    params.set_search_options(max_length=len(ids) + max_new, do_sample=False)
    generator = og.Generator(model, params)
    start = time.perf_counter()
    generator.append_tokens(ids)
    generator.generate_next_token()
    ttft = time.perf_counter() - start
    produced = 1
    decode_start = time.perf_counter()
    while not generator.is_done() and produced < max_new:
        generator.generate_next_token()
        produced += 1
    decode = time.perf_counter() - decode_start
    prompt_tokens = len(ids)
else:
    from llama_cpp import Llama
    llm = Llama(model_path=model_path, n_ctx=2048, n_threads=cores, verbose=False)
    ids = llm.tokenize(text.encode(), add_bos=False, special=True)
    start = time.perf_counter()
    produced, ttft, decode_start = 0, 0.0, 0.0
    for _ in llm.generate(ids, top_k=1, temp=0.0):
        produced += 1
        if produced == 1:
            ttft = time.perf_counter() - start
            decode_start = time.perf_counter()
        if produced >= max_new:
            break
    decode = time.perf_counter() - decode_start
    prompt_tokens = len(ids)

rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({
    "tokens": produced,
    "ttft_ms": ttft * 1e3,
    "prefill_tps": prompt_tokens / ttft if ttft else 0.0,
    "decode_tps": (produced - 1) / decode if decode > 0 else 0.0,
    "rss_mb": rss_mb,
}))
PY

row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }
ROWS="$(row pressgate "$QUANT (ONNX Runtime $ORT_VERSION)" "$PG_DECODE" "$PG_PREFILL" "$PG_TTFT" "$PG_RSS")"
NOTES=""

run_peer() { # run_peer LABEL FORMAT KIND MODEL
  local label="$1" format="$2" kind="$3" model="$4" json
  if json="$(taskset -c "$CPUS" "$PY" "$WORK/peer.py" "$kind" "$model" "$PROMPT" "$SYSTEM_LINE" "$MAX_NEW" "$CORES" 2>"$WORK/$kind.err" | tail -1)" && [[ -n "$json" ]]; then
    ROWS+=$'\n'"$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print("| %s | %s | %.1f | %.1f | %.0f | %.0f |" % (sys.argv[2], sys.argv[3], d["decode_tps"], d["prefill_tps"], d["ttft_ms"], d["rss_mb"]))' "$json" "$label" "$format")"
  else
    NOTES+="- $label failed: $(tail -1 "$WORK/$kind.err")"$'\n'
  fi
}

# onnxruntime-genai reads intra-op threads from genai_config.json's session options.
if "$PY" -m pip install --quiet "onnxruntime-genai==0.18.0"; then
  "$PY" - "$MODEL_DIR/genai_config.json" "$CORES" <<'PY'
import json, sys
path, cores = sys.argv[1], int(sys.argv[2])
config = json.load(open(path))
config["model"]["decoder"]["session_options"] = {"intra_op_num_threads": cores, "provider_options": []}
json.dump(config, open(path, "w"), indent=2)
PY
  run_peer onnxruntime-genai "$QUANT (same ONNX folder)" genai "$MODEL_DIR"
else
  NOTES+="- onnxruntime-genai 0.18.0 did not install."$'\n'
fi
if [[ "${SKIP_LLAMA_CPP:-0}" == 1 ]]; then
  NOTES+="- llama-cpp-python skipped (SKIP_LLAMA_CPP=1)."$'\n'
elif timeout 1800 "$PY" -m pip install --quiet llama-cpp-python; then
  run_peer llama-cpp-python "Q4_1 GGUF" llama "$SMOLLM_GGUF"
else
  NOTES+="- llama-cpp-python did not build here."$'\n'
fi

SECTION="$WORK/section.md"
{
  echo "<!-- llm -->"
  echo "## Local generation: SmolLM2-135M-Instruct"
  echo
  echo "\`bench/llm.sh\` on $(date -u +%Y-%m-%d), $CORES cores (\`taskset -c $CPUS\`), $(nproc) CPUs visible, greedy, up to $MAX_NEW new tokens;"
  echo "pressgate generated $PG_TOKENS tokens. Prompt: \"$PROMPT\" (ChatML with the model's default system line)."
  echo
  echo "| runtime | weights | decode tok/s | prefill tok/s | time to first token (ms) | peak RSS (MiB) |"
  echo "|---|---|---|---|---|---|"
  echo "$ROWS"
  if [[ -n "$NOTES" ]]; then echo; printf '%s' "$NOTES"; fi
  echo "<!-- /llm -->"
} >"$SECTION"

mkdir -p docs
DOC=docs/benchmarks.md
[[ -f "$DOC" ]] || printf '# Benchmarks\n\n' >"$DOC"
python3 - "$DOC" "$SECTION" <<'PY'
import re, sys
doc, section = open(sys.argv[1]).read(), open(sys.argv[2]).read().rstrip("\n")
pattern = re.compile(r"<!-- llm -->.*?<!-- /llm -->", re.S)
doc = pattern.sub(lambda _: section, doc) if pattern.search(doc) else doc.rstrip("\n") + "\n\n" + section + "\n"
open(sys.argv[1], "w").write(doc)
PY
cat "$SECTION"
