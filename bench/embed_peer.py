#!/usr/bin/env python3
"""The embedding benchmark's peers: the same MiniLM ONNX model through onnxruntime's Python
API (and sentence-transformers when installed), on the same texts, batched as pressgate does.

Same output as `MiniLmEmbedder::embed_texts`: a text is cut into windows of 256 tokens that
overlap by 64 (the tokenizer's truncation with stride and its overflowing encodings), each
window mean-pooled over the attention mask and L2-normalised, and a text's vector is the
normalised mean of its windows' vectors. Batching as a Python user would write it (and as
sentence-transformers does): texts sorted by length, batches of 32 texts, all windows of a
batch run in one call padded to its longest window. One untimed warm-up pass, then REPEAT
timed passes; the best pass counts.
Prints one JSON object per runtime.

Usage: embed_peer.py TEXTS MODEL_DIR [--threads 2] [--repeat 3] [--vectors FILE]
                     [--sentence-transformers]
"""
import argparse
import json
import os
import sys
import time

import numpy as np

BATCH_SIZE = 32
MAX_TOKENS = 256
WINDOW_OVERLAP = 64


def ort_runtime(model_dir, threads):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.enable_padding(pad_id=tokenizer.padding["pad_id"] if tokenizer.padding else 0,
                             pad_token=tokenizer.padding["pad_token"] if tokenizer.padding else "[PAD]")
    tokenizer.enable_truncation(max_length=MAX_TOKENS, stride=WINDOW_OVERLAP)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(os.path.join(model_dir, "model.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    input_names = {i.name for i in session.get_inputs()}

    def embed_batch(texts):
        encodings = tokenizer.encode_batch(texts)
        # Each text's first window and its overflowing ones, all padded to the same length.
        windows, owner = [], []
        for text_index, encoding in enumerate(encodings):
            for window in [encoding, *encoding.overflowing]:
                windows.append(window)
                owner.append(text_index)
        ids = np.array([w.ids for w in windows], dtype=np.int64)
        mask = np.array([w.attention_mask for w in windows], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in input_names:
            feeds["token_type_ids"] = np.array([w.type_ids for w in windows], dtype=np.int64)
        states = session.run(None, feeds)[0]
        if states.ndim == 3:
            weights = mask[:, :, None].astype(np.float32)
            pooled = (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        else:
            pooled = states
        pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        summed = np.zeros((len(texts), pooled.shape[1]), dtype=np.float32)
        np.add.at(summed, np.array(owner), pooled)
        norms = np.linalg.norm(summed, axis=1, keepdims=True)
        return summed / np.maximum(norms, 1e-12)

    return f"onnxruntime {ort.__version__} (Python)", embed_batch


def sentence_transformers_runtime(model_dir, threads):
    """sentence-transformers runs the ONNX file through its own ONNX backend; it needs the
    model folder laid out as a Hugging Face repo, which the installed folder is not, so it is
    only tried when the package imports and the folder loads."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    model = SentenceTransformer(model_dir, backend="onnx", device="cpu")
    model.max_seq_length = MAX_TOKENS

    def embed_batch(texts):
        return model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True)

    import sentence_transformers
    return f"sentence-transformers {sentence_transformers.__version__}", embed_batch


def embed_all(embed_batch, texts):
    order = sorted(range(len(texts)), key=lambda i: len(texts[i].encode("utf-8")))
    out = None
    for start in range(0, len(order), BATCH_SIZE):
        batch = order[start:start + BATCH_SIZE]
        vectors = np.asarray(embed_batch([texts[i] for i in batch]), dtype=np.float32)
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[batch] = vectors
    return out


def bench(name, embed_batch, texts, repeat):
    vectors = embed_all(embed_batch, texts)
    passes = []
    for _ in range(repeat):
        start = time.perf_counter()
        vectors = embed_all(embed_batch, texts)
        passes.append(time.perf_counter() - start)
    best = min(passes)
    return vectors, {"runtime": name, "texts": len(texts), "pass_s": passes, "best_s": best,
                     "chunks_per_s": len(texts) / best}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts")
    parser.add_argument("model_dir")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--vectors", help="pressgate's vectors (f32 LE) to compare against")
    parser.add_argument("--sentence-transformers", action="store_true")
    args = parser.parse_args()
    with open(args.texts, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f if line.strip()]

    name, embed_batch = ort_runtime(args.model_dir, args.threads)
    vectors, result = bench(name, embed_batch, texts, args.repeat)
    if args.vectors:
        theirs = np.fromfile(args.vectors, dtype="<f4").reshape(len(texts), -1)
        result["min_cosine_vs_pressgate"] = float((theirs * vectors).sum(axis=1).min())
    print(json.dumps(result))

    if args.sentence_transformers:
        try:
            name, embed_batch = sentence_transformers_runtime(args.model_dir, args.threads)
            _, result = bench(name, embed_batch, texts, args.repeat)
            print(json.dumps(result))
        except Exception as e:  # report why it could not run instead of failing the bench
            print(json.dumps({"runtime": "sentence-transformers", "skipped": str(e)[:200]}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
