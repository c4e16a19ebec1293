"""Split the annotated corpus by review: half the reviews are the gold set, never trained on; the
other half's annotated paragraphs become in-domain training data.

Usage: python corpus/gold/split.py   (reads corpus/gold/labelled/*.jsonl and
models/training/reviews-labelled/*.jsonl, the annotated paragraphs of training-only reviews)
Writes corpus/gold/passages.jsonl (gold), models/training/corpus-annotated.jsonl (training) and
models/training/unquoted-sentences.jsonl (the training paragraphs' sentences no annotator quoted,
passages with no theme). The split is by whole review, fixed below, stratified by review type
and by writer.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLD_REVIEWS = (
    "scr-2011-harrowfield-child-j",
    "scr-2015-wendlow-young-person-k",
    "scr-2017-averingham-baby-e",
    "cspr-2019-morrowby-child-s",
    "cspr-2021-kestonbridge-child-m",
    "cspr-2025-sallowmere-ellie",
    "scr-2011-harlowmere-child-l",
    "scr-2016-fenholt-child-j",
    "cspr-2022-wexcombe-child-p",
    "sar-2017-kelderby-mr-h",
    "sar-2024-callowfield-jay",
    "dhr-2019-harbridge-chloe",
    "dhr-2016-ketterstone-mrs-jean-pollard",
    "pfd-2019-northmoor-kai-ellison",
    "pfd-2023-greywater-isla-mae-corrigan",
)


NEAR_DUPLICATE = 0.9  # embedding cosine at which a training passage counts as a gold duplicate


def without_near_duplicates(training: list[dict], gold: list[dict]) -> list[dict]:
    """Drop training passages that repeat a gold passage (boilerplate such as a coroner's
    statement of legal powers recurs word for word across reports)."""
    from scr_miner.classify.embed import contextual_embedder

    embedder = contextual_embedder()
    gold_vectors = embedder.embed([g["text"] for g in gold], batch_size=64)
    vectors = embedder.embed([t["text"] for t in training], batch_size=64)
    closest = (vectors @ gold_vectors.T).max(axis=1)
    return [t for t, c in zip(training, closest, strict=True) if c < NEAR_DUPLICATE]


def labelled_files() -> list[Path]:
    """Annotated sample-corpus reviews, then the training-only reviews (never rendered to PDF:
    models/training/reviews-src/*.md), labelled the same way by other annotators."""
    return sorted((ROOT / "corpus/gold/labelled").glob("*.jsonl")) + sorted(
        (ROOT / "models/training/reviews-labelled").glob("*.jsonl")
    )


def main() -> None:
    """Write the gold file and the corpus-derived training file."""
    gold, training = [], []
    for path in labelled_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record["review_id"] in GOLD_REVIEWS:
                gold.append(record)
            else:
                training.append(
                    {
                        "text": record["text"],
                        "themes": record["themes"],
                        "pairs": record["pairs"],
                        "evidence": record.get("evidence", []),
                        "kind": "annotated-review",
                        "source": record["id"],
                    }
                )
    before = len(training)
    training = without_near_duplicates(training, gold)
    print(f"dropped {before - len(training)} training passages that near-duplicate gold ones")
    _write_jsonl(ROOT / "corpus/gold/passages.jsonl", gold)
    _write_jsonl(ROOT / "models/training/corpus-annotated.jsonl", training)
    print(f"gold: {len(gold)} passages; training from other reviews: {len(training)}")
    write_unquoted_sentences(training, gold)


def write_unquoted_sentences(training: list[dict], gold: list[dict]) -> None:
    """Write the unquoted sentences of the training paragraphs, through the same near-duplicate
    filter: a sentence of statutory wording can repeat a whole gold paragraph."""
    from scr_miner.classify.nlp import make_nlp
    from scr_miner.classify.train import unquoted_sentences

    sentences = unquoted_sentences(training, make_nlp(str(ROOT / "models/themes.yml")))
    kept = without_near_duplicates(sentences, gold)
    _write_jsonl(ROOT / "models/training/unquoted-sentences.jsonl", kept)
    print(f"unquoted sentences: {len(kept)} ({len(sentences) - len(kept)} near-duplicates dropped)")


def _write_jsonl(path: Path, records: list[dict]) -> None:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
