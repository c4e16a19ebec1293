"""Would a paragraph's context help the fast model? A diagnosis on held-out training reviews.

Reviews state a finding over a run of paragraphs under a heading ("Findings", "Methodology"),
so a paragraph's neighbours and section might say what its own words miss. This measures it
without touching the gold set:

1. the fast model is trained with the shipped code on everything but the held-out quarter of
   training reviews that ``accurate_dev.py`` uses, and scores that quarter; the rest of the
   annotated training paragraphs are scored out of fold (their reviews in two halves, each
   scored by a model trained without it), so a second stage can learn from honest scores;
2. a second stage, one logistic regression per theme, reads each paragraph's own theme logits
   (the passage and best-sentence mix that classify cuts at 0.5) plus, by variant, the previous
   and next paragraph's logits and two flags for the kind of section it sits in; its cut-off
   per theme is chosen on the out-of-fold paragraphs;
3. micro / macro-F1 on the held-out paragraphs, against the fast model cut at 0.5.

"own logits" alone says whether the second stage gains from the themes' co-occurrence; the
other rows add the context on top of that.

Usage: python benchmarks/context_check.py   (about 20 minutes on 2 cores: three fits)
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(ROOT / "corpus" / "gold"))

from accurate_dev import f1_scores, held_out_reviews  # noqa: E402
from split import labelled_files  # noqa: E402

from scr_miner.classify.evaluate import review_of  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
HALVES_SEED = 5
# Section headings under which annotators mostly do, or mostly do not, find a theme
# (findings, recommendations, episodes; introduction, methodology, terms of reference).
THEMED_SECTION = re.compile(
    r"recommend|finding|learning|lesson|concern|conclusion|analysis|practice|episode|period"
    r"|went well|issue"
)
UNTHEMED_SECTION = re.compile(
    r"introduc|method|scope|terms of ref|background|publication|process|glossary|appendix"
    r"|family|response|preface|reviewer|panel"
)


def fast_scores(records: list[dict], train_mask: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The fast model trained on the masked records: its labelling score for the target rows
    (each theme centred on its own threshold, passage mixed with its best sentence)."""
    from scr_miner.classify.model import (
        SENTENCE_MIX,
        best_sentence,
        centred,
        classifier_embedder,
        mix,
    )
    from scr_miner.classify.nlp import make_nlp
    from scr_miner.classify.train import fit_theme_model

    models = ROOT / "models"
    themes_path = str(models / "themes.yml")
    embedder = classifier_embedder(models)
    trained = [r for r, m in zip(records, train_mask, strict=True) if m]
    model = fit_theme_model(trained, embedder, themes_path)
    docs = list(make_nlp(themes_path).pipe([records[i]["text"] for i in target]))
    whole, _, per_sentence = model.passage_and_sentence_probabilities(docs)
    best = best_sentence(per_sentence, whole)
    return mix(centred(whole, model.thresholds), centred(best, model.thresholds), SENTENCE_MIX)


