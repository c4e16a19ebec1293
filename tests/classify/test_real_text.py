"""The classifier on real language it was never trained on (texts read from ../shared, never
copied): a floor under accuracy and over-firing, so a change that makes it worse fails here."""

import json
from collections import Counter
from pathlib import Path

import pytest

from scr_miner.classify.card import (
    read_real_labels,
    real_text_agencies,
    real_text_agreement,
    real_text_pairs,
    real_text_results,
)
from scr_miner.classify.themes import AGENCY_IDS, THEME_IDS, models_dir
from tests.conftest import load_script

ROOT = Path(__file__).resolve().parents[2]
TEXT_DIR = ROOT.parent / "shared" / "real-text"
LABELS = ROOT / "benchmarks" / "real_text_labels.jsonl"


@pytest.fixture(scope="module")
def real() -> dict:
    result = real_text_results(
        models_dir(), ROOT / "benchmarks" / "real_text_labels.jsonl", TEXT_DIR
    )
    assert result is not None, "needs ../shared/real-text and benchmarks/real_text_labels.jsonl"
    return result


def test_real_text_accuracy_floor(real: dict) -> None:
    # Measured micro-F1 0.489 (0.453-0.523), macro-F1 0.451 (0.402-0.491) on 463 records
    # (2026-11-27); the floors sit just under those intervals.
    assert real["micro_f1"] >= 0.44
    assert real["macro_f1"] >= 0.39


def test_road_deaths_rarely_get_information_themes(real: dict) -> None:
    road = real["any_theme"]["pfd-road-concerns.jsonl"]
    # Road-death concerns are mostly about roads and vehicles: the model must not fire on most.
    assert road["predicted"] <= 2 * road["labelled"]
    suicide = real["any_theme"]["pfd-suicide-concerns.jsonl"]
    assert suicide["predicted"] >= 0.7 * suicide["labelled"]


def _write_labels(path: Path, labels: dict[str, list[str]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"file": "f.jsonl", "id": key, "themes": themes}) + "\n"
            for key, themes in labels.items()
        )
    )
    return path


def test_agreement_is_scored_on_the_records_both_annotators_labelled(tmp_path: Path) -> None:
    first = _write_labels(tmp_path / "a.jsonl", {"1": ["not-shared"], "2": [], "3": ["not-sought"]})
    same = _write_labels(tmp_path / "b.jsonl", {"1": ["not-shared"], "3": ["not-sought"]})
    other = _write_labels(tmp_path / "c.jsonl", {"1": ["not-recorded"], "3": ["not-sought"]})
    agreed = real_text_agreement(first, same)
    assert agreed is not None and agreed["passages"] == 2 and agreed["micro_f1"] == 1.0
    differed = real_text_agreement(first, other)
    assert differed is not None and differed["micro_f1"] == 0.5
    assert real_text_agreement(first, tmp_path / "missing.jsonl") is None


