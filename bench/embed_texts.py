#!/usr/bin/env python3
"""Write the embedding benchmark's texts: one chunk per line, cut from generated articles.

Articles come from `bench/gen_corpus.py` (same seed, same bytes); their prose paragraphs are
grouped into chunks of 60-260 words, close to what `pressgate sources` chunking produces
(at most 350 estimated tokens). Same seed and count, same file.

Usage: embed_texts.py OUT_FILE [--count 2000] [--seed 42]
"""
import argparse
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_corpus  # noqa: E402


def paragraphs(markdown):
    """Prose paragraphs of one article: front matter, headings, lists and links dropped."""
    body = re.sub(r"\A---\n.*?\n---\n", "", markdown, flags=re.S)
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        if not block or block.startswith(("#", "-", "*", "!", "|", "[", ">")) or re.match(r"\d+\.", block):
            continue
        text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", block)
        yield " ".join(text.split())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_file")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    chunks = []
    article_rng = random.Random(args.seed)
    articles = 0
    words = []
    target = rng.randint(60, 260)
    while len(chunks) < args.count:
        for para in paragraphs(gen_corpus.article(articles, article_rng)):
            words.extend(para.split())
            if len(words) >= target:
                chunks.append(" ".join(words[:target]))
                words = words[target:]
                target = rng.randint(60, 260)
        words = []
        articles += 1
    with open(args.out_file, "w", encoding="utf-8") as out:
        for chunk in chunks[: args.count]:
            out.write(chunk + "\n")
    words = sum(len(c.split()) for c in chunks[: args.count])
    print(f"{args.count} chunks, {words} words, from {articles} articles", file=sys.stderr)


if __name__ == "__main__":
    main()
