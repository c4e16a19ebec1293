"""Directed agency pairs: candidates, the direction each theme gives them, scoring against the
annotators' pairs, and a pair model file that does not fit this version refused in one line."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scr_miner.classify.evaluate import pair_agreement, pair_scores
from scr_miner.classify.model import default_model
from scr_miner.classify.nlp import make_nlp
from scr_miner.classify.pairs import (
    PAIR_FILE,
    candidate_matrix,
    candidates,
    feature_names,
    load_pair_model,
    mentions,
)
from scr_miner.classify.themes import models_dir
from scr_miner.cli import app
from scr_miner.errors import ScrMinerError
from scr_miner.records import Pair

NOT_TOLD = "4.3 The police did not notify the school of the domestic abuse incident."
NOT_ASKED = "4.7 The social worker did not ask the school what it knew about the children."


def doc(text: str):  # noqa: ANN201
    return make_nlp()(text)


def score(text: str, theme: str) -> dict[tuple[str, str], float]:
    """The shipped pair model's score for every candidate (from, to) of ``text``."""
    found, rows = candidate_matrix(doc(text), [theme])
    scores = default_model().pair_model.scores(rows)
    return {(a, b): float(s) for (a, b, _), s in zip(found, scores, strict=True)}


def test_candidates_are_ordered_pairs_for_themes_that_carry_pairs() -> None:
    found = mentions(doc(NOT_TOLD))
    assert candidates(found, ["not-shared", "voice-unheard"]) == [
        ("police", "school", "not-shared"),
        ("school", "police", "not-shared"),
    ]
    assert candidates(found, ["not-recorded"]) == []


def test_an_agency_is_paired_with_itself_only_when_named_twice() -> None:
    once = mentions(doc("The school did not pass the file on."))
    twice = mentions(doc("The primary school did not send the file to the secondary school."))
    assert candidates(once, ["transfer-gap"]) == []
    assert candidates(twice, ["transfer-gap"]) == [("school", "school", "transfer-gap")]


def test_every_candidate_has_one_row_of_every_feature() -> None:
    found, rows = candidate_matrix(doc(NOT_TOLD + " " + NOT_ASKED), ["not-shared", "not-sought"])
    assert rows.shape == (len(found), len(feature_names()))
    assert np.isfinite(rows).all()


def test_each_column_holds_the_feature_it_is_named_for() -> None:
    # A shift in the row layout would leave every shape right and every score wrong.
    found, rows = candidate_matrix(doc(NOT_TOLD), ["not-shared", "not-sought"])
    names = feature_names()
    row = dict(zip(names, rows[found.index(("police", "school", "not-sought"))], strict=True))
    on = {name for name, value in row.items() if value and ("=" in name or "@" in name)}
    assert {"theme=not-sought", "from=police", "to=school"} <= on
    assert {"from=police@not-sought", "to=school@not-sought"} <= on
    assert not any(name.endswith("@not-shared") for name in on)
    assert sum(v for n, v in row.items() if n.startswith("theme=")) == 1
    # "The police did not notify the school": police before the verb, the school after it.
    assert row["a_before_verb"] == row["b_after_verb"] == 1
    assert row["a_before_verb&b_after_verb"] == 1
    assert row["a_before_verb@not-sought"] == 1 and row["a_before_verb@not-shared"] == 0
    assert row["a_after_verb&b_before_verb"] == 0


def test_the_agency_that_did_not_tell_is_the_sender() -> None:
    scores = score(NOT_TOLD, "not-shared")
    assert scores[("police", "school")] > scores[("school", "police")]


def test_for_not_sought_the_agency_that_did_not_ask_is_the_receiver() -> None:
    # The same grammar as NOT_TOLD, the other direction: the school held what CSC never asked.
    scores = score(NOT_ASKED, "not-sought")
    assert scores[("school", "childrens-social-care")] > scores[("childrens-social-care", "school")]


def test_a_labelled_paragraph_gets_the_annotators_pair() -> None:
    label = default_model().label_texts([NOT_TOLD + " The DSL was unaware of it."])[0]
    assert "not-shared" in label.themes
    assert Pair("police", "school", "not-shared") in label.pairs


def test_pair_scores_count_triples_and_pairs_ignoring_the_theme() -> None:
    gold = [{("police", "school", "not-shared")}, {("gp", "school", "not-sought")}]
    found = [{("police", "school", "no-feedback")}, {("gp", "school", "not-sought")}]
    scores = pair_scores(gold, found)
    assert scores["precision"] == scores["recall"] == scores["f1"] == 0.5
    assert scores["f1_ignoring_theme"] == 1.0


def test_pair_agreement_reports_an_interval_around_its_f1() -> None:
    records = [{"pairs": [{"from": "police", "to": "school", "theme": "not-shared"}]}] * 3
    records += [{"pairs": []}]
    predicted = [[Pair("police", "school", "not-shared")], [], [], [Pair("gp", "school", "x")]]
    result = pair_agreement(records, predicted, rounds=200)
    assert result["pairs"] == 3
    assert result["precision"] == 0.5 and round(result["recall"], 4) == 0.3333
    low, high = result["f1_95ci"]
    assert low <= result["f1"] <= high


def test_evaluate_reports_pairs_when_the_gold_file_has_them(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    pair = {"from": "police", "to": "school", "theme": "not-shared"}
    record = {"text": NOT_TOLD + " The DSL was unaware of it.", "themes": ["not-shared"]}
    gold.write_text(json.dumps(record | {"pairs": [pair]}) + "\n")
    result = CliRunner().invoke(app, ["evaluate", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"]["f1"] == 1.0


def test_a_pair_model_built_for_other_features_is_refused(tmp_path: Path) -> None:
    shutil.copy(models_dir() / PAIR_FILE, tmp_path / PAIR_FILE)
    with np.load(tmp_path / PAIR_FILE) as arrays:
        saved = dict(arrays)
    np.savez(tmp_path / PAIR_FILE, **(saved | {"feature_names": saved["feature_names"][:-1]}))
    with pytest.raises(ScrMinerError, match="features differ"):
        load_pair_model(tmp_path)
