#!/usr/bin/env python3
"""Time pressgate and its peers on the same model and prompt, print a table and update the
<!-- llm --> section of docs/benchmarks.md.

Run by bench/llm.sh, which installs the peers and prepares the model folders first. Every
run is a separate process under /usr/bin/time -v (peak RSS); runs are interleaved across
engines (repeat 1 of every engine, then repeat 2, ...) so that load from other work on the
machine spreads evenly, and each metric is the median over the repeats.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

PEERS = Path(__file__).resolve().parent / "llm_peers.py"
MB = 1e6
PROBE_PROMPT = "What is the capital of France?"
PROBE_TOKENS = 16

PRESSGATE_STATS = re.compile(
    r"prompt (?P<prompt_tokens>\d+) tokens, generated (?P<generated_tokens>\d+) tokens "
    r"\((?P<stop>\w+)\); prefill (?P<prefill_ms>[\d.]+) ms \((?P<prefill_tps>[\d.]+) tok/s\), "
    r"first token (?P<ttft_ms>[\d.]+) ms, decode (?P<decode_tps>[\d.]+) tok/s"
)
MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
METRICS = ["prefill_tps", "ttft_ms", "decode_tps", "peak_rss_mb"]


class Config:
    """One engine on one model file or folder."""

    def __init__(self, key, engine, quant, model, make_command, env=None):
        self.key = key
        self.env = env or {}
        self.engine = engine
        self.quant = quant
        self.model = Path(model)
        # (prompt, max_new_tokens) -> argv
        self.make_command = make_command
        self.runs = []
        self.error = None

    def label(self) -> str:
        notes = {"OMP_WAIT_POLICY": " (passive OpenMP)", "PRESSGATE_LM_HEAD": " (LM head in the graph)"}
        return f"{self.engine} {self.quant.split(' ')[0]}" + "".join(notes.get(k, "") for k in self.env)

    def model_mb(self) -> float:
        if self.model.is_dir():
            return sum(f.stat().st_size for f in self.model.rglob("*") if f.is_file()) / MB
        return self.model.stat().st_size / MB

    def spread(self, metric) -> str:
        values = [r[metric] for r in self.runs if metric in r]
        return f"{min(values):.1f}–{max(values):.1f}" if values else "n/a"

    def median(self, metric):
        values = [r[metric] for r in self.runs if metric in r]
        return statistics.median(values) if values else None


def run_once(config: Config, out_dir: Path, repeat, prompt: str, max_new: int) -> dict:
    time_file = out_dir / f"{config.key}.{repeat}.time"
    proc = subprocess.run(
        ["/usr/bin/time", "-v", "-o", str(time_file)] + config.make_command(prompt, max_new),
        capture_output=True,
        text=True,
        env={**os.environ, **config.env},
        errors="replace",
    )
    (out_dir / f"{config.key}.{repeat}.stdout").write_text(proc.stdout)
    (out_dir / f"{config.key}.{repeat}.stderr").write_text(proc.stderr)
    if config.engine == "pressgate":
        stats = PRESSGATE_STATS.search(proc.stderr)
        if proc.returncode != 0 or stats is None:
            raise RuntimeError(last_lines(proc.stderr) or f"exit status {proc.returncode}")
        result = {k: (v if k == "stop" else float(v)) for k, v in stats.groupdict().items()}
        # `model run` streams the completion and ends it with one newline.
        result["text"] = proc.stdout[:-1] if proc.stdout.endswith("\n") else proc.stdout
    else:
        lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
        result = json.loads(lines[-1]) if lines else {}
        if proc.returncode != 0 or "error" in result or not result:
            raise RuntimeError(result.get("error") or last_lines(proc.stderr))
    rss = MAX_RSS.search(time_file.read_text())
    if rss:
        result["peak_rss_mb"] = int(rss.group(1)) * 1024 / MB
    return result


def last_lines(text: str, n: int = 3) -> str:
    return " | ".join(l.strip() for l in text.strip().splitlines()[-n:])


def fmt(value, digits=1):
    return "n/a" if value is None else f"{value:.{digits}f}"


def common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def compare_text(name_a, text_a, name_b, text_b) -> str:
    if text_a == text_b:
        return f"{name_a} and {name_b}: identical greedy text ({len(text_a)} chars)."
    n = common_prefix(text_a, text_b)
    # Compare only as far as the shorter run went (pressgate may stop at EOS).
    if n == min(len(text_a), len(text_b)):
        return (
            f"{name_a} and {name_b}: same text over the first {n} chars "
            f"(one run is longer: {len(text_a)} vs {len(text_b)} chars)."
        )
    return (
        f"{name_a} and {name_b}: greedy text diverges after {n} chars: "
        f"{json.dumps(text_a[n:n + 40])} vs {json.dumps(text_b[n:n + 40])}."
    )


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "load": os.getloadavg()}


def build_table(configs) -> list:
    rows = [
        "| engine | model (quantization) | model size MB | prompt tok | generated tok "
        "| prefill tok/s | first token ms | decode tok/s | decode min–max | peak RSS MB | RSS − model MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for c in configs:
        if c.error:
            rows.append(f"| {c.engine} | {c.quant} | {fmt(c.model_mb())} | failed: {c.error} ||||||||")
            continue
        rss = c.median("peak_rss_mb")
        rows.append(
            f"| {c.engine} | {c.quant} | {fmt(c.model_mb())} | {fmt(c.median('prompt_tokens'), 0)} "
            f"| {fmt(c.median('generated_tokens'), 0)} | {fmt(c.median('prefill_tps'))} "
            f"| {fmt(c.median('ttft_ms'))} | {fmt(c.median('decode_tps'))} | {c.spread('decode_tps')} "
            f"| {fmt(rss)} "
            f"| {fmt(None if rss is None else rss - c.model_mb())} |"
        )
    return rows


def ratio_lines(by_key) -> list:
    lines = []
    goals = [
        ("pg-int4", "ort-int4", 1.1, "pressgate int4 vs onnxruntime-genai on the same int4 folder"),
        ("pg-int4", "pg-int4-graph-head", 1.0,
         "pressgate int4 with its own Q8_0 LM head vs the graph's LM head on the same folder"),
        ("pg-int8", "ort-int8", 1.1, "pressgate int8 vs onnxruntime-genai on the same int8 folder"),
        ("pg-int4", "llama-q4_1", 1.0, "pressgate int4 (from Q4_1) vs llama.cpp on the Q4_1 GGUF"),
        ("pg-int4", "llama-q4_1-passive", 1.0,
         "pressgate int4 (from Q4_1) vs llama.cpp on the Q4_1 GGUF with OMP_WAIT_POLICY=PASSIVE"),
    ]
    for ours, theirs, goal, what in goals:
        a, b = by_key.get(ours), by_key.get(theirs)
        if not a or not b or a.error or b.error:
            lines.append(f"- {what}: not measured ({(b and b.error) or (a and a.error) or 'engine unavailable'}).")
            continue
        ra, rb = a.median("decode_tps"), b.median("decode_tps")
        pa, pb = a.median("prefill_tps"), b.median("prefill_tps")
        ratio = ra / rb if ra and rb else None
        verdict = "meets" if ratio is not None and ratio >= goal else "misses"
        lines.append(
            f"- {what}: decode {fmt(ratio, 2)}× ({verdict} the ≥ {goal}× goal), "
            f"prefill {fmt(pa / pb if pa and pb else None, 2)}×."
        )
    for key in ("pg-int4", "pg-int8"):
        c = by_key.get(key)
        if c and not c.error and c.median("peak_rss_mb") is not None:
            over = c.median("peak_rss_mb") - c.model_mb()
            verdict = "meets" if over < 300 else "misses"
            lines.append(
                f"- pressgate {c.quant}: peak RSS is model size + {over:.0f} MB "
                f"({verdict} the < model + 300 MB goal)."
            )
    return lines


def correctness_lines(by_key) -> list:
    lines = []

    def text(key):
        c = by_key.get(key)
        return c.runs[0].get("text") if c and c.runs and not c.error else None

    pairs = [
        ("pg-int4", "ort-int4"),
        ("pg-int8", "ort-int8"),
        ("pg-int4", "llama-q4_1"),
        ("pg-int4", "pg-int8"),
    ]
    for a, b in pairs:
        ta, tb = text(a), text(b)
        if ta is not None and tb is not None:
            lines.append("- " + compare_text(by_key[a].label(), ta, by_key[b].label(), tb))
    # Every engine tokenizes the prompt itself; the counts should agree.
    counts = {c.label(): c.median("prompt_tokens") for c in by_key.values() if c.runs}
    if len(set(counts.values())) > 1:
        lines.append(f"- prompt token counts differ: {counts}.")
    elif counts:
        lines.append(f"- all engines tokenize the prompt to {int(next(iter(counts.values())))} tokens.")
    ids = {c.label(): c.runs[0].get("prompt_ids") for c in by_key.values() if c.runs and c.runs[0].get("prompt_ids")}
    if len({json.dumps(v) for v in ids.values()}) > 1:
        lines.append(f"- prompt token ids differ between {', '.join(ids)}.")
    for c in by_key.values():
        stops = {r.get("stop") for r in c.runs if r.get("stop")}
        if stops and stops != {"MaxNewTokens"}:
            lines.append(f"- {c.label()} stopped early ({', '.join(sorted(stops))}); its decode rate covers fewer tokens.")
    return lines


def update_docs(docs: Path, section: str) -> None:
    start, end = "<!-- llm -->", "<!-- /llm -->"
    block = f"{start}\n{section.rstrip()}\n{end}"
    text = docs.read_text() if docs.exists() else "# Benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text(text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pressgate", required=True)
    p.add_argument("--python", required=True, help="interpreter with the peers installed")
    p.add_argument("--int4", required=True, help="pressgate int4 model folder")
    p.add_argument("--int8", required=True, help="pressgate int8 model folder")
    p.add_argument("--gguf", required=True)
    p.add_argument("--llamacpp-error", default="", help="why llama.cpp is unavailable, if it is")
    p.add_argument("--prompt", required=True)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--cpus", default="", help="taskset CPU list every engine is pinned to")
    p.add_argument("--ort-lib", default="", help="ONNX Runtime library for pressgate")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--results", required=True)
    p.add_argument("--docs", required=True)
    p.add_argument("--versions", default="{}", help="JSON object of component versions")
    a = p.parse_args()

    pin = ["taskset", "-c", a.cpus] if a.cpus and shutil.which("taskset") else []

    def pressgate(folder):
        ort = ["--ort-lib", a.ort_lib] if a.ort_lib else []
        return lambda prompt, n: pin + [
            a.pressgate, "model", "run", folder, "--prompt", prompt, "--max-new-tokens", str(n),
            "--threads", str(a.threads), "--device", "cpu", "--temperature", "0", "--seed", "0"] + ort

    def peer(engine, model):
        return lambda prompt, n: pin + [
            a.python, str(PEERS), engine, "--model", model, "--prompt", prompt,
            "--max-new-tokens", str(n), "--threads", str(a.threads)]

    configs = [
        Config("pg-int4", "pressgate", "int4 (GGUF blocks kept; default install)", a.int4, pressgate(a.int4)),
        # The same folder with the LM head left in the ONNX graph (two exact 4-bit halves in
        # ONNX Runtime, as onnxruntime-genai runs it) instead of pressgate's Q8_0 head.
        Config("pg-int4-graph-head", "pressgate", "int4, LM head in the graph (PRESSGATE_LM_HEAD=graph)",
               a.int4, pressgate(a.int4), env={"PRESSGATE_LM_HEAD": "graph"}),
        Config("ort-int4", "onnxruntime-genai", "int4 (same folder)", a.int4, peer("ortgenai", a.int4)),
        Config("llama-q4_1", "llama.cpp", "Q4_1 GGUF", a.gguf, peer("llamacpp", a.gguf)),
        # llama.cpp's OpenMP threads spin while waiting; on a shared, oversubscribed machine
        # that collapses its speed, so it also runs with passive waiting.
        Config("llama-q4_1-passive", "llama.cpp", "Q4_1 GGUF, OMP_WAIT_POLICY=PASSIVE", a.gguf,
               peer("llamacpp", a.gguf), env={"OMP_WAIT_POLICY": "PASSIVE"}),
        Config("pg-int8", "pressgate", "int8 (re-quantized)", a.int8, pressgate(a.int8)),
        Config("ort-int8", "onnxruntime-genai", "int8 (same folder)", a.int8, peer("ortgenai", a.int8)),
    ]
    if a.llamacpp_error:
        configs[2].error = configs[3].error = a.llamacpp_error

    out_dir = Path(a.results)
    out_dir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    for repeat in range(a.repeats):
        for c in configs:
            if c.error:
                continue
            try:
                c.runs.append(run_once(c, out_dir, repeat, a.prompt, a.max_new_tokens))
            except Exception as e:  # one engine failing must not lose the others' numbers
                c.error = str(e).replace("|", "/").replace("\n", " ")[:300]
            print(f"repeat {repeat + 1}/{a.repeats} {c.key}: "
                  f"{'failed: ' + c.error if c.error else fmt(c.runs[-1].get('decode_tps')) + ' tok/s'}",
                  file=sys.stderr)
    by_key = {c.key: c for c in configs}
    # A short factual probe with a known answer (the numpy reference over the dequantized GGUF
    # answers "The capital of France is Paris."): one untimed run per engine.
    probe_lines = []
    for c in configs:
        if c.error or (c.env and any(not x.env and x.engine == c.engine for x in configs)):
            continue  # the passive llama.cpp run computes the same tokens as the default one
        try:
            text = run_once(c, out_dir, "probe", PROBE_PROMPT, PROBE_TOKENS)["text"]
            probe_lines.append(f"- {c.label()}: {json.dumps(text.strip())}")
        except Exception as e:
            probe_lines.append(f"- {c.label()}: failed: {str(e)[:200]}")

    host = machine()
    versions = json.loads(a.versions)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    table = build_table(configs)
    ratios = ratio_lines(by_key)
    correctness = correctness_lines(by_key)
    section = "\n".join(
        [
            "## LLM generation: pressgate vs onnxruntime-genai and llama.cpp",
            "",
            f"Measured {now} by `bench/llm.sh` on {host['nproc']} cores ({host['cpu']}), "
            f"load average {load_before[0]:.2f} before / {os.getloadavg()[0]:.2f} after "
            "(the machine is shared, so absolute numbers are noisy; ratios between engines are the point).",
            "",
            "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".",
            "",
            f"Model SmolLM2-135M-Instruct; prompt {json.dumps(a.prompt)} in its chat template; "
            f"greedy, {a.max_new_tokens} new tokens, {a.threads} threads"
            f"{' pinned to CPUs ' + a.cpus if pin else ''}, median of {a.repeats} runs. "
            "onnxruntime-genai and llama.cpp suppress EOS so they always produce the full budget; "
            "pressgate cannot, so the prompt asks for a long answer (see the generated-token column). "
            "Prefill = one forward pass over the prompt; first token = prefill + choosing the first token; "
            "decode tok/s = (tokens − 1) / time from the first to the last token; model load is not timed. "
            "Peak RSS is the whole process (`/usr/bin/time -v`), so the Python peers include the "
            "interpreter and numpy. Sizes are in MB (10^6 bytes).",
            "",
            *table,
            "",
            "llama.cpp is built with OpenMP, whose worker threads spin while they wait; on this shared, "
            "oversubscribed machine that alone costs it several times its speed, so it runs twice: as "
            "installed and with `OMP_WAIT_POLICY=PASSIVE`. The passive row is the fair comparison. "
            "ONNX Runtime's intra-op pool spins by default too (onnxruntime-genai keeps that default); "
            "pressgate spins only when its CPUs are idle at start-up (a 100 ms `/proc/stat` sample, "
            "`src/llm/runtime.rs` `intra_op_spinning`), so on an idle machine both spin.",
            "",
            "Against the goals (decode ≥ 1.1× onnxruntime-genai, ≥ llama.cpp at the same quantization; "
            "peak RSS < model size + 300 MB):",
            "",
            *ratios,
            "",
            "Quantization note: the int4 folder (what `model install` makes from this Q4_1 GGUF) keeps "
            "the GGUF's own blocks (`src/llm/import/quant.rs`). In `model.onnx` (what onnxruntime-genai "
            "runs) Q4_1 codes and scales go into 4-bit MatMulNBits unchanged, the Q4_1 block minimums "
            "become one small f32 product per linear (block sums of the input times the minimums, added "
            "by one Gemm), and the Q8_0 tied LM head becomes two exact 4-bit halves over a doubled input; "
            "all MatMulNBits run with f32 activations (`accuracy_level` 1). pressgate itself runs the "
            "folder's head-less graph (`model.headless.onnx`, same weights file), where each Q4_1 linear "
            "is one pressgate ONNX Runtime node (`ai.pressgate.BlockMinMatMul`, `src/llm/custom_ops.rs`, "
            "`src/llm/block_min_matmul.rs`) over the same codes and each block's scale and minimum, "
            "exact in f32, and computes the LM head from the Q8_0 codes and scales in Rust with "
            "f32 activations (`src/llm/lm_head.rs`), which is the same product with half the "
            "multiply-adds. So pressgate int4 and llama.cpp compute with the same weights "
            "(llama.cpp rounds activations to 8 bits for its Q4_1/Q8_0 dot products; pressgate does "
            "not); only the embedding lookup is fp16 in the ONNX folder. The int8 folder re-quantizes the "
            "dequantized weights to per-channel int8 (DynamicQuantizeMatMul) and has no llama.cpp "
            "counterpart here.",
            "",
            "Correctness (greedy text of the first run):",
            "",
            *correctness,
            "",
            f"Factual probe ({json.dumps(PROBE_PROMPT)}, greedy, {PROBE_TOKENS} tokens, EOS suppressed "
            "for the peers; the numpy reference answers \"The capital of France is Paris.\"):",
            "",
            *probe_lines,
        ]
    )
    print("\n".join(table))
    print()
    print("\n".join(ratios))
    print("\n".join(correctness))
    print("\n".join(probe_lines))
    raw = {c.key: {"engine": c.engine, "quant": c.quant, "model_mb": c.model_mb(),
                   "error": c.error, "runs": c.runs} for c in configs}
    (out_dir / "summary.json").write_text(json.dumps({"date": now, "machine": host,
                                                      "versions": versions, "configs": raw}, indent=1))
    update_docs(Path(a.docs), section)
    print(f"\nupdated {a.docs}; raw runs in {out_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
