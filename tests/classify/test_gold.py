"""The gold set: valid against the taxonomy, big enough, and never trained on."""

import json
from pathlib import Path

import numpy as np
import pytest

from scr_miner.classify.evaluate import read_gold, review_of
from scr_miner.classify.themes import THEME_IDS, models_dir
from scr_miner.classify.train import training_records
from tests.conftest import load_script

ROOT = Path(__file__).resolve().parents[2]
GOLD = ROOT / "corpus" / "gold" / "passages.jsonl"


@pytest.fixture(scope="module")
def gold() -> list[dict]:
    return read_gold(GOLD)


def test_gold_validates_and_is_big_enough(gold: list[dict]) -> None:
    assert len(gold) >= 600
    assert len({g["id"] for g in gold}) == len(gold)
    seen = {t for g in gold for t in g["themes"]}
    assert seen == set(THEME_IDS), "every theme must appear in the gold set"
    for record in gold:
        for pair in record["pairs"]:
            assert pair["theme"] in record["themes"]


def test_gold_passages_come_from_the_sample_corpus(gold: list[dict]) -> None:
    sources = {p.stem: p.read_text(encoding="utf-8") for p in (ROOT / "corpus/src").glob("*.md")}
    for record in gold[::7]:
        first_words = " ".join(record["text"].split("\n")[0].split()[:8])
        assert first_words in sources[record["review_id"]], record["id"]


def test_no_review_is_both_gold_and_training(gold: list[dict]) -> None:
    gold_reviews = {g["review_id"] for g in gold}
    training = training_records(models_dir())
    trained_reviews = {review_of(r) for r in training if "source" in r}
    assert not gold_reviews & trained_reviews
    assert not {g["text"].strip() for g in gold} & {r["text"].strip() for r in training}


@pytest.mark.slow
def test_no_training_passage_is_a_near_duplicate_of_a_gold_passage(gold: list[dict]) -> None:
    from scr_miner.classify.embed import contextual_embedder

    embedder = contextual_embedder()
    gold_vectors = embedder.embed([g["text"] for g in gold], batch_size=64)
    training = [r["text"] for r in training_records(models_dir())]
    worst, worst_pair = 0.0, ("", "")
    for start in range(0, len(training), 512):
        chunk = training[start : start + 512]
        similarity = embedder.embed(chunk, batch_size=64) @ gold_vectors.T
        i, j = np.unravel_index(int(np.argmax(similarity)), similarity.shape)
        if similarity[i, j] > worst:
            worst, worst_pair = float(similarity[i, j]), (chunk[i], gold[j]["text"])
    assert worst < 0.9, f"near-duplicate (cosine {worst:.3f}): {json.dumps(worst_pair)[:300]}"


def test_the_blend_weight_is_chosen_on_whole_held_out_training_reviews() -> None:
    """benchmarks/accurate_dev.py holds out whole training reviews: no review on both sides,
    evidence and unquoted sentences included, and scores only annotated review paragraphs
    (never gold ones, which training never holds)."""
    module = load_script(ROOT / "benchmarks" / "accurate_dev.py")
    records = training_records(models_dir())
    held_out, scored = module.held_out_reviews(records), module.development_mask(records)
    review = [review_of(r) for r in records]
    inside = {v for v, h in zip(review, held_out, strict=True) if h}
    outside = {v for v, h in zip(review, held_out, strict=True) if not h}
    assert inside and not inside & outside  # a review's sentences stay with it
    assert not (scored & ~held_out).any()
    assert all(records[i].get("kind") == "annotated-review" for i in np.flatnonzero(scored))
    annotated = {
        v for v, r in zip(review, records, strict=True) if r.get("kind") == "annotated-review"
    }
    assert 0.2 < len(inside) / len(annotated) < 0.3


def test_every_gold_theme_quotes_its_evidence_from_the_passage(gold: list[dict]) -> None:
    for record in gold:
        assert {e["theme"] for e in record["evidence"]} == set(record["themes"]), record["id"]
        text = " ".join(record["text"].split())
        for item in record["evidence"]:
            assert " ".join(item["sentence"].split()) in text, record["id"]


