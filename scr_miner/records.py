"""Plain typed records passed between pipeline stages.

``ingest`` produces a ``Review`` with its ``Section``s and ``Passage``s and touches no database;
``classify`` turns passage texts into ``Label``s and knows nothing of PDFs; only ``store`` reads
and writes SQLite.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Section:
    """A heading in a review and the canonical kind of section it opens."""

    id: str
    title: str
    level: int
    kind: str
    page: int
    parent_id: str | None = None


@dataclass
class Passage:
    """One paragraph (or table row, or list) of a review, with its provenance."""

    id: str
    text: str
    page_start: int
    page_end: int
    section_id: str | None = None
    section_kind: str = "other"
    paragraph_number: str | None = None
    char_start: int = 0
    char_end: int = 0
    kind: str = "paragraph"  # paragraph | list | table-row

    def to_dict(self) -> dict[str, Any]:
        """Return the passage as a plain dict."""
        return asdict(self)


@dataclass
class Review:
    """A review document: metadata, sections, passages and what went wrong reading it."""

    id: str
    sha256: str
    file: str
    title: str = ""
    review_type: str = "other"
    board: str = ""
    area: str = ""
    year: int | None = None
    published_date: str | None = None
    subject: str = ""
    author: str = ""
    pages: int = 0
    image_only_pages: list[int] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Pair:
    """A directed link: agency ``source`` failed to tell (or told) agency ``target``."""

    source: str
    target: str
    theme: str

    def to_dict(self) -> dict[str, str]:
        """JSON form with the contract's key names."""
        return {"from": self.source, "to": self.target, "theme": self.theme}


@dataclass
class Evidence:
    """The sentence that supports a theme assignment."""

    theme: str
    sentence: str


@dataclass
class Label:
    """What the classifier says of one text."""

    themes: list[str]
    scores: dict[str, float]
    agencies: list[str]
    pairs: list[Pair] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form used by ``classify --output`` and ``--json``."""
        return {
            "themes": self.themes,
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "agencies": self.agencies,
            "pairs": [p.to_dict() for p in self.pairs],
            "evidence": [asdict(e) for e in self.evidence],
        }
