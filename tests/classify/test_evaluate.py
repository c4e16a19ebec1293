"""Scoring against gold files: theme F1 is tested through the model card; here, evidence
and agencies."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scr_miner.classify.evaluate import evidence_agreement, read_gold
from scr_miner.cli import app
from scr_miner.errors import ScrMinerError
from scr_miner.records import Evidence, Label

FAILURE = "The police did not tell the school about the incident."
BACKGROUND = "Child A lived with her mother and two brothers."


def labelled(*evidence: Evidence) -> Label:
    themes = [e.theme for e in evidence]
    return Label(themes=themes, scores={}, agencies=[], evidence=list(evidence))


def test_evidence_counts_only_themes_both_sides_assigned() -> None:
    records = [
        {"themes": ["not-shared"], "evidence": [{"theme": "not-shared", "sentence": FAILURE}]},
        {"themes": ["not-shared"], "evidence": [{"theme": "not-shared", "sentence": FAILURE}]},
    ]
    labels = [
        labelled(Evidence("not-shared", f"  {FAILURE}\n"), Evidence("not-recorded", BACKGROUND)),
        labelled(Evidence("not-shared", BACKGROUND)),
    ]
    result = evidence_agreement(records, labels, rounds=50)
    assert result["checked"] == 2  # not-recorded is not in the gold labels: F1's business
    assert result["accuracy"] == 0.5
    low, high = result["accuracy_95ci"]
    assert 0.0 <= low <= 0.5 <= high <= 1.0


def test_evidence_for_a_theme_the_passage_lacks_is_a_gold_file_error(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    record = {
        "text": FAILURE,
        "themes": [],
        "evidence": [{"theme": "not-shared", "sentence": FAILURE}],
    }
    gold.write_text(json.dumps(record) + "\n")
    with pytest.raises(ScrMinerError, match="line 1"):
        read_gold(gold)


def test_evaluate_reports_evidence_when_the_gold_file_quotes_it(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    text = f"{BACKGROUND} {FAILURE} Nobody asked the GP what they knew."
    record = {
        "text": text,
        "themes": ["not-shared"],
        "evidence": [{"theme": "not-shared", "sentence": FAILURE}],
    }
    gold.write_text(json.dumps(record) + "\n")
    result = CliRunner().invoke(app, ["evaluate", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["per_theme"]["not-shared"]["f1"] == 1.0, "the model should find this failure"
    assert report["evidence"] == {"checked": 1, "accuracy": 1.0, "accuracy_95ci": [1.0, 1.0]}


def test_evaluate_reports_the_agencies_when_the_gold_file_lists_them(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    records = [
        {"text": FAILURE, "themes": ["not-shared"], "agencies": ["police", "school"]},
        {"text": "The health visitor saw Child A.", "themes": [], "agencies": ["gp"]},
        {"text": BACKGROUND, "themes": []},  # not annotated for agencies: left out
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = CliRunner().invoke(app, ["evaluate", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    agencies = json.loads(result.stdout)["agencies"]
    assert agencies["passages"] == 2
    assert agencies["precision"] == round(2 / 3, 4) and agencies["recall"] == round(2 / 3, 4)
    assert agencies["per_agency"]["health-visiting"]["precision"] == 0.0


@pytest.mark.parametrize("agencies", [["surgery"], None, "gp"])
def test_a_bad_agencies_field_in_a_gold_file_is_an_error_with_its_line(
    tmp_path: Path, agencies: object
) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"text": FAILURE, "themes": [], "agencies": agencies}) + "\n")
    with pytest.raises(ScrMinerError, match="line 1"):
        read_gold(gold)
