#!/usr/bin/env python3
"""Run one peer engine once on a chat prompt and print its timings as one JSON line.

Engines:
  ortgenai  onnxruntime-genai on an ONNX model folder (genai_config.json)
  llamacpp  llama.cpp (llama-cpp-python) on a GGUF file

Both decode greedily with EOS suppressed, so every run produces exactly --max-new-tokens
tokens (pressgate has no ignore-EOS switch, so bench/llm.sh uses a prompt with a long
answer and reports how many tokens pressgate produced). Timings follow pressgate's
definitions (src/llm/generate.rs): prefill = one forward pass over the prompt; time to
first token = prefill + picking the first token; decode tok/s = (tokens - 1) / time from
the first to the last token. Model loading is outside every timing. Peak RSS is measured
from outside by /usr/bin/time -v.
"""
import argparse
import json
import sys
import time

# ChatML as rendered by SmolLM2's own chat template (tokenizer.chat_template in the GGUF)
# for one user message with no system message: the template adds its default system line.
SMOLLM2_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def chat_prompt(user: str) -> str:
    return (
        f"<|im_start|>system\n{SMOLLM2_SYSTEM}<|im_end|>\n"
        f"<|im_start|>user\n{user}<|im_end|>\n"
        "<|im_start|>assistant\n"
    )


def rates(prompt_tokens, prefill_s, ttft_s, first_at, last_at, generated):
    decode_s = last_at - first_at
    return {
        "prompt_tokens": prompt_tokens,
        "generated_tokens": generated,
        "prefill_ms": prefill_s * 1e3,
        "prefill_tps": prompt_tokens / prefill_s if prefill_s > 0 else 0.0,
        "ttft_ms": ttft_s * 1e3,
        "decode_tps": (generated - 1) / decode_s if generated > 1 and decode_s > 0 else 0.0,
    }


def run_ortgenai(args) -> dict:
    import onnxruntime_genai as og

    config = og.Config(args.model)
    # Pin ONNX Runtime's thread pools the way pressgate's --threads does.
    config.overlay(
        json.dumps(
            {
                "model": {
                    "decoder": {
                        "session_options": {
                            "intra_op_num_threads": args.threads,
                            "inter_op_num_threads": 1,
                        }
                    }
                }
            }
        )
    )
    config.clear_providers()
    model = og.Model(config)
    tokenizer = og.Tokenizer(model)
    ids = [int(t) for t in tokenizer.encode(chat_prompt(args.prompt))]
    eos = model_eos_ids(args.model)

    params = og.GeneratorParams(model)
    total = len(ids) + args.max_new_tokens
    # min_length = max_length masks EOS until the budget is spent.
    params.set_search_options(
        do_sample=False, max_length=total, min_length=total, batch_size=1
    )
    started = time.perf_counter()
    generator = og.Generator(model, params)
    generator.append_tokens(ids)  # runs the prompt through the model
    prefill_s = time.perf_counter() - started
    tokens = []
    first_at = last_at = ttft_s = 0.0
    while len(tokens) < args.max_new_tokens and not generator.is_done():
        generator.generate_next_token()  # forward pass on the previous token, then pick
        token = int(generator.get_next_tokens()[0])
        now = time.perf_counter()
        if not tokens:
            ttft_s = now - started
            first_at = now
        last_at = now
        tokens.append(token)
    result = rates(len(ids), prefill_s, ttft_s, first_at, last_at, len(tokens))
    result.update(
        engine="onnxruntime-genai",
        version=og.__version__,
        prompt_ids=ids,
        token_ids=tokens,
        eos_in_output=[t for t in tokens if t in eos],
        text=tokenizer.decode(tokens),
    )
    return result


def model_eos_ids(folder: str) -> set:
    with open(f"{folder}/genai_config.json", encoding="utf-8") as f:
        eos = json.load(f)["model"].get("eos_token_id", [])
    return set(eos if isinstance(eos, list) else [eos])


def run_llamacpp(args) -> dict:
    import llama_cpp
    import numpy as np

    llm = llama_cpp.Llama(
        model_path=args.model,
        n_ctx=args.context,
        n_batch=args.context,
        n_threads=args.threads,
        n_threads_batch=args.threads,
        logits_all=False,
        verbose=False,
    )
    ids = llm.tokenize(chat_prompt(args.prompt).encode("utf-8"), add_bos=False, special=True)
    eos = llm.token_eos()

    n_vocab = llm.n_vocab()

    def greedy() -> int:
        # With logits_all=False, llama.cpp keeps logits only for the batch's last token (and
        # this binding no longer copies them into llm.scores).
        logits = np.ctypeslib.as_array(llm._ctx.get_logits_ith(-1), shape=(n_vocab,)).copy()
        logits[eos] = -np.inf  # ignore EOS, as the other engines do
        return int(np.argmax(logits))

    llm.reset()
    started = time.perf_counter()
    llm.eval(ids)
    prefill_s = time.perf_counter() - started
    tokens = []
    first_at = last_at = ttft_s = 0.0
    while True:
        token = greedy()
        now = time.perf_counter()
        if not tokens:
            ttft_s = now - started
            first_at = now
        last_at = now
        tokens.append(token)
        if len(tokens) >= args.max_new_tokens:
            break
        llm.eval([token])
    result = rates(len(ids), prefill_s, ttft_s, first_at, last_at, len(tokens))
    result.update(
        engine="llama.cpp",
        version=llama_cpp.__version__,
        prompt_ids=ids,
        token_ids=tokens,
        eos_in_output=[],
        text=llm.detokenize(tokens).decode("utf-8", errors="replace"),
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("engine", choices=["ortgenai", "llamacpp"])
    parser.add_argument("--model", required=True, help="ONNX folder or GGUF file")
    parser.add_argument("--prompt", required=True)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--context", type=int, default=512, help="llama.cpp n_ctx")
    args = parser.parse_args()
    try:
        result = run_ortgenai(args) if args.engine == "ortgenai" else run_llamacpp(args)
    except Exception as e:  # reported to the table as this engine's error
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
