#!/usr/bin/env python3
"""Writes fixtures/verify/pairs.jsonl: the claims of bench/verify_passages.py as supported
pairs, one realistic corruption of most claims (changed number or date, a name swapped for
another person, organisation or place, a claim cited against an unrelated passage, negation, flipped direction, invented or altered quote, unsupported generalisation), and
uncited copies of numeric claims. Deterministic: rerunning gives the same file.

    python3 bench/verify_gen.py > fixtures/verify/pairs.jsonl
"""
import json
import random
import re
import sys

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from verify_passages import PASSAGES  # noqa: E402

rng = random.Random(6)

NUMBER = re.compile(r"(?<![\w.-])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?")
YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
MONTH = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")
QUOTE = re.compile(r'"([^"]+)"')
ENTITY = re.compile(r"\b([A-Z][a-z]+(?:\s+(?:&\s+)?[A-Z][a-z]+)+|[A-Z][a-z]{3,})\b")
NOT_NAMES = {"The", "A", "An", "In", "Its", "Only", "Around", "About", "Fewer", "Building",
             "Walking", "Children", "Heatstroke", "Salmon", "Sea", "Broadband", "Burglaries",
             "Volunteers", "Beavers", "Fraud", "Punctuality", "Passenger", "Hotel", "Petrol",
             "Road", "Average", "Schools", "Visitor", "Visitors", "Demand", "Unemployment",
             "Lapwing", "Rangers", "Irrigation", "Farmers", "Archaeologists", "Electric",
             "Solar", "Adult", "Download", "Knee", "Measles", "Lapwing", "Classes", "Online",
             "Cod", "Trains", "Doctors", "Researchers", "Geologists", "Chemists", "Animal",
             "House", "Rotating", "Low", "Work", "Keller", "Lin", "Adebayo", "Mbps", "Only",
             "Most", "Greyford's", "Brookhaven's", "Estmoor's"}
PAST_VERBS = {"found": "find", "sold": "sell", "won": "win", "opened": "open",
              "reached": "reach", "produced": "produce", "built": "build", "carried": "carry",
              "led": "lead", "planted": "plant", "made": "make", "took": "take",
              "scored": "score", "performed": "perform", "counted": "count", "set": "set",
              "discovered": "discover", "sequenced": "sequence", "designed": "design",
              "lent": "lend", "handled": "handle", "closed": "close", "dated": "date",
              "vaccinated": "vaccinate", "received": "receive", "harvested": "harvest",
              "headlined": "headline", "signed": "sign", "reported": "report", "studied": "study",
              "reviewed": "review", "approved": "approve", "blames": "blame", "said": "say"}
PAST = re.compile(r"\b(" + "|".join(PAST_VERBS) + r")\b")
AUX = re.compile(r"\b(is|was|are|were|has|have|had)\b")
OPPOSITES = {
    "rose": "fell", "fell": "rose", "increased": "decreased", "decreased": "increased",
    "increase": "decrease", "grew": "shrank", "dropped": "rose", "lowered": "raised",
    "raised": "cut", "cut": "raised", "more": "fewer", "higher": "lower", "lower": "higher",
    "larger": "smaller", "warmer": "colder", "less": "more", "doubled": "halved",
    "tripled": "halved", "shortened": "lengthened", "up": "down", "down": "up",
    "reduced": "increased", "fall": "rise", "stopped": "started", "cheaper": "dearer",
    "largest": "smallest", "lowest": "highest", "busiest": "quietest",
}
DIRECTION = re.compile(r"\b(" + "|".join(OPPOSITES) + r")\b")
GENERALISATIONS = [
    ", and the same holds in every other region",
    ", which proves the approach works everywhere",
    ", a pattern seen in all similar towns",
    ", and this will always be the case",
    ", which guarantees the same result elsewhere",
]
QUOTE_WORDS = {"everything": "all the bread", "sunrise": "dawn", "real": "famous",
               "objects": "paintings", "keep": "catch", "people": "families"}
FIRST_NAMES = {"Margaret", "Tomas", "Mara", "Olu", "Ana", "Priya", "Ewan", "Ada", "Hana",
               "Luis", "Dana", "Rui", "Ines", "Sam", "Lena", "Colm", "Noor", "Professor",
               "Dr", "Mayor", "Director", "Chief"}
