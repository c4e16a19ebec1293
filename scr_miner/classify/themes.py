"""The theme and agency vocabulary: ``models/themes.yml``, checked against the taxonomy contract."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from scr_miner.errors import error

# The fixed contract of ../shared/taxonomy.md (v1). Order is the column order of model arrays.
THEME_IDS: tuple[str, ...] = (
    "not-shared",
    "transfer-gap",
    "no-feedback",
    "not-sought",
    "not-acted-on",
    "misunderstood",
    "voice-unheard",
    "no-overview",
    "meeting-gap",
    "escalation-gap",
    "not-recorded",
    "consent-confidentiality",
    "systems-access",
    "effective-sharing",
)
AGENCY_IDS: tuple[str, ...] = (
    "police",
    "childrens-social-care",
    "health-visiting",
    "gp",
    "midwifery",
    "hospital",
    "ambulance",
    "school",
    "camhs",
    "adult-mental-health",
    "substance-misuse",
    "probation",
    "youth-justice",
    "housing",
    "adult-social-care",
    "domestic-abuse-service",
    "marac",
    "voluntary-sector",
)
FAILURE_THEMES = tuple(t for t in THEME_IDS if t != "effective-sharing")


def models_dir() -> Path:
    """Where models live: ``$SCR_MINER_MODELS`` or the repository's ``models/``."""
    env = os.environ.get("SCR_MINER_MODELS")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True)
class Vocabulary:
    """Themes and agencies as configured in ``themes.yml``."""

    taxonomy_version: str
    themes_version: str
    themes: tuple[dict, ...]
    agencies: tuple[dict, ...]

    def theme(self, theme_id: str) -> dict:
        """The configuration of one theme, or an E004 error for an unknown id."""
        for theme in self.themes:
            if theme["id"] == theme_id:
                return theme
        raise error("E004", theme=theme_id, known=", ".join(THEME_IDS))


def check_theme_id(theme_id: str) -> str:
    """Return ``theme_id`` if it is in the contract, else raise E004."""
    if theme_id not in THEME_IDS:
        raise error("E004", theme=theme_id, known=", ".join(THEME_IDS))
    return theme_id


def check_agency_id(agency_id: str) -> str:
    """Return ``agency_id`` if it is in the contract, else raise E005."""
    if agency_id not in AGENCY_IDS:
        raise error("E005", agency=agency_id, known=", ".join(AGENCY_IDS))
    return agency_id


@lru_cache(maxsize=4)
def load_vocabulary(path: Path | None = None) -> Vocabulary:
    """Load and validate ``themes.yml``: every contract id present, nothing extra."""
    path = path or models_dir() / "themes.yml"
    if not path.exists():
        raise error("E011", path=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        themes = tuple(data["themes"])
        agencies = tuple(data["agencies"])
        theme_ids = [t["id"] for t in themes]
        agency_ids = [a["id"] for a in agencies]
    except (yaml.YAMLError, KeyError, TypeError) as exc:
        raise error("E014", path=path, reason=f"{exc.__class__.__name__}: {exc}") from None
    if sorted(theme_ids) != sorted(THEME_IDS):
        raise error("E014", path=path, reason="theme ids differ from taxonomy contract v1")
    if sorted(agency_ids) != sorted(AGENCY_IDS):
        raise error("E014", path=path, reason="agency ids differ from taxonomy contract v1")
    for agency in agencies:
        _check_patterns(path, agency)
        _check_settings(path, agency)
    ordered = tuple(sorted(themes, key=lambda t: THEME_IDS.index(t["id"])))
    return Vocabulary(
        str(data.get("taxonomy_version", "1")),
        str(data.get("themes_version", "0")),
        ordered,
        agencies,
    )


def _check_patterns(path: Path, agency: dict) -> None:
    """Refuse an agency's token patterns that spaCy's Matcher would not accept, or whose
    must-not-be-there ("!") words stand anywhere but at the start or end, with E014."""
    from spacy.matcher import Matcher
    from spacy.vocab import Vocab

    patterns = agency.get("patterns") or []
    try:
        if not isinstance(patterns, list):
            raise TypeError("patterns must be a list of token patterns")
        for pattern in patterns:
            Matcher(Vocab(), validate=True).add(agency["id"], [pattern])
            core = [t for t in pattern if isinstance(t, dict)]
            while core and core[0].get("OP") == "!":
                core.pop(0)
            while core and core[-1].get("OP") == "!":
                core.pop()
            if not core or any(t.get("OP") == "!" for t in core):
                raise ValueError("'!' words may only start or end a pattern, around a name")
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        reason = f"agency {agency['id']}: a token pattern is not valid ({str(exc).strip()})"
        raise error("E014", path=path, reason=" ".join(reason.split())) from None


def _check_settings(path: Path, agency: dict) -> None:
    """Refuse an agency's settings unless they are a list of ``{when: [phrases], names:
    [phrases]}`` with both lists non-empty, with E014."""
    settings = agency.get("settings") or []
    if not (isinstance(settings, list) and all(map(_is_setting, settings))):
        reason = (
            f"agency {agency['id']}: settings must be a list of {{when: [phrases], names:"
            f" [phrases]}} with both lists non-empty, not {settings!r}"
        )
        raise error("E014", path=path, reason=reason)


def _is_setting(setting: object) -> bool:
    return (
        isinstance(setting, dict)
        and set(setting) == {"when", "names"}
        and all(
            isinstance(words, list) and words and all(isinstance(w, str) for w in words)
            for words in setting.values()
        )
    )