def honest_scores(records: list[dict], paragraphs: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Scores of every annotated paragraph by a model that never trained on its review."""
    reviews = np.array([review_of(r) for r in records])
    pool = sorted(set(reviews[paragraphs & ~held]))
    np.random.RandomState(HALVES_SEED).shuffle(pool)
    scores = np.zeros((len(records), 0))
    for half in (pool[0::2], pool[1::2], None):
        if half is None:  # the held-out quarter, by a model trained on all the rest
            target, train_mask = paragraphs & held, ~held
        else:
            in_half = np.isin(reviews, half)
            target, train_mask = paragraphs & in_half, ~held & ~in_half
        rows = np.flatnonzero(target)
        found = fast_scores(records, train_mask, rows)
        if not scores.shape[1]:
            scores = np.zeros((len(records), found.shape[1]))
        scores[rows] = found
        print(f"scored {len(rows)} paragraphs", file=sys.stderr, flush=True)
    return scores


def sections_by_source() -> dict[str, str]:
    """The section heading of every annotated paragraph, by its id."""
    from scr_miner.classify.evaluate import read_gold

    return {
        record["id"]: (record.get("section") or "").lower()
        for path in labelled_files()
        for record in read_gold(path)
    }


def consecutive_paragraphs(records: list[dict], paragraphs: np.ndarray) -> list[tuple[int, int]]:
    """Each paragraph and the next one of the same review, as record indices (ids number a
    review's paragraphs in order, whatever order the records come in)."""
    rows = sorted(np.flatnonzero(paragraphs), key=lambda i: records[i]["source"])
    return [(a, b) for a, b in zip(rows, rows[1:], strict=False)
            if review_of(records[a]) == review_of(records[b])]


def context_features(records: list[dict], paragraphs: np.ndarray, logits: np.ndarray) -> dict:
    """Per record: the previous and next paragraph's logits in the same review (zero, with a
    flag, at either end) and the two section flags."""
    previous, following = np.zeros_like(logits), np.zeros_like(logits)
    ends = np.zeros((len(records), 2))
    for a, b in consecutive_paragraphs(records, paragraphs):
        previous[b], following[a] = logits[a], logits[b]
        ends[b, 0] = ends[a, 1] = 1
    headings = sections_by_source()
    section = np.zeros((len(records), 2))
    for i in np.flatnonzero(paragraphs):
        heading = headings.get(records[i]["source"], "")
        section[i] = [bool(THEMED_SECTION.search(heading)), bool(UNTHEMED_SECTION.search(heading))]
    return {"neighbours": np.hstack([previous, following, ends]), "section": section}


def neighbour_lift(records: list[dict], paragraphs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per theme, how many times likelier a paragraph is to have it when the paragraph before
    it in the same review has it: does context carry anything at all?"""
    pairs = np.array(consecutive_paragraphs(records, paragraphs))
    before, after = y[pairs[:, 0]].astype(bool), y[pairs[:, 1]].astype(bool)
    given = (before & after).sum(axis=0) / np.maximum(1, before.sum(axis=0))
    return given / np.maximum(1e-9, after.mean(axis=0))


def best_cut(y: np.ndarray, p: np.ndarray) -> float:
    """The cut-off with the best F1 on these (out-of-fold) rows."""
    cuts = np.arange(0.1, 0.9, 0.025)
    f1s = [2 * (y & (p >= c)).sum() / max(1, (p >= c).sum() + y.sum()) for c in cuts]
    return float(cuts[int(np.argmax(f1s))])


def second_stage(x: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Per theme, a logistic regression fitted on the ``fit`` rows; predictions for ``score``."""
    from sklearn.linear_model import LogisticRegression

    pred = np.zeros((len(score), y.shape[1]), dtype=bool)
    for j in range(y.shape[1]):
        model = LogisticRegression(C=1.0, max_iter=2000).fit(x[fit], y[fit, j])
        cut = best_cut(y[fit, j].astype(bool), model.predict_proba(x[fit])[:, 1])
        pred[:, j] = model.predict_proba(x[score])[:, 1] >= cut
    return pred


def main() -> None:
    """Score the fast model and each second stage on the held-out paragraphs."""
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    from scr_miner.classify.train import label_matrix, training_records

    records = training_records(ROOT / "models")
    held = held_out_reviews(records)
    paragraphs = np.array([r.get("kind") == "annotated-review" for r in records])
    scores = honest_scores(records, paragraphs, held)
    clipped = np.clip(scores, 1e-4, 1 - 1e-4)
    logits = np.log(clipped / (1 - clipped))
    context = context_features(records, paragraphs, logits)
    y = label_matrix(records)
    fit, dev = np.flatnonzero(paragraphs & ~held), np.flatnonzero(paragraphs & held)
    gold = y[dev].astype(bool)
    variants = {
        "own logits": [logits],
        "+ neighbours": [logits, context["neighbours"]],
        "+ section": [logits, context["section"]],
        "+ both": [logits, context["neighbours"], context["section"]],
    }
    lift = neighbour_lift(records, paragraphs, y)
    print(f"a theme is {lift.min():.1f}-{lift.max():.1f} times likelier after a paragraph with it")
    print(f"{len(dev)} held-out paragraphs, second stage fitted on {len(fit)}")
    print(f"{'':16s} {'micro-F1':>8s} {'macro-F1':>8s}")
    print("{:16s} {:8.3f} {:8.3f}".format("fast model", *f1_scores(gold, scores[dev] >= 0.5)))
    for name, parts in variants.items():
        pred = second_stage(np.hstack(parts), y, fit, dev)
        print("{:16s} {:8.3f} {:8.3f}".format(name, *f1_scores(gold, pred)))


if __name__ == "__main__":
    main()
