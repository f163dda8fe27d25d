#!/usr/bin/env python3
"""Generate a deterministic corpus of realistic Markdown articles for `bench/check.sh`.

Each article has YAML front matter (title, description, author, dates, tags), an H1, 4-8 H2
sections with paragraphs, lists, inline links, images (some without alt text), bracket
citations and a references list: 1,000-2,000 words. Same seed, same bytes.

Usage: gen_corpus.py OUT_DIR [--count 5000] [--seed 42]
"""
import argparse
import os
import random

TOPICS = [
    "standing desks", "home espresso", "trail running shoes", "indoor herb gardens",
    "mechanical keyboards", "budget travel in Portugal", "sourdough baking", "e-bike commuting",
    "houseplant lighting", "password managers", "solar panels for renters", "bouldering for beginners",
    "noise-cancelling headphones", "meal prep on a budget", "learning Spanish", "retirement savings",
    "winter cycling", "cast-iron cookware", "remote work ergonomics", "birdwatching optics",
]
NOUNS = [
    "method", "study", "budget", "routine", "setting", "choice", "model", "price", "design",
    "warranty", "material", "survey", "result", "feature", "battery", "surface", "schedule",
    "benchmark", "review", "guideline", "measurement", "trade-off", "maintenance", "accessory",
]
VERBS = [
    "improves", "reduces", "changes", "supports", "limits", "doubles", "affects", "extends",
    "simplifies", "complicates", "matches", "exceeds", "shapes", "drives", "protects",
]
ADJS = [
    "reliable", "affordable", "durable", "quiet", "compact", "expensive", "popular", "modern",
    "simple", "careful", "practical", "independent", "recent", "large", "small", "common",
]
OPENERS = [
    "In practice,", "According to the survey,", "For most readers,", "In our tests,", "However,",
    "As a rule,", "On balance,", "Over twelve months,", "By contrast,", "In 2023,",
]
# A few phrases style linters flag, at a realistic low rate.
FILLER = [
    "It's important to note that", "In today's fast-paced world,", "We utilize", "In order to save money,",
    "Let's delve into the details:",
]
AUTHORS = ["Ada Example", "Ben Sample", "Chloe Writer", "Dev Author", "Eve Editor"]


def sentence(rng: random.Random, cite_count: int) -> str:
    words = [rng.choice(OPENERS)] if rng.random() < 0.3 else []
    if rng.random() < 0.04:
        words.append(rng.choice(FILLER))
    words += [
        "the", rng.choice(ADJS), rng.choice(NOUNS), rng.choice(VERBS), "the",
        rng.choice(NOUNS), "of", "a", rng.choice(ADJS), rng.choice(NOUNS),
    ]
    for _ in range(rng.randint(0, 8)):
        words.append(rng.choice(["and", "with", "for", "when", "because", "than"]))
        words.append(rng.choice(ADJS if rng.random() < 0.4 else NOUNS))
    if rng.random() < 0.15:
        words.append(f"by {rng.randint(5, 60)}%")
    text = " ".join(words)
    text = text[0].upper() + text[1:]
    if rng.random() < 0.12:
        text += f' ([see the {rng.choice(NOUNS)} guide](https://example.com/{rng.choice(NOUNS)}/{rng.randint(1, 999)}))'
    if cite_count and rng.random() < 0.2:
        text += f" [{rng.randint(1, cite_count)}]"
    return text + "."


def paragraph(rng: random.Random, cite_count: int) -> str:
    return " ".join(sentence(rng, cite_count) for _ in range(rng.randint(3, 6)))


def article(index: int, rng: random.Random) -> str:
    topic = rng.choice(TOPICS)
    target_words = rng.randint(1000, 2000)
    refs = rng.randint(2, 6)
    year = rng.randint(2019, 2025)
    title = f"A practical guide to {topic}: what we learned in {year} (part {index % 7 + 1})"
    out = [
        "---",
        f'title: "{title}"',
        f'description: "How to approach {topic} with a {rng.choice(ADJS)} {rng.choice(NOUNS)}, '
        f'what to measure, and which trade-offs matter, with sources."',
        f'author: "{rng.choice(AUTHORS)}"',
        f"date: {year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        f"tags: [{', '.join(rng.sample(NOUNS, 3))}]",
        "---",
        "",
        f"# {title[0].upper() + title[1:]}",
        "",
    ]
    words = 0
    section = 0
    while words < target_words:
        section += 1
        out += [f"## {rng.choice(ADJS).capitalize()} {rng.choice(NOUNS)} {section}", ""]
        for _ in range(rng.randint(2, 4)):
            p = paragraph(rng, refs)
            words += len(p.split())
            out += [p, ""]
        if rng.random() < 0.5:
            for _ in range(rng.randint(3, 5)):
                item = f"- {rng.choice(ADJS).capitalize()} {rng.choice(NOUNS)} {rng.choice(VERBS)} the {rng.choice(NOUNS)}"
                words += len(item.split()) - 1
                out.append(item)
            out.append("")
        if rng.random() < 0.4:
            alt = "" if rng.random() < 0.2 else f"A {rng.choice(ADJS)} {rng.choice(NOUNS)} in use"
            out += [f"![{alt}](images/{index:05d}-{section}.jpg)", ""]
    out += ["## References", ""]
    for r in range(1, refs + 1):
        out.append(
            f"{r}. [{rng.choice(ADJS).capitalize()} {rng.choice(NOUNS)} report {year - rng.randint(0, 5)}]"
            f"(https://example.org/{rng.choice(NOUNS)}/{index}-{r})"
        )
    out.append("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    for i in range(args.count):
        # 100 articles per folder, like a real content tree.
        folder = os.path.join(args.out_dir, f"section-{i // 100:03d}")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, f"article-{i:05d}.md"), "w", encoding="utf-8") as f:
            f.write(article(i, rng))


if __name__ == "__main__":
    main()
