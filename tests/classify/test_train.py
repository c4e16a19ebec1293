"""Training data: quoted and unquoted sentences as passages, folds that keep them with their
paragraph, and thresholds chosen on what the model labels."""

import json
from pathlib import Path

import numpy as np

from scr_miner.classify.model import SENTENCE_MIX, centred, mix
from scr_miner.classify.nlp import make_nlp
from scr_miner.classify.themes import models_dir
from scr_miner.classify.train import (
    EVIDENCE_KIND,
    UNQUOTED_KIND,
    _group_folds,
    best_of_sentences,
    best_threshold,
    chosen_thresholds,
    evidence_sentences,
    paragraph_groups,
    training_records,
    unquoted_sentences,
)
from tests.conftest import load_script

ROOT = Path(__file__).resolve().parents[2]

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


def test_the_sentences_nobody_quoted_become_passages_with_no_theme() -> None:
    filler = "Child C was seen at the clinic in March and weighed on the 50th centile."
    themed = {
        "text": f"4.2 {TOLD} {filler} The school filed the letter unread, as it often did.",
        "themes": ["not-shared", "not-acted-on"],
        "kind": "annotated-review",
        "source": "scr-2015-example:004",
        # The sentencizer keeps "4.2" and the trailing clause: containment still matches.
        "evidence": [{"theme": "not-shared", "sentence": TOLD},
                     {"theme": "not-acted-on", "sentence": UNREAD[:-1]}],
    }
    plain = {"text": f"{filler} Short one.", "themes": [], "kind": "annotated-review",
             "source": "scr-2015-example:005", "evidence": []}
    lonely = {"text": filler, "themes": [], "kind": "annotated-review", "source": "x:1"}
    written = {"text": f"{TOLD} {filler}", "themes": ["not-shared"], "kind": "failure"}
    found = unquoted_sentences([themed, plain, lonely, written], make_nlp())
    assert [(s["text"], s["source"]) for s in found] == [
        (filler, themed["source"]),
        (filler, plain["source"]),  # "Short one." is too short; a lone sentence is its paragraph
    ]
    assert all(s["themes"] == [] and s["kind"] == UNQUOTED_KIND for s in found)


def test_the_unquoted_sentences_file_is_what_split_py_makes_of_the_training_paragraphs() -> None:
    """models/training/unquoted-sentences.jsonl is derived data: it must be remade (by
    corpus/gold/split.py) whenever the annotated paragraphs change."""
    training = models_dir() / "training"
    paragraphs = [json.loads(line) for line in
                  (training / "corpus-annotated.jsonl").read_text(encoding="utf-8").splitlines()]
    saved = [json.loads(line) for line in
             (training / "unquoted-sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    derived = {(s["text"], s["source"]) for s in unquoted_sentences(paragraphs, make_nlp())}
    assert {(s["text"], s["source"]) for s in saved} <= derived
    assert len(saved) > 0.99 * len(derived)  # only the gold near-duplicates are dropped
    assert all(s["themes"] == [] and s["kind"] == UNQUOTED_KIND for s in saved)


def test_the_shipped_transformer_trained_on_the_fast_models_passages() -> None:
    """The accurate mode's transformer saw the same passages as the fast model, unquoted
    sentences included: the manifest-checked model.json records each one's data hash."""
    info = json.loads((models_dir() / "model.json").read_text())
    records = training_records(models_dir())
    assert UNQUOTED_KIND in {r.get("kind") for r in records}
    assert info["transformer"]["training_data_sha256"] == info["training_data_sha256"]
    assert info["training_passages"] == len(records)


def test_a_paragraph_and_its_sentences_always_share_a_fold() -> None:
    records = [{"source": f"review:{i // 3}"} for i in range(30)] + [{"text": "written"}] * 7
    groups = paragraph_groups(records)
    tested = np.zeros(len(records), dtype=int)
    for train_idx, test_idx in _group_folds(groups, folds=5):
        assert not set(groups[train_idx]) & set(groups[test_idx])
        tested[test_idx] += 1
    assert (tested == 1).all()


def test_a_record_s_best_sentence_is_the_highest_of_its_own_sentences() -> None:
    whole = np.array([[0.9, 0.1], [0.2, 0.3], [0.6, 0.6]])
    per_sentence = np.array([[0.1, 0.2], [0.3, 0.05], [0.7, 0.4]])
    best = best_of_sentences(whole, per_sentence, owners=np.array([0, 0, 2]))
    # Record 0 takes its sentences' maxima even below its own score; record 1 has no sentences.
    assert np.allclose(best, [[0.3, 0.2], [0.2, 0.3], [0.7, 0.4]])


def test_the_threshold_is_chosen_on_the_mix_with_the_best_sentence() -> None:
    y = np.array([1, 1, 0, 0])
    whole = np.array([0.8, 0.3, 0.4, 0.2])
    # On passage scores alone the second passage (0.3) sits below a negative (0.4): no cut-off
    # is right for all four. Its best sentence states the theme (0.95), and the mix is.
    alone = best_threshold(y, whole, whole)
    assert ((whole >= alone) != y).any()
    best = np.array([0.8, 0.95, 0.4, 0.2])
    cut = np.full(1, best_threshold(y, whole, best))
    assert ((mix(centred(whole, cut), centred(best, cut), SENTENCE_MIX) >= 0.5) == y).all()


def test_cut_offs_are_chosen_on_the_rows_asked_for_only() -> None:
    # Two positives scored low (say, written passages) drag the cut-off down when they vote.
    y = np.array([[1], [1], [0], [0], [1], [1]])
    oof = np.array([[0.8], [0.6], [0.4], [0.2], [0.35], [0.3]])
    everyone = chosen_thresholds(y, oof, oof, np.ones(6, dtype=bool))
    first_four = chosen_thresholds(y, oof, oof, np.array([True] * 4 + [False] * 2))
    assert everyone[0] <= 0.3
    assert 0.4 < first_four[0] <= 0.6  # separates the four rows that voted


def test_threshold_check_puts_a_whole_review_in_one_fold() -> None:
    module = load_script(ROOT / "benchmarks" / "threshold_check.py")
    records = [{"source": f"review-{i % 3}:p{i}"} for i in range(12)] + [{"text": "written"}] * 4
    groups = module.review_groups(records)
    assert len(set(groups[:12])) == 3  # paragraphs of a review share its group
    assert len(set(groups[12:])) == 4  # passages written alone keep their own
    for train_idx, test_idx in _group_folds(groups, folds=3):
        assert not set(groups[train_idx]) & set(groups[test_idx])