@pytest.mark.parametrize("name", ["real_text_labels.jsonl", "real_text_labels_second.jsonl"])
def test_real_text_labels_name_real_records_and_theme_ids(name: str) -> None:
    labels = read_real_labels(ROOT / "benchmarks" / name)
    keys = [(x["file"], x["id"]) for x in labels]
    assert len(keys) == len(set(keys)), "a record is labelled twice"
    ids = Counter(
        (path.name, json.loads(line)["id"])
        for path in TEXT_DIR.glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    assert set(keys) <= set(ids)
    # Labels are joined to texts by id; a few ids repeat further down the road file, with
    # different texts, so a label there would score the wrong text.
    assert [k for k in keys if ids[k] > 1] == [], "labelled id is not unique in its file"
    assert all(set(x["themes"]) <= set(THEME_IDS) for x in labels)
    assert all(sorted(x) == ["file", "id", "themes"] for x in labels), "labels only, no text"


def test_a_second_annotator_mostly_agrees_on_real_text() -> None:
    benchmarks = ROOT / "benchmarks"
    agreement = real_text_agreement(
        benchmarks / "real_text_labels.jsonl", benchmarks / "real_text_labels_second.jsonl"
    )
    assert agreement is not None and agreement["passages"] >= 80
    # If two annotators agreed less than this, the real-text scores above would measure the
    # labels' noise more than the model.
    assert agreement["micro_f1"] >= 0.6


def test_real_text_dev_halves_split_every_file_without_overlap() -> None:
    """benchmarks/real_text_dev.py chooses data on one half of the labels and reports the other:
    the halves are disjoint, cover every label, and both hold records of both files."""
    module = load_script(ROOT / "benchmarks" / "real_text_dev.py")
    labels = read_real_labels(ROOT / "benchmarks" / "real_text_labels.jsonl")
    split = module.halves(len(labels))
    dev, test = set(split["dev"].tolist()), set(split["test"].tolist())
    assert not dev & test
    assert dev | test == set(split["all"].tolist()) == set(range(len(labels)))
    files = {x["file"] for x in labels}
    for half in (dev, test):
        assert {labels[i]["file"] for i in half} == files
        assert sum(bool(labels[i]["themes"]) for i in half) > 100


PAIRS = ROOT / "benchmarks" / "real_text_pairs.jsonl"


def test_real_text_pairs_label_every_themed_record_with_its_own_themes() -> None:
    labels = {(x["file"], x["id"]): x["themes"] for x in read_real_labels(LABELS)}
    records = [json.loads(line) for line in PAIRS.read_text().splitlines() if line]
    assert [(r["file"], r["id"]) for r in records] == [k for k, v in labels.items() if v]
    for record in records:
        for pair in record["pairs"]:
            assert pair["theme"] in labels[(record["file"], record["id"])]
            assert pair["from"] in AGENCY_IDS and pair["to"] in AGENCY_IDS


def test_real_text_pairs_floor() -> None:
    found = real_text_pairs(models_dir(), LABELS, PAIRS, TEXT_DIR)
    assert found, "needs ../shared/real-text"
    # Measured on 265 records, 111 pairs (2026-11-27): end to end F1 0.077 (0.020-0.149),
    # given the labelled themes 0.168 (0.062-0.277). Poor, and a floor, not a target: a change
    # that loses the little the model finds on real text fails here.
    assert found["end_to_end"]["f1"] >= 0.04
    assert found["given_themes"]["f1"] >= 0.10
    # The gazetteer named 176 of the 222 agencies in those pairs before it learnt the names
    # coroners use for mental health services (home treatment team, HTT, PICU, responsible
    # clinician) and plurals; 195 after.
    named = found["pair_agencies_named"]
    assert named["of"] == 222
    assert named["found"] / named["of"] >= 0.85


def test_real_text_agency_labels_name_real_records_and_agency_ids() -> None:
    path = ROOT / "benchmarks" / "real_text_agencies.jsonl"
    labels = read_real_labels(path)
    labelled = {(x["file"], x["id"]) for x in read_real_labels(LABELS)}
    assert len(labels) >= 300 and len({(x["file"], x["id"]) for x in labels}) == len(labels)
    assert {(x["file"], x["id"]) for x in labels} <= labelled
    assert all(set(x["agencies"]) <= set(AGENCY_IDS) for x in labels)
    assert not any("text" in x for x in labels), "labels go by id; texts stay in ../shared"


def test_real_text_agencies_floor() -> None:
    found = real_text_agencies(
        models_dir(), ROOT / "benchmarks" / "real_text_agencies.jsonl", TEXT_DIR
    )
    assert found, "needs ../shared/real-text"
    # Measured on 303 records (2026-11-28): precision 0.807, recall 0.795, micro-F1 0.801
    # (0.768-0.834), against 0.943 on the fictional gold paragraphs. A floor, not a target.
    assert found["precision"] >= 0.75 and found["recall"] >= 0.75
