"""Are the per-theme cut-offs what holds the fast model back? A diagnosis, never a choice.

Two checks on the shipped fast model's theme scores (shifted so each theme's cut-off is 0.5):
- gold set: the best cut-off for each theme chosen with hindsight on gold itself, searched in
  steps of 0.05. It says how much any cut-off could add; it must never be shipped, because it
  is chosen on the data it is scored on;
- real coroners' concerns (texts read from ../shared, labels in benchmarks/): one common
  cut-off from 0.25 to 0.5, on the even and odd halves that ``real_text_dev.py`` uses.

Scores alone are cut, without classify's rule that not-shared needs a negated or prescriptive
sentence, so the 0.5 rows differ a little from the model card's.

Usage: python benchmarks/cutoff_check.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))

from real_text_dev import LABELS, TEXTS, half_scores  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HINDSIGHT_GRID = np.round(np.arange(0.2, 0.85, 0.05), 2)
COMMON_CUTS = (0.25, 0.3, 0.35, 0.4, 0.45, 0.5)


def theme_scores(texts: list[str]) -> np.ndarray:
    """The shipped fast model's score for every theme of every record."""
    from scr_miner.classify.model import load_model
    from scr_miner.classify.themes import THEME_IDS

    labels = load_model(ROOT / "models", False).label_records(texts)
    return np.array([[label.scores[t] for t in THEME_IDS] for label in labels])


def f1(gold: np.ndarray, pred: np.ndarray) -> float:
    """F1 of one theme's column (the project's own scoring, on that column alone)."""
    from scr_miner.classify.evaluate import point_scores

    return point_scores(gold[:, None].astype(int), pred[:, None].astype(int))["micro_f1"]


def hindsight_cuts(gold: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """For each theme, the grid cut-off with the best F1 on these very labels."""
    return np.array([
        HINDSIGHT_GRID[int(np.argmax([f1(gold[:, j], scores[:, j] >= c) for c in HINDSIGHT_GRID]))]
        for j in range(gold.shape[1])
    ])


def main() -> None:
    """Print both checks."""
    from scr_miner.classify.card import read_real_labels, real_texts
    from scr_miner.classify.evaluate import binarise, point_scores, read_gold
    from scr_miner.classify.themes import THEME_IDS

    records = read_gold(ROOT / "corpus/gold/passages.jsonl")
    gold = binarise([r["themes"] for r in records]).astype(bool)
    scores = theme_scores([r["text"] for r in records])
    cuts = hindsight_cuts(gold, scores)
    for name, pred in (("cut at 0.5", scores >= 0.5), ("hindsight cuts", scores >= cuts)):
        result = point_scores(gold.astype(int), pred.astype(int))
        print(f"gold, {name:16s} micro-F1 {result['micro_f1']:.3f}"
              f"  macro-F1 {result['macro_f1']:.3f}")
    for j, theme in enumerate(THEME_IDS):
        print(f"  {theme:25s} {f1(gold[:, j], scores[:, j] >= 0.5):.3f} ->"
              f" {f1(gold[:, j], scores[:, j] >= cuts[j]):.3f} at {cuts[j]:.2f}")

    labels = read_real_labels(LABELS)
    real_gold = binarise([x["themes"] for x in labels])
    real_scores = theme_scores(real_texts(labels, TEXTS))
    print("real concerns, one common cut-off: micro / macro-F1 per half")
    for cut in COMMON_CUTS:
        halves = half_scores(real_gold, (real_scores >= cut).astype(int))
        print(f"  {cut:.2f}  " + "  ".join(
            f"{half} {micro:.3f} / {macro:.3f}" for half, (micro, macro) in halves.items()))


if __name__ == "__main__":
    main()
