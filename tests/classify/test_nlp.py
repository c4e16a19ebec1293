"""The spaCy pipeline's own components: the agency gazetteer."""

from __future__ import annotations

import pytest

from scr_miner.classify.agencies import agencies_in
from scr_miner.classify.nlp import make_nlp, plural
from scr_miner.classify.themes import models_dir


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("home treatment team", "home treatment teams"),
        ("health visitor", "health visitors"),
        ("charity", "charities"),
        ("church", "churches"),
        ("children's services", "children's services"),
        ("gp", "gps"),
    ],
)
def test_plural_of_the_last_word(name: str, expected: str) -> None:
    assert plural(name) == expected


def _agencies(text: str) -> list[str]:
    nlp = make_nlp(str(models_dir() / "themes.yml"))
    return agencies_in(nlp(text))


def test_plural_names_are_agencies() -> None:
    text = "More support than home treatment teams can give; both health visitors knew."
    assert _agencies(text) == ["adult-mental-health", "health-visiting"]


def test_adult_mental_health_names_that_coroners_use() -> None:
    text = (
        "The HTT was not told of the discharge from the PICU, and the Responsible Clinician "
        "did not see the nursing notes before the MHA assessment."
    )
    assert _agencies(text) == ["adult-mental-health"]
    assert len(make_nlp(str(models_dir() / "themes.yml"))(text).spans["agencies"]) == 4


def test_a_word_inside_a_name_is_not_an_agency() -> None:
    assert _agencies("The treatment was planned at home with the family.") == []
