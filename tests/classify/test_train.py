"""Training data: evidence sentences as passages, and folds that keep them with their paragraph."""

import numpy as np

from scr_miner.classify.themes import models_dir
from scr_miner.classify.train import (
    EVIDENCE_KIND,
    _group_folds,
    evidence_sentences,
    paragraph_groups,
    training_records,
)

TOLD = "The police did not tell the school."
UNREAD = "The school filed the letter unread."


def test_each_quoted_sentence_becomes_a_passage_with_the_themes_it_was_quoted_for() -> None:
    paragraph = {
        "text": f"{TOLD} {UNREAD}",
        "themes": ["not-acted-on", "not-shared", "not-recorded"],
        "source": "scr-2015-example:004",
        "evidence": [
            {"theme": "not-shared", "sentence": TOLD},
            {"theme": "not-acted-on", "sentence": UNREAD},
            {"theme": "not-recorded", "sentence": UNREAD},
        ],
    }
    sentences = {s["text"]: s for s in evidence_sentences([paragraph, {"text": "x", "themes": []}])}
    assert set(sentences) == {TOLD, UNREAD}
    assert sentences[TOLD]["themes"] == ["not-shared"]
    assert sentences[UNREAD]["themes"] == ["not-acted-on", "not-recorded"]  # taxonomy order
    assert all(
        s["kind"] == EVIDENCE_KIND and s["source"] == paragraph["source"]
        for s in sentences.values()
    )


def test_training_records_hold_quoted_sentences_once_and_never_twice_a_text() -> None:
    records = training_records(models_dir())
    texts = [r["text"].strip() for r in records]
    assert len(texts) == len(set(texts))
    quoted = [r for r in records if r.get("kind") == EVIDENCE_KIND]
    assert len(quoted) > 1000
    assert all(r["themes"] and r["source"] for r in quoted)


def test_a_paragraph_and_its_sentences_always_share_a_fold() -> None:
    records = [{"source": f"review:{i // 3}"} for i in range(30)] + [{"text": "written"}] * 7
    groups = paragraph_groups(records)
    tested = np.zeros(len(records), dtype=int)
    for train_idx, test_idx in _group_folds(groups, folds=5):
        assert not set(groups[train_idx]) & set(groups[test_idx])
        tested[test_idx] += 1
    assert (tested == 1).all()
