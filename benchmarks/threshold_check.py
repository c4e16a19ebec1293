"""Where should the fast model's cut-offs be chosen? A diagnosis on held-out training reviews.

The shipped cut-offs are chosen on 5-fold out-of-fold predictions of every training passage,
written ones included, with a paragraph and its quoted sentences in one fold. Two doubts:

- written passages mix the themes differently from review paragraphs (misunderstood: 5% of
  written passages, 13% of annotated training-review paragraphs), so cut-offs chosen on both
  could suit neither: choose them on annotated review paragraphs alone;
- other paragraphs of the same review sit in the training folds, which flatters the
  out-of-fold scores: put whole reviews in a fold.

The fast model is trained with the shipped code on everything but the held-out quarter of
training reviews that ``accurate_dev.py`` uses; each way of choosing the cut-offs is applied to
the same weights and scored on that quarter (micro / macro-F1, classify's passage and
best-sentence mix cut at 0.5). The gold set is never read.

Usage: python benchmarks/threshold_check.py   (about 20 minutes on 2 cores: two sets of folds)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from accurate_dev import development_split, f1_scores  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def review_groups(records: list[dict]) -> np.ndarray:
    """A fold group per record: its review for annotated paragraphs and their sentences, its
    own paragraph group (shipped) for passages written alone."""
    from scr_miner.classify.evaluate import review_of
    from scr_miner.classify.train import paragraph_groups

    return np.array([review_of(r) or own for r, own in
                     zip(records, paragraph_groups(records), strict=True)])


def main() -> None:
    """Print micro / macro-F1 on the held-out paragraphs for each way of choosing cut-offs."""
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    from scr_miner.classify.model import (
        SENTENCE_MIX,
        best_sentence,
        centred,
        classifier_embedder,
        mix,
    )
    from scr_miner.classify.nlp import make_nlp
    from scr_miner.classify.train import (
        chosen_thresholds,
        fitted_model,
        label_matrix,
        out_of_fold_mix,
        paragraph_groups,
        training_matrices,
        training_records,
    )

    models = ROOT / "models"
    themes_path = str(models / "themes.yml")
    records = training_records(models)
    train, dev = development_split(records)
    print(f"{len(train)} training passages; {len(dev)} held-out paragraphs", flush=True)
    nlp = make_nlp(themes_path)
    embedder = classifier_embedder(models)
    m = training_matrices(train, embedder, nlp)
    annotated = np.array([r.get("kind") == "annotated-review" for r in train])
    model = fitted_model(m, np.full(m.y.shape[1], 0.5), embedder, themes_path)
    whole, _, per_sentence = model.passage_and_sentence_probabilities(
        list(nlp.pipe([r["text"] for r in dev]))
    )
    best_dev = best_sentence(per_sentence, whole)
    gold = label_matrix(dev).astype(bool)
    print(f"{'folds':22s} {'cut-offs chosen on':28s} {'micro-F1':>8s} {'macro-F1':>8s}")
    folds = {"paragraph (shipped)": paragraph_groups(train), "whole review": review_groups(train)}
    for fold_name, groups in folds.items():
        oof, best = out_of_fold_mix(m, groups)
        for rows_name, rows in {"every passage (shipped)": m.passages,
                                "review paragraphs only": annotated}.items():
            cut = chosen_thresholds(m.y, oof, best, rows)
            pred = mix(centred(whole, cut), centred(best_dev, cut), SENTENCE_MIX) >= 0.5
            micro, macro = f1_scores(gold, pred)
            print(f"{fold_name:22s} {rows_name:28s} {micro:8.3f} {macro:8.3f}", flush=True)


if __name__ == "__main__":
    main()
