"""Choose the accurate mode's blend weight on held-out training reviews, never on the gold set.

A quarter of the annotated training reviews (whole reviews, chosen by a fixed seed) is held out
as a development set; the fast model and the transformer are trained on everything else with
the shipped code and settings, and the development paragraphs are scored for each model alone
and for the blend at several weights, with several shares of the best sentence's score mixed
into each model's. ``SENTENCE_MIX`` in scr_miner/classify/model.py is the fast model's best
share, and ``BLEND_WEIGHT`` and ``SENTENCE_SHARE`` in scr_miner/classify/transformer.py are the
pair this prints as best for the blend.

The transformer is trained on the shipped training passages (the fast model's, unquoted
sentences included); ``--transformer-data quoted`` trains it without the unquoted sentences, and
``both`` trains one of each on the same split and prints both, so the choice is measured side by
side.
``--save FILE.npz`` keeps every probability array for later analysis.

``--fast-c`` and ``--in-domain-weight`` measure other settings of the fast model (with
``--transformer-data none`` only the fast model is trained: about 8 minutes); ``--epochs``
trains the transformer for that many epochs instead of ``EPOCHS``.

Usage: python benchmarks/accurate_dev.py [--transformer-data shipped|quoted|both|none]
       [--fast-c C] [--in-domain-weight W] [--epochs N] [--save F.npz]
(over an hour on 2 cores per transformer with today's 33,267 training passages)
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
WEIGHTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
SHARES = (0.0, 0.25, 0.5, 0.75)
FAST_SHARES = (0.0, 0.25, 0.5, 0.75)
SPLIT_SEED = 0
VARIANTS = {"shipped": ("shipped",), "quoted": ("quoted",), "both": ("shipped", "quoted"),
            "none": ()}


def held_out_reviews(records: list[dict]) -> np.ndarray:
    """True for every record of the held-out quarter of annotated training reviews: their
    paragraphs and the sentences of those paragraphs, quoted as evidence or not."""
    from scr_miner.classify.evaluate import review_of

    review = np.array([review_of(r) for r in records])
    reviews = sorted({v for v, r in zip(review, records, strict=True)
                      if r.get("kind") == "annotated-review"})
    np.random.RandomState(SPLIT_SEED).shuffle(reviews)
    return np.isin(review, reviews[0::4])


def development_mask(records: list[dict]) -> np.ndarray:
    """True for the paragraphs scored: the held-out reviews' annotated paragraphs."""
    paragraphs = np.array([r.get("kind") == "annotated-review" for r in records])
    return held_out_reviews(records) & paragraphs


def development_split(records: list[dict]) -> tuple[list[dict], list[dict]]:
    """The records trained on (all but the held-out reviews) and the paragraphs scored."""
    held_out, scored = held_out_reviews(records), development_mask(records)
    train = [r for r, h in zip(records, held_out, strict=True) if not h]
    return train, [r for r, d in zip(records, scored, strict=True) if d]


def f1_scores(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Micro and macro F1."""
    from scr_miner.classify.evaluate import point_scores

    scores = point_scores(gold, pred)
    return scores["micro_f1"], scores["macro_f1"]


def main() -> None:
    """Train on the training reviews minus the held-out quarter, then score the quarter."""
    args = parse_args()
    from scr_miner.classify import train as training

    # Module settings, read at fit time: overriding them here measures a variant without
    # editing the shipped code.
    training.C = args.fast_c or training.C
    training.IN_DOMAIN_WEIGHT = args.in_domain_weight or training.IN_DOMAIN_WEIGHT
    from scr_miner.classify.model import (
        SENTENCE_MIX,
        best_sentence,
        centred,
        classifier_embedder,
        mix,
    )
    from scr_miner.classify.nlp import make_nlp, sentence_texts
    from scr_miner.classify.train import (
        UNQUOTED_KIND,
        fit_theme_model,
        label_matrix,
        training_records,
    )

    models = ROOT / "models"
    records = training_records(models)
    train, dev = development_split(records)
    print(f"{len(train)} training passages; {len(dev)} held-out paragraphs", flush=True)
    gold = label_matrix(dev).astype(bool)
    themes_path = str(models / "themes.yml")
    embedder = classifier_embedder(models)
    fast = fit_theme_model(train, embedder, themes_path)
    docs = list(make_nlp(themes_path).pipe([r["text"] for r in dev]))
    fast_whole, _, per_sentence = fast.passage_and_sentence_probabilities(docs)
    fast_best = best_sentence(per_sentence, fast_whole)
    centred_whole = centred(fast_whole, fast.thresholds)
    fast_probs = {share: mix(centred_whole, centred(fast_best, fast.thresholds), share)
                  for share in FAST_SHARES}
    sentences = [sentence_texts(d) for d in docs]
    rows = [(f"fast model, sentence share {share}", fast_probs[share] >= 0.5)
            for share in FAST_SHARES]
    arrays = {"gold": gold, "fast_whole": fast_whole, "fast_best": fast_best,
              "thresholds": fast.thresholds}
    for variant in VARIANTS[args.transformer_data]:
        tuned = train if variant == "shipped" else [
            r for r in train if r.get("kind") != UNQUOTED_KIND]
        whole, best = tuned_transformer(tuned, [r["text"] for r in dev], sentences, args.epochs)
        arrays |= {f"{variant}_whole": whole, f"{variant}_best": best}
        for share in SHARES:
            accurate = mix(whole, best, share)
            rows += [(f"{variant}: transformer, sentence share {share}", accurate >= 0.5)]
            rows += [(f"{variant}: blend {w}, sentence share {share}",
                      mix(fast_probs[SENTENCE_MIX], accurate, w) >= 0.5) for w in WEIGHTS]
    if args.save:
        np.savez_compressed(args.save, **arrays)
    print(f"{'held-out paragraphs':48s} {'micro-F1':>8s} {'macro-F1':>8s}")
    for label, pred in rows:
        micro, macro = f1_scores(gold, pred)
        print(f"{label:48s} {micro:8.3f} {macro:8.3f}")


def tuned_transformer(
    records: list[dict], texts: list[str], sentences: list[list[str]], epochs: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Fine-tune the transformer on ``records`` with the shipped settings (or ``epochs``
    epochs); return its probabilities for ``texts`` and for each text's best sentence."""
    from scr_miner.classify.train import label_matrix, sample_weights
    from scr_miner.classify.transformer import EPOCHS, load_transformer, train_transformer

    with tempfile.TemporaryDirectory() as scratch:
        train_transformer(Path(scratch), [r["text"] for r in records], label_matrix(records),
                          sample_weights(records), lambda message: print(message, flush=True),
                          epochs or EPOCHS)
        transformer = load_transformer(Path(scratch))
        whole = transformer.probabilities(texts)
        return whole, transformer.best_sentence_probabilities(sentences, whole)


def parse_args() -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--transformer-data", choices=sorted(VARIANTS), default="shipped",
                        help="train the transformer with the unquoted sentences (shipped), "
                             "without them (quoted), one of each (both), or not at all (none)")
    parser.add_argument("--fast-c", type=float,
                        help="the fast model's regularisation C instead of train.C")
    parser.add_argument("--in-domain-weight", type=float,
                        help="annotated review paragraphs' weight instead of IN_DOMAIN_WEIGHT")
    parser.add_argument("--epochs", type=int,
                        help="the transformer's training epochs instead of transformer.EPOCHS")
    parser.add_argument("--save", type=Path, help="write every probability array to this .npz")
    return parser.parse_args()


if __name__ == "__main__":
    main()
