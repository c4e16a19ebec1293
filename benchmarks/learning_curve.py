"""How much would more annotated training reviews help? The fast model's learning curve.

The same held-out quarter of annotated training reviews as ``accurate_dev.py`` (whole reviews,
fixed seed) is scored, never the gold set. The fast model is trained with the shipped code on
every written passage plus a growing share of the other training reviews (their annotated
paragraphs and the sentences of those paragraphs, added review by review in a fixed shuffled
order). The held-out paragraphs are scored as ``accurate_dev.py`` scores the fast model: each
passage's probability mixed with its best sentence's and cut at 0.5 (``classify`` also drops
not-shared from a passage with no negated or prescriptive sentence). If the curve is flat at
the right-hand end, writing and annotating more reviews of the same kind will not move the
model much.

``--check REVIEW ...`` instead scores a new batch of training reviews before it is kept: the
fast model trained without and with the named reviews (those of them in the held-out quarter
are scored in both runs and never trained on).

Usage: python benchmarks/learning_curve.py [--shares 0.25 0.5 0.75 1] [--check REVIEW ...]
(about 6 minutes per share, or per run of a check, on 2 cores)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from accurate_dev import development_split, f1_scores  # noqa: E402

from scr_miner.classify.evaluate import review_of  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
SHARES = (0.25, 0.5, 0.75, 1.0)
ORDER_SEED = 1


def reviews_in_order(records: list[dict]) -> list[str]:
    """The training reviews that may be added, in a fixed shuffled order."""
    reviews = sorted({review_of(r) for r in records if r.get("kind") == "annotated-review"})
    np.random.RandomState(ORDER_SEED).shuffle(reviews)
    return reviews


def subset(records: list[dict], kept_reviews: set[str]) -> list[dict]:
    """Written passages, and the records of the kept reviews."""
    annotated = {review_of(r) for r in records if r.get("kind") == "annotated-review"}
    return [r for r in records if review_of(r) not in annotated or review_of(r) in kept_reviews]


def main() -> None:
    """Fit the fast model on each share of the training reviews and score the held-out ones."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shares", type=float, nargs="+", default=list(SHARES))
    parser.add_argument("--check", nargs="+", default=[], metavar="REVIEW",
                        help="train without and with these training reviews instead")
    args = parser.parse_args()

    from scr_miner.classify.model import (
        SENTENCE_MIX,
        best_sentence,
        centred,
        classifier_embedder,
        mix,
    )
    from scr_miner.classify.nlp import make_nlp
    from scr_miner.classify.train import fit_theme_model, label_matrix, training_records

    models = ROOT / "models"
    records = training_records(models)
    pool, dev = development_split(records)
    gold = label_matrix(dev).astype(bool)
    themes_path = str(models / "themes.yml")
    embedder = classifier_embedder(models)
    docs = list(make_nlp(themes_path).pipe([r["text"] for r in dev]))
    order = reviews_in_order(pool)
    if args.check:
        unknown = set(args.check) - {review_of(r) for r in records}
        if unknown:
            parser.error(f"no annotated training review named {', '.join(sorted(unknown))}")
        runs = {"without": set(order) - set(args.check), "with": set(order)}
    else:
        runs = {f"{share:.2f}": set(order[: round(share * len(order))]) for share in args.shares}
    print(f"{len(dev)} held-out paragraphs; {len(order)} training reviews to add", flush=True)
    print(f"{'run':>7s} {'reviews':>7s} {'paragraphs':>10s} {'micro-F1':>8s} {'macro-F1':>8s}"
          f" {'seconds':>7s}", flush=True)
    for run, kept in runs.items():
        started = time.perf_counter()
        train = subset(pool, kept)
        paragraphs = sum(r.get("kind") == "annotated-review" for r in train)
        model = fit_theme_model(train, embedder, themes_path)
        whole, _, per_sentence = model.passage_and_sentence_probabilities(docs)
        probs = mix(centred(whole, model.thresholds),
                    centred(best_sentence(per_sentence, whole), model.thresholds), SENTENCE_MIX)
        micro, macro = f1_scores(gold, probs >= 0.5)
        print(f"{run:>7s} {len(kept):7d} {paragraphs:10d} {micro:8.3f} {macro:8.3f}"
              f" {time.perf_counter() - started:7.0f}", flush=True)


if __name__ == "__main__":
    main()
