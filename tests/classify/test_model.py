"""The theme model on hand-written sentences: rules of the taxonomy, evidence, agencies, pairs,
and refusal of tampered model files."""

import shutil
from pathlib import Path

import numpy as np
import pytest

from scr_miner.classify.model import SENTENCE_MIX, centred, default_model, load_model, mix
from scr_miner.classify.nlp import make_nlp
from scr_miner.classify.themes import THEME_IDS, models_dir
from scr_miner.errors import ScrMinerError
from tests.conftest import load_script


@pytest.fixture(scope="module")
def model():  # noqa: ANN201
    return default_model()


def label(model, text: str):  # noqa: ANN001, ANN201
    return model.label_texts([text])[0]


def test_good_practice_is_never_not_shared(model) -> None:  # noqa: ANN001
    result = label(model, "The school shared its concerns with the MASH the same day.")
    assert "not-shared" not in result.themes
    assert "effective-sharing" in result.themes


def test_recommendation_answers_a_failure_to_share(model) -> None:  # noqa: ANN001
    # Reviews label a recommendation with the failure it answers; the good-practice rule must
    # not strip not-shared from a sentence that only prescribes.
    result = label(
        model,
        "9.3 Recommendation 3: the police should ensure that every domestic abuse notification "
        "is passed to the child's school and GP within one working day.",
    )
    assert "not-shared" in result.themes


def test_failure_to_inform_is_not_shared_with_directed_pair(model) -> None:  # noqa: ANN001
    result = label(
        model,
        "4.3 The police did not notify the school of the domestic abuse "
        "incident, so the DSL was unaware of it when Child A disclosed.",
    )
    assert "not-shared" in result.themes
    assert {"police", "school"} <= set(result.agencies)
    assert any(p.source == "police" and p.target == "school" for p in result.pairs)


def test_passive_voice_pair_direction(model) -> None:  # noqa: ANN001
    result = label(
        model,
        "The school was not told by the police about the arrest, and the "
        "information was never passed on.",
    )
    assert any(p.source == "police" and p.target == "school" for p in result.pairs)


def test_background_narrative_gets_no_theme(model) -> None:  # noqa: ANN001
    assert (
        label(model, "Child A was born in 2012 and lived with Mother and two siblings.").themes
        == []
    )


def test_every_theme_has_a_score_and_evidence_is_a_sentence_of_the_text(model) -> None:  # noqa: ANN001
    text = (
        "The family moved to Eastfield in March. The GP records did not follow them and the "
        "new practice was never told that Child B was subject to a child protection plan. "
        "The health visitor visited twice."
    )
    result = label(model, text)
    assert set(result.scores) == set(THEME_IDS)
    assert result.themes
    for evidence in result.evidence:
        assert evidence.theme in result.themes
        assert evidence.sentence in text


def test_abbreviations_are_found_as_agencies(model) -> None:  # noqa: ANN001
    result = label(
        model, "The HV, CSC, the DSL, A&E staff, the IDVA and CAMHS each held part of the picture."
    )
    assert set(result.agencies) >= {
        "health-visiting",
        "childrens-social-care",
        "school",
        "hospital",
        "domestic-abuse-service",
        "camhs",
    }


def test_long_record_is_split_and_themes_are_the_union(model) -> None:  # noqa: ANN001
    first = "4.1 The GP was not invited to the strategy discussion."
    second = "4.2 Children's social care never told the school the outcome of its referral."
    merged = model.label_records([f"{first}\n\n{second}"])[0]
    parts = model.label_texts([first, second])
    assert set(merged.themes) == set(parts[0].themes) | set(parts[1].themes)


def _model_copy(tmp_path: Path) -> Path:
    target = tmp_path / "models"
    shutil.copytree(models_dir(), target, ignore=shutil.ignore_patterns("training"))
    return target