def test_the_context_check_reads_neighbours_within_a_review_in_paragraph_order() -> None:
    """benchmarks/context_check.py: a paragraph's neighbours are the paragraphs before and after
    it in its own review (by id, whatever the records' order), never another review's or a
    written passage; the section flags come from the labelled paragraph's heading."""
    module = load_script(ROOT / "benchmarks" / "context_check.py")
    records = [
        {"source": "cspr-2019-morrowby-child-s:002", "kind": "annotated-review"},
        {"source": "cspr-2019-morrowby-child-s:001", "kind": "annotated-review"},
        {"source": "scr-2011-harrowfield-child-j:001", "kind": "annotated-review"},
        {"source": "", "kind": "written"},
    ]
    paragraphs = np.array([True, True, True, False])
    logits = np.arange(8, dtype=float).reshape(4, 2) + 1
    context = module.context_features(records, paragraphs, logits)
    previous, following, ends = np.split(context["neighbours"], [2, 4], axis=1)
    assert previous[0].tolist() == logits[1].tolist()
    assert following[1].tolist() == logits[0].tolist()
    assert not previous[1].any() and not following[0].any()
    assert not context["neighbours"][2:].any()  # alone in its review; a written passage
    assert ends.tolist() == [[1, 0], [0, 1], [0, 0], [0, 0]]
    assert context["section"][1].tolist() == [0, 1]  # "1. Introduction"
    one_review = [{"source": f"r:{n}", "kind": "annotated-review"} for n in "4123"]
    themes = np.array([[0], [1], [1], [0]])  # in paragraph order: 1, 1, 0, 0
    lift = module.neighbour_lift(one_review, np.ones(4, dtype=bool), themes)
    # Of the three paragraphs that follow another, one has the theme (a rate of 1/3); of the
    # two that follow a paragraph with it, one does (1/2).
    assert lift.tolist() == pytest.approx([1.5])


def test_every_gold_paragraph_lists_the_agencies_it_names(gold: list[dict]) -> None:
    assert all(isinstance(record.get("agencies"), list) for record in gold)
    named = {a for record in gold for a in record["agencies"]}
    assert len(named) >= 15, "the gold reviews should name most of the taxonomy's agencies"


def test_the_gazetteer_finds_the_agencies_the_annotators_listed(gold: list[dict]) -> None:
    from scr_miner.classify.agencies import agencies_in
    from scr_miner.classify.evaluate import agency_agreement
    from scr_miner.classify.nlp import make_nlp

    nlp = make_nlp(str(models_dir() / "themes.yml"))
    found = [agencies_in(doc) for doc in nlp.pipe(r["text"] for r in gold)]
    result = agency_agreement(gold, found, rounds=20)
    assert result is not None
    # Measured 0.982 / 0.908 on 2026-11-28; a floor a little under catches a gazetteer that
    # starts matching ordinary words or loses a family of names.
    assert result["precision"] >= 0.95 and result["recall"] >= 0.88, result


def test_a_second_annotator_lists_nearly_the_same_agencies() -> None:
    from scr_miner.classify.card import agency_annotator_agreement

    agreement = agency_annotator_agreement(GOLD)
    assert agreement is not None and agreement["passages"] >= 150
    assert agreement["micro_f1"] >= 0.9


def test_agency_answers_must_cover_every_paragraph_with_known_ids(tmp_path: Path) -> None:
    agencies = load_script(ROOT / "corpus" / "gold" / "agencies.py")
    answers = tmp_path / "review.jsonl"
    answers.write_text(json.dumps({"id": "r:001", "agencies": ["gp", "police", "gp"]}) + "\n")
    assert agencies.checked_answers(answers, ["r:001"]) == {"r:001": ["police", "gp"]}
    with pytest.raises(SystemExit, match="every paragraph"):
        agencies.checked_answers(answers, ["r:001", "r:002"])
    answers.write_text(json.dumps({"id": "r:001", "agencies": ["surgery"]}) + "\n")
    with pytest.raises(SystemExit, match="unknown agency ids"):
        agencies.checked_answers(answers, ["r:001"])
    twice = [{"id": "r:001", "agencies": []}, {"id": "r:001", "agencies": ["gp"]}]
    answers.write_text("".join(json.dumps(row) + "\n" for row in twice))
    with pytest.raises(SystemExit, match="once"):
        agencies.checked_answers(answers, ["r:001"])