INVENTED_PEOPLE = ["Karen Holt", "David Osei", "Elena Marquez", "Sofia Lind", "Marcus Webb"]
INVENTED_NAMES = ["Brennan Hall", "Oakridge", "Harwick", "Pellworth Group", "Talmont"]


def fmt_like(original: str, value: float) -> str:
    """`value` written like `original` (thousands separators, decimals)."""
    decimals = len(original.split(".")[1]) if "." in original else 0
    text = f"{value:,.{decimals}f}" if "," in original else f"{value:.{decimals}f}"
    return text


def change_number(claim: str, evidence: str):
    candidates = [m for m in NUMBER.finditer(claim) if not YEAR.fullmatch(m.group(0))]
    if not candidates:
        return None
    m = rng.choice(candidates)
    original = m.group(0)
    value = float(original.replace(",", ""))
    digits = re.sub(r"\D", "", original)
    options = []
    # A transposition of two different digits, as a typo or a careless model would make it.
    for i in range(len(digits) - 1):
        if digits[i] != digits[i + 1] and not (i == 0 and digits[i + 1] == "0"):
            swapped = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
            options.append(swapped)
    new_values = []
    for d in options:
        decimals = len(original.split(".")[1]) if "." in original else 0
        v = int(d) / (10 ** decimals)
        new_values.append(v)
    for factor in (1.25, 0.8, 1.5, 0.6):
        new_values.append(value * factor)
    rng.shuffle(new_values)
    for v in new_values:
        if v == value or abs(v - value) / max(value, 1e-9) < 0.08:
            continue
        text = fmt_like(original, v)
        if text != original and text not in evidence and text.replace(",", "") not in evidence:
            return claim[: m.start()] + text + claim[m.end():]
    return None


def change_date(claim: str, evidence: str):
    years = list(YEAR.finditer(claim))
    months = list(MONTH.finditer(claim))
    if months and rng.random() < 0.4:
        m = rng.choice(months)
        i = MONTHS.index(m.group(1))
        new = MONTHS[(i + rng.choice([1, 2, -1, 3])) % 12]
        if new not in evidence:
            return claim[: m.start()] + new + claim[m.end():]
    if years:
        m = rng.choice(years)
        for delta in rng.sample([1, -1, 2, -2, 3, 10], 6):
            new = str(int(m.group(1)) + delta)
            if new not in evidence:
                return claim[: m.start()] + new + claim[m.end():]
    return None


def entities(claim: str):
    out = []
    for m in ENTITY.finditer(claim):
        words = m.group(1).split()
        while words and words[0] in NOT_NAMES:
            words = words[1:]
        if words and not any(w in MONTHS for w in words):
            name = " ".join(words)
            out.append((claim.index(name, m.start()), name))
    return out


def is_person(name: str) -> bool:
    return name.split()[0] in FIRST_NAMES or name in INVENTED_PEOPLE


def change_name(claim: str, evidence: str, pool):
    names = entities(claim)
    if not names:
        return None
    start, name = rng.choice(names)
    # A person for a person, an organisation or place for an organisation or place.
    person = is_person(name)
    choices = [n for n in pool + INVENTED_NAMES
               if n not in evidence and is_person(n) == person and n != name]
    if person:
        choices = [n for n in choices if len(n.split()) == len(name.split())] or choices
    new = rng.choice(choices)
    return claim[:start] + new + claim[start + len(name):]


def negate(claim: str, evidence: str):
    if " no " in claim:
        return claim.replace(" no ", " a ", 1)
    m = AUX.search(claim)
    if m:
        return claim[: m.end()] + " not" + claim[m.end():]
    m = PAST.search(claim)
    if m:
        return claim[: m.start()] + "did not " + PAST_VERBS[m.group(1)] + claim[m.end():]
    return None


def flip_direction(claim: str, evidence: str):
    m = DIRECTION.search(claim)
    if not m:
        return None
    return claim[: m.start()] + OPPOSITES[m.group(1)] + claim[m.end():]


def alter_quote(claim: str, evidence: str):
    m = QUOTE.search(claim)
    if not m:
        return None
    quote = m.group(1)
    for old, new in QUOTE_WORDS.items():
        if old in quote:
            return claim.replace(quote, quote.replace(old, new, 1))
    return None