def test_tampered_model_file_is_refused(tmp_path: Path) -> None:
    directory = _model_copy(tmp_path)
    with open(directory / "theme_model.npz", "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ScrMinerError) as info:
        load_model(directory)
    assert info.value.code == "E010"


def test_missing_manifest_is_refused(tmp_path: Path) -> None:
    directory = _model_copy(tmp_path)
    (directory / "MANIFEST.sha256").unlink()
    with pytest.raises(ScrMinerError) as info:
        load_model(directory)
    assert info.value.code == "E011"


def test_model_from_other_feature_settings_is_one_readable_error(tmp_path: Path) -> None:
    import numpy as np

    from scr_miner.classify.model import write_manifest

    directory = _model_copy(tmp_path)
    with np.load(directory / "theme_model.npz", allow_pickle=False) as arrays:
        coef, intercept, idf = arrays["coef"], arrays["intercept"], arrays["idf"]
    # What an older scr-miner wrote: a smaller hash space, with a manifest that matches it.
    np.savez_compressed(
        directory / "theme_model.npz", coef=coef[:, : 2**16], intercept=intercept, idf=idf[: 2**16]
    )
    write_manifest(directory)
    with pytest.raises(ScrMinerError) as info:
        load_model(directory)
    assert info.value.code == "E012"
    assert "65536 n-gram features" in str(info.value)
    assert "scr-miner train" in str(info.value)


def test_centring_puts_each_threshold_at_one_half() -> None:
    thresholds = np.array([0.2, 0.7])
    assert np.allclose(centred(np.array([[0.2, 0.7]]), thresholds), 0.5)
    # Confident agreement stays confident once centred and mixed.
    agree = mix(centred(np.array([[0.9, 0.95]]), thresholds), np.array([[0.9, 0.9]]), 0.6)
    assert (agree > 0.85).all()


def test_a_passage_score_is_mixed_with_its_best_sentence(model) -> None:  # noqa: ANN001
    sentences = [
        "Child B attended nursery three days a week and was described as a happy child.",
        "The family lived in a two-bedroom flat close to the maternal grandmother.",
        "The hospital did not let the health visitor know about the attendance.",
        "Child B was weighed at the clinic in March and was on the 50th centile.",
    ]
    docs = list(make_nlp(model.themes_path).pipe([" ".join(sentences), sentences[2]]))
    whole, units, per_sentence = model.passage_and_sentence_probabilities(docs)
    assert [u.text.strip() for u in units[0]] == sentences
    assert np.allclose(per_sentence[0], model.probabilities(units[0]), atol=1e-6)
    assert np.allclose(per_sentence[1], whole[1:2])  # one sentence: its own row, not rescored
    labels = model.label_docs(docs)
    column = THEME_IDS.index("not-shared")
    best = per_sentence[0][:, column].max()
    expected = (1 - SENTENCE_MIX) * centred(whole[0], model.thresholds)[column] + (
        SENTENCE_MIX * centred(np.array([best]), model.thresholds[column : column + 1])[0]
    )
    assert labels[0].scores["not-shared"] == pytest.approx(expected, abs=1e-5)
    # The one sentence that states the theme lifts the paragraph above its own score.
    assert labels[0].scores["not-shared"] > centred(whole[0], model.thresholds)[column]
    assert "not-shared" in labels[0].themes
    assert {e.sentence for e in labels[0].evidence if e.theme == "not-shared"} == {sentences[2]}


def test_findings_in_the_register_of_published_reports(model) -> None:  # noqa: ANN001
    # benchmarks/register_probes.py: one-sentence findings worded as published reports word
    # them ("a failure to notify", "liaison was inadequate"), never trained on. The shipped fast
    # model passed 29 of 36 (2026-11-28); the misses are not-shared probes (a known blind spot
    # in the model card), so a change that loses more of them fails here.
    probes_module = load_script(
        Path(__file__).resolve().parents[2] / "benchmarks" / "register_probes.py"
    )
    probes = probes_module.read_probes()
    assert len(probes) == 36
    wrong = probes_module.missed(model, probes)
    assert len(probes) - len(wrong) >= 29, wrong
    assert probes_module.passes("none", []) and not probes_module.passes("none", ["not-shared"])
    assert not probes_module.passes("effective-sharing", ["effective-sharing", "not-shared"])
