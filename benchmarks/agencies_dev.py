"""Score the agency gazetteer on the annotated reviews that are not gold.

Annotators listed the agencies each paragraph names (``corpus/gold/agency_guide.md``) for the
fifteen gold reviews and for 24 reviews that train the models (twelve sample-corpus reviews and
twelve written for training, chosen for their adult mental health and voluntary services: 1,429
paragraphs). Changes to the gazetteer (``models/themes.yml``, ``scr_miner/classify/nlp.py``) are
chosen on the second set, here; the gold set is scored only by ``scr-miner evaluate`` and the
model card.

With ``--real-text dev`` it scores the real coroners' records labelled by id in
``benchmarks/real_text_agencies.jsonl`` instead (texts read from ../shared, each record as the
union over its passages, as ``classify`` gives it): ``dev`` is the even positions, on which
changes for real language may be chosen, ``test`` the odd ones, only ever reported beside them.

Prints precision, recall and F1 over (paragraph, agency), a row per agency that the development
paragraphs name (a find of any other still counts against precision overall), and with --show N
the paragraphs behind N misses and N false finds of one agency, to read.

Usage: python benchmarks/agencies_dev.py [--real-text dev|test] [--show N --agency ID]
(a few seconds)
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def development_records() -> list[dict]:
    """Labelled paragraphs with agencies from reviews outside the gold set (sample-corpus and
    training-only reviews)."""
    import sys

    sys.path.insert(0, str(ROOT / "corpus" / "gold"))
    from evidence import read_lines
    from split import GOLD_REVIEWS, labelled_files

    records = []
    for path in labelled_files():
        if path.stem not in GOLD_REVIEWS:
            records += [r for r in read_lines(path) if "agencies" in r]
    return records


def real_text_records(half: str) -> list[dict]:
    """Real records labelled with agencies, with their text: the even (``dev``) or odd
    (``test``) positions of ``benchmarks/real_text_agencies.jsonl``."""
    from scr_miner.classify.card import read_real_labels, real_texts

    labels = read_real_labels(ROOT / "benchmarks" / "real_text_agencies.jsonl")
    texts = real_texts(labels, ROOT.parent / "shared" / "real-text")
    records = [{**label, "text": text} for label, text in zip(labels, texts, strict=True)]
    return records[0::2] if half == "dev" else records[1::2]


def show(records: list[dict], found: list[list[str]], agency: str, count: int) -> None:
    """Print up to ``count`` paragraphs where ``agency`` was missed, and where it was added."""
    missed = [
        r
        for r, f in zip(records, found, strict=True)
        if agency in r["agencies"] and agency not in f
    ]
    added = [
        r
        for r, f in zip(records, found, strict=True)
        if agency in f and agency not in r["agencies"]
    ]
    for name, rows in (("missed", missed), ("added", added)):
        print(f"\n{name} {agency}: {len(rows)}")
        for r in rows[:count]:
            print(f"- {r['id']}: {r['text'][:400]}")


def main() -> None:
    """Print the gazetteer's scores on the development reviews."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=0, help="paragraphs to print per kind")
    from scr_miner.classify.themes import AGENCY_IDS

    parser.add_argument(
        "--agency", default="gp", choices=AGENCY_IDS, help="the agency whose paragraphs to print"
    )
    parser.add_argument(
        "--real-text",
        choices=("dev", "test"),
        help="score a half of the labelled real coroners' records instead",
    )
    args = parser.parse_args()

    from scr_miner.classify.agencies import agencies_of_text
    from scr_miner.classify.evaluate import agency_agreement
    from scr_miner.classify.nlp import make_nlp

    records = real_text_records(args.real_text) if args.real_text else development_records()
    nlp = make_nlp(str(ROOT / "models" / "themes.yml"))
    found = [agencies_of_text(nlp, r["text"]) for r in records]
    result = agency_agreement(records, found)
    if result is None:
        raise SystemExit("no development paragraph carries agencies: run corpus/gold/agencies.py")
    unit = "records" if args.real_text else "paragraphs"
    print(
        f"{result['passages']} {unit}: precision {result['precision']:.3f}, recall"
        f" {result['recall']:.3f}, micro-F1 {result['micro_f1']:.3f}, macro-F1"
        f" {result['macro_f1']:.3f}"
    )
    print(f"{'agency':24s} {'support':>7s} {'P':>6s} {'R':>6s} {'F1':>6s}")
    for agency, s in result["per_agency"].items():
        if not s["support"]:
            continue  # no development paragraph names it: nothing to score
        print(
            f"{agency:24s} {s['support']:7d} {s['precision']:6.3f} {s['recall']:6.3f}"
            f" {s['f1']:6.3f}"
        )
    if args.show:
        show(records, found, args.agency, args.show)


if __name__ == "__main__":
    main()