def invent_quote(claim: str, evidence: str, pool):
    """Put the claim in a named person's mouth as a quote the source never had."""
    speakers = [n for n in pool if len(n.split()) == 2]
    if QUOTE.search(claim):
        return None
    body = claim.rstrip(".")
    first = body.split()[0]
    if first in NOT_NAMES or first.lower() in ("the", "a", "an"):
        body = body[0].lower() + body[1:]
    people = [n for _, n in entities(evidence) if n.split()[0] in FIRST_NAMES]
    speaker = people[0] if people else rng.choice(INVENTED_PEOPLE)
    return f'{speaker} said "{body}".'


GENERAL_SUBJECTS = [("Children who", "All children who"), ("Patients", "All patients"),
                    ("Walking", "Walking always"), ("Volunteers", "Every volunteer group")]


def generalise(claim: str, evidence: str):
    """Turn a finding about one place, group or year into a rule about all of them."""
    for old, new in GENERAL_SUBJECTS:
        if claim.startswith(old):
            return new + claim[len(old):]
    m = re.search(r"\bin (?:the [a-z]+ (?:quarter|half) of )?(20\d\d)\b", claim)
    measured = [n for n in NUMBER.finditer(claim) if not YEAR.fullmatch(n.group(0))]
    if m and measured and rng.random() < 0.6:
        return claim[: m.start()] + "every year" + claim[m.end():]
    return claim.rstrip(".") + rng.choice(GENERALISATIONS) + "."


LABELS = {"number": "contradicted", "date": "contradicted", "name": "unsupported",
          "negation": "contradicted", "direction": "contradicted",
          "quote": "unsupported", "generalisation": "unsupported"}


QUOTAS = {"number": 36, "date": 26, "quote": 24, "name": 20, "negation": 16, "direction": 16,
          "generalisation": 18}


def main():
    pool = sorted({n for _, ev, claims in PASSAGES for c in claims for _, n in entities(c)})
    rows = []
    counts = {k: 0 for k in QUOTAS}
    for p, (topic, evidence, claims) in enumerate(PASSAGES):
        split = "calib" if p % 3 == 0 else "test"
        for c, claim in enumerate(claims):
            pid = f"p{p:03d}c{c}"
            if c != 2:
                rows.append(dict(id=pid + "-ok", topic=topic, evidence=evidence, claim=claim,
                                 label="supported", error="none", split=split))
            makers = {
                "number": lambda: change_number(claim, evidence),
                "date": lambda: change_date(claim, evidence),
                "name": lambda: change_name(claim, evidence, pool),
                "negation": lambda: negate(claim, evidence),
                "direction": lambda: flip_direction(claim, evidence),
                "quote": lambda: alter_quote(claim, evidence) or invent_quote(claim, evidence, pool),
                "generalisation": lambda: generalise(claim, evidence),
            }
            # The kind furthest below its quota among those that apply to this claim.
            available = {}
            for kind, make in makers.items():
                text = make()
                if text and text != claim and counts[kind] < QUOTAS[kind]:
                    available[kind] = text
            if available:
                kind = min(available, key=lambda k: (counts[k] / QUOTAS[k], k))
                counts[kind] += 1
                rows.append(dict(id=f"{pid}-{kind}", topic=topic, evidence=evidence,
                                 claim=available[kind], label=LABELS[kind], error=kind,
                                 split=split))
            if c == 2 and p % 2 == 0 and NUMBER.search(claim):
                rows.append(dict(id=pid + "-uncited", topic=topic, evidence=evidence, claim=claim,
                                 label="uncited", error="uncited", split=split))
    # Claims cited against the wrong passage: a realistic mis-citation, and the case only the
    # support score (not a deterministic check) can catch when the claim has no number.
    for p in range(0, len(PASSAGES), 4):
        topic, evidence, _ = PASSAGES[p]
        other = PASSAGES[(p + 7) % len(PASSAGES)]
        claim = other[2][p % len(other[2])]
        rows.append(dict(id=f"p{p:03d}-unrelated", topic=topic, evidence=evidence, claim=claim,
                         label="unsupported", error="unrelated",
                         split="calib" if p % 3 == 0 else "test"))
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
