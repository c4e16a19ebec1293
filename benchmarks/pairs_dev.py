"""Choose the pair model's settings by cross-validation over the training reviews, never gold.

Folds are whole reviews (as ``scr-miner train`` makes them). For each regularisation strength it
prints precision, recall and F1 over (from, to, theme) at the best cut-off, and F1 ignoring
the theme, beside a word-order baseline: in every sentence with a telling verb, the agency
named first sends to each agency named after it, for each of the paragraph's pair themes.
Candidates come from the annotators' own themes, so this measures the pair model alone.

Usage: python benchmarks/pairs_dev.py [C ...]   (about 10 seconds per value)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def order_baseline(records: list[dict], nlp) -> list[set]:  # noqa: ANN001
    """First-named agency to each later one, per sentence with a telling verb."""
    from scr_miner.classify.pairs import PAIR_THEMES, TELL_LEMMAS

    found = []
    for record, doc in zip(records, nlp.pipe(r["text"] for r in records), strict=True):
        pairs = set()
        themes = [t for t in record["themes"] if t in PAIR_THEMES]
        for sent in doc.sents:
            if not any(t.lemma_.lower() in TELL_LEMMAS for t in sent):
                continue
            named = [s.label_ for s in doc.spans["agencies"] if sent.start <= s.start < sent.end]
            pairs |= {(named[0], b, t) for b in named[1:] if b != named[0] for t in themes}
        found.append(pairs)
    return found


def main() -> None:
    """Print the cross-validated figures for each C and for the baseline."""
    from scr_miner.classify import pairs as pair_module
    from scr_miner.classify.evaluate import pair_scores
    from scr_miner.classify.nlp import make_nlp
    from scr_miner.classify.pairs import PAIRED_KIND, fit_pair_model
    from scr_miner.classify.train import training_records

    records = training_records(ROOT / "models")
    nlp = make_nlp(str(ROOT / "models" / "themes.yml"))
    paragraphs = [r for r in records if r.get("kind") == PAIRED_KIND]
    gold = [{(p["from"], p["to"], p["theme"]) for p in r.get("pairs", [])} for r in paragraphs]
    rows = [("word-order baseline", pair_scores(gold, order_baseline(paragraphs, nlp)))]
    for c in [float(v) for v in sys.argv[1:]] or [0.1, 0.3, 1.0]:
        pair_module.PAIR_C = c  # read at fit time: measures a value without editing the code
        _, figures = fit_pair_model(records, nlp)
        rows.append((f"pair model, C {c:g}, cut-off {figures['cut_off']}", figures))
    print(f"{len(paragraphs)} annotated paragraphs, {sum(map(len, gold))} pairs, 5 folds by review")
    print(f"{'':42s} {'P':>6s} {'R':>6s} {'F1':>6s} {'F1 (from, to)':>14s}")
    for name, s in rows:
        print(
            f"{name:42s} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}"
            f" {s['f1_ignoring_theme']:14.3f}"
        )


if __name__ == "__main__":
    main()
