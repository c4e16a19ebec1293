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
        ("family nurse", "family nurses"),
        ("charity", "charities"),
        ("gp practice", "gp practices"),
        ("church", "churches"),
        ("dsl", "dsls"),
        ("police", None),
        ("ed", None),
        ("early help", None),
    ],
)
def test_plural_only_of_countable_heads(name: str, expected: str | None) -> None:
    assert plural(name) == expected


def _agencies(text: str) -> list[str]:
    return agencies_in(make_nlp(str(models_dir() / "themes.yml"))(text))


def test_plural_names_are_agencies() -> None:
    # Neither plural contains a listed name, so only the generated plurals can match.
    text = "Both crisis resolution teams knew, and so did the family nurses."
    assert _agencies(text) == ["adult-mental-health", "health-visiting"]


def test_adult_mental_health_names_that_coroners_use() -> None:
    text = (
        "The HTT was not told of the discharge, and the responsible clinician did not see the"
        " nursing notes before the MHA assessment."
    )
    assert _agencies(text) == ["adult-mental-health"]
    assert len(make_nlp(str(models_dir() / "themes.yml"))(text).spans["agencies"]) == 3


@pytest.mark.parametrize(
    "text",
    [
        "The council polices its contracts closely.",
        "The burn was given home treatment for a week.",
        "She was transferred to PICU at the regional centre.",
        "Smith and Jones (eds.) wrote the guidance.",
    ],
)
def test_words_that_only_look_like_agencies(text: str) -> None:
    assert _agencies(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The discharge letter reached Castle Yard Surgery three days later.", ["gp"]),
        ("It was filed at the Orchard Road Medical Practice.", ["gp"]),
        ("The practice did not code the letter.", ["gp"]),
        ("Ashgrove Homes held the tenancy.", ["housing"]),
        ("A letter came from the surgery.", ["gp"]),
        # Context words ("!") cannot match past a passage's end, which a heading or a bullet
        # point often reaches without a full stop.
        ("Nobody told the practice", ["gp"]),
    ],
)
def test_names_that_token_patterns_find(text: str, expected: list[str]) -> None:
    assert _agencies(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "The police should end the practice of downgrading referrals.",
        "She died during the surgery.",
        "He was referred for Plastic Surgery at the regional centre.",
        "The practice of",
    ],
)
def test_words_that_token_patterns_leave_alone(text: str) -> None:
    assert "gp" not in _agencies(text)


def test_a_listed_name_wins_over_a_pattern_it_overlaps() -> None:
    # "care homes" is a listed adult social care name; "... Homes" is the housing pattern.
    assert _agencies("Riverside Care Homes did not tell the GP.") == ["adult-social-care", "gp"]


def test_a_pattern_span_keeps_the_name_without_its_article_or_context() -> None:
    doc = make_nlp(str(models_dir() / "themes.yml"))("Nobody told the practice about it.")
    assert [(s.text, s.label_) for s in doc.spans["agencies"]] == [("practice", "gp")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A psychiatric setting reads the hospital, the ward and the trust as mental health care.
        (
            "He was detained under section 2 and admitted to hospital. The ward did not tell"
            " his GP.",
            ["adult-mental-health", "gp"],
        ),
        (
            "The psychiatric unit and the NHS Trust did not call the police.",
            ["adult-mental-health", "police"],
        ),
        ("Mother has schizophrenia and was admitted to hospital.", ["adult-mental-health"]),
        # Without one, the hospital is a hospital and "the ward" names no agency.
        ("He was admitted to hospital. The ward did not tell his GP.", ["hospital", "gp"]),
        # An NHS trust is whatever it runs: a hospital only where the passage says so.
        ("Wessmoor NHS Trust did not tell the school.", ["school"]),
        # A social worker is an adult's in a passage about adult safeguarding ...
        (
            "ASC opened a section 42 enquiry but the social worker did not call the GP.",
            ["adult-social-care", "gp"],
        ),
        # ... and a child's otherwise, even beside adult social care.
        (
            "The social worker did not ask adult social care to assess Mother.",
            ["childrens-social-care", "adult-social-care"],
        ),
        # A longer name than the setting's own stays what it names.
        (
            "Under the Mental Health Act she was moved from the paediatric ward.",
            ["hospital"],
        ),
    ],
)
def test_a_setting_reads_words_by_what_the_passage_is_about(
    text: str, expected: list[str]
) -> None:
    assert _agencies(text) == expected


def test_a_setting_takes_over_the_words_it_reads() -> None:
    # "hospital ward" and "ward staff" are both hospital names; the setting's "hospital ward"
    # replaces both, rather than leaving a hospital beside mental health care.
    doc = make_nlp(str(models_dir() / "themes.yml"))(
        "A psychiatrist saw him; the hospital ward staff did not call his mother."
    )
    assert [(s.text, s.label_) for s in doc.spans["agencies"]] == [
        ("psychiatrist", "adult-mental-health"),
        ("hospital ward", "adult-mental-health"),
    ]
