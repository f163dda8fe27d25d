#!/usr/bin/env python3
"""Per-node cost of one decode step of a pressgate/onnxruntime-genai model folder.

Runs a short prompt, then --steps single-token decode steps with ONNX Runtime's profiler on,
and prints the time per step by op type and the most expensive nodes (median over steps).
Uses the Python onnxruntime (same version as pressgate's) with past = previous present, so the
attention cost differs slightly from pressgate's shared buffer; node counts and kernel costs
are the same.

  bench/work/venv/bin/python bench/llm_profile.py MODEL_DIR [--threads 1] [--steps 32]
"""
import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort


def session(model_dir, threads, profile_prefix=None):
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return ort.InferenceSession(
        os.path.join(model_dir, "model.onnx"), options, providers=["CPUExecutionProvider"]
    )


def empty_past(sess):
    feeds = {}
    for item in sess.get_inputs():
        if item.name.startswith("past_key_values"):
            _, heads, _, dim = item.shape
            feeds[item.name] = np.zeros((1, heads, 0, dim), dtype=np.float32)
    return feeds


def run_steps(sess, prompt, steps):
    """Prefill, then `steps` greedy single-token steps; returns per-step wall seconds."""
    names = [o.name for o in sess.get_outputs()]
    past = empty_past(sess)
    tokens = list(prompt)
    ids = np.array([tokens], dtype=np.int64)
    step_seconds = []
    for step in range(steps + 1):
        feeds = dict(past)
        feeds["input_ids"] = ids
        feeds["attention_mask"] = np.ones((1, len(tokens)), dtype=np.int64)
        started = time.perf_counter()
        outputs = sess.run(None, feeds)
        if step > 0:
            step_seconds.append(time.perf_counter() - started)
        by_name = dict(zip(names, outputs))
        next_token = int(np.argmax(by_name["logits"][0, -1]))
        tokens.append(next_token)
        ids = np.array([[next_token]], dtype=np.int64)
        past = {
            n.replace("present.", "past_key_values."): v
            for n, v in by_name.items()
            if n.startswith("present.")
        }
    return step_seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--steps", type=int, default=32)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--json", help="write the per-op-type table here")
    args = parser.parse_args()

    prompt = [1, 4093, 198, 1780, 314, 260, 3575, 282, 4649, 47, 2, 198, 1, 520, 9531, 198]
    with tempfile.TemporaryDirectory() as tmp:
        sess = session(args.model_dir, args.threads, os.path.join(tmp, "profile"))
        run_steps(sess, prompt, 2)  # warm-up, also profiled: skipped below by run id
        warm_runs = 3
        step_seconds = run_steps(sess, prompt, args.steps)
        trace_file = sess.end_profiling()
        with open(trace_file) as handle:
            trace = json.load(handle)

    runs = [e for e in trace if e.get("cat") == "Session" and e.get("name") == "model_run"]
    # Decode steps are the model_run events after the warm-up and the second prefill.
    decode_runs = runs[warm_runs + 1 :]
    per_step_type = collections.defaultdict(list)
    per_step_node = collections.defaultdict(list)
    node_counts = collections.Counter()
    for run in decode_runs:
        start, end = run["ts"], run["ts"] + run["dur"]
        by_type = collections.Counter()
        by_node = collections.Counter()
        nodes = 0
        for event in trace:
            if event.get("cat") != "Node" or not event["name"].endswith("_kernel_time"):
                continue
            if not start <= event["ts"] <= end:
                continue
            op = event["args"].get("op_name", "?")
            by_type[op] += event["dur"]
            by_node[event["name"][: -len("_kernel_time")]] += event["dur"]
            nodes += 1
        for op, dur in by_type.items():
            per_step_type[op].append(dur)
        for name, dur in by_node.items():
            per_step_node[name].append(dur)
        node_counts[nodes] += 1
    if not decode_runs:
        sys.exit("no decode runs in the profile")

    run_us = statistics.median(r["dur"] for r in decode_runs)
    kernel_us = {op: statistics.median(d) for op, d in per_step_type.items()}
    total_kernel = sum(kernel_us.values())
    print(
        f"{args.model_dir}: {args.threads} thread(s), {len(decode_runs)} decode steps, "
        f"median step {statistics.median(step_seconds) * 1e3:.2f} ms wall, "
        f"model_run {run_us / 1e3:.2f} ms, kernels {total_kernel / 1e3:.2f} ms, "
        f"nodes per step {node_counts.most_common(1)[0][0]}, "
        f"load {os.getloadavg()[0]:.2f}"
    )
    counts = collections.Counter()
    for event in trace:
        if (
            event.get("cat") == "Node"
            and event["name"].endswith("_kernel_time")
            and decode_runs[0]["ts"] <= event["ts"] <= decode_runs[0]["ts"] + decode_runs[0]["dur"]
        ):
            counts[event["args"].get("op_name", "?")] += 1
    print(f"{'op type':<36}{'nodes':>6}{'us/step':>10}{'share':>8}")
    for op, us in sorted(kernel_us.items(), key=lambda kv: -kv[1]):
        print(f"{op:<36}{counts[op]:>6}{us:>10.0f}{us / total_kernel:>8.1%}")
    print(f"\ntop {args.top} nodes (us/step):")
    node_us = {n: statistics.median(d) for n, d in per_step_node.items()}
    for name, us in sorted(node_us.items(), key=lambda kv: -kv[1])[: args.top]:
        print(f"  {us:>8.0f}  {name}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump({"run_us": run_us, "by_type": kernel_us, "counts": counts}, handle)


if __name__ == "__main__":
    main()
