"""The accurate mode: the fine-tuned transformer, its blend with the fast model, its training."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scr_miner.classify.evaluate import binarise, point_scores, read_gold
from scr_miner.classify.model import default_model, load_model
from scr_miner.classify.themes import THEME_IDS, models_dir
from scr_miner.classify.train import label_matrix, training_records
from scr_miner.classify.transformer import (
    SENTENCE_SHARE,
    TRANSFORMER_FILE,
    load_transformer,
    train_transformer,
)
from scr_miner.cli import app
from scr_miner.errors import ScrMinerError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def accurate():  # noqa: ANN201
    return default_model(accurate=True)


def test_accurate_mode_has_its_own_version_and_labels_the_taxonomy_rules(accurate) -> None:  # noqa: ANN001
    assert accurate.version == default_model().version + "+accurate"
    good, failure = accurate.label_texts(
        [
            "The school shared its concerns with the MASH the same day.",
            "4.3 The police did not notify the school of the domestic abuse incident, so the DSL "
            "was unaware of it when Child A disclosed.",
        ]
    )
    assert "not-shared" not in good.themes and "effective-sharing" in good.themes
    assert "not-shared" in failure.themes
    assert set(good.scores) == set(THEME_IDS)
    assert all(0.0 <= v <= 1.0 for v in good.scores.values())


def test_a_passage_is_mixed_with_its_best_sentence(accurate) -> None:  # noqa: ANN001
    transformer = accurate.transformer
    sentences = [
        "Child B attended nursery three days a week and was described as a happy child.",
        "The family lived in a two-bedroom flat close to the maternal grandmother.",
        "Child B's older sibling attended the local primary school.",
        "The hospital did not let the health visitor know about the attendance.",
        "Child B was weighed at the clinic in March and was on the 50th centile.",
    ]
    one = "The GP was not invited to the strategy discussion."
    texts = [" ".join(sentences), one]
    mixed = transformer.passage_probabilities(texts, [sentences, [one]])
    whole = transformer.probabilities(texts)
    per_sentence = transformer.probabilities(sentences)
    best = per_sentence.max(axis=0)
    assert np.allclose(mixed[0], (1 - SENTENCE_SHARE) * whole[0] + SENTENCE_SHARE * best,
                       atol=1e-6)
    assert np.allclose(mixed[1], whole[1], atol=1e-6)  # one sentence: its own best sentence
    # The theme stated in one sentence of five comes from that sentence, and is assigned.
    not_shared = THEME_IDS.index("not-shared")
    assert per_sentence[:, not_shared].argmax() == 3
    assert mixed[0][not_shared] >= 0.5


def test_accurate_mode_beats_the_fast_model_on_the_gold_set(accurate) -> None:  # noqa: ANN001
    gold = read_gold(ROOT / "corpus" / "gold" / "passages.jsonl")
    texts = [g["text"] for g in gold]
    truth = binarise([g["themes"] for g in gold])
    fast = point_scores(truth, binarise([lb.themes for lb in default_model().label_texts(texts)]))
    blended = point_scores(truth, binarise([lb.themes for lb in accurate.label_texts(texts)]))
    assert blended["micro_f1"] > fast["micro_f1"] + 0.02
    assert blended["macro_f1"] > fast["macro_f1"] + 0.02


def test_classify_accurate_cli(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": "a", "text": "Nobody told the GP that the baby had been admitted."})
        + "\n"
    )
    result = CliRunner().invoke(
        app, ["classify", "--input", str(source), "--output", "-", "--accurate"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout.strip().splitlines()[-1])
    assert record["id"] == "a" and set(record["scores"]) == set(THEME_IDS)


def test_tampered_transformer_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "models"
    shutil.copytree(models_dir(), directory, ignore=shutil.ignore_patterns("training"))
    with open(directory / TRANSFORMER_FILE, "r+b") as fh:
        fh.seek(-4, 2)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(ScrMinerError) as info:
        load_model(directory, accurate=True)
    assert info.value.code == "E010"


def test_unreadable_transformer_file_is_one_error(tmp_path: Path) -> None:
    (tmp_path / TRANSFORMER_FILE).write_bytes(b"not a safetensors file")
    with pytest.raises(ScrMinerError) as info:
        load_transformer(tmp_path)
    assert info.value.code == "E012"


def test_training_is_reproducible_and_the_file_loads(tmp_path: Path) -> None:
    records = training_records(models_dir())[:48]
    texts, labels = [r["text"] for r in records], label_matrix(records)
    weights = np.ones(len(records))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    train_transformer(first, texts, labels, weights, epochs=1)
    train_transformer(second, texts, labels, weights, epochs=1)
    assert (first / TRANSFORMER_FILE).read_bytes() == (second / TRANSFORMER_FILE).read_bytes()
    probabilities = load_transformer(first).probabilities(texts[:5])
    assert probabilities.shape == (5, len(THEME_IDS))
    assert ((probabilities > 0) & (probabilities < 1)).all()
