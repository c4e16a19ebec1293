"""How faithfully ingestion reproduces a review's paragraphs, measured against a gold list.

The gold paragraphs (``corpus/gold/labelled/*.jsonl``: one row per source paragraph with its
``text``) are compared with the passages after normalisation: Unicode compatibility forms
(ligatures), Markdown emphasis and whitespace do not count. A gold paragraph that is a bullet
item counts as found when it is one item line of a list passage (ingestion keeps lists whole).
Paragraphs on image-only pages cannot be read without OCR and are excused.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from scr_miner.records import Review

EMPHASIS = re.compile(r"\*{1,2}([^*]+?)\*{1,2}")


def normalise(text: str) -> str:
    """Text for comparison: NFKC (so 'ﬁ' is 'fi'), no Markdown emphasis, single spaces."""
    text = EMPHASIS.sub(r"\1", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


@dataclass
class Fidelity:
    """Which gold paragraphs of one review were found as passages."""

    review_id: str
    total: int = 0
    found: int = 0
    excused: int = 0  # on image-only pages
    missing: list[str] = field(default_factory=list)

    @property
    def share(self) -> float:
        """Share of the gold paragraphs found, outside image-only pages."""
        counted = self.total - self.excused
        return self.found / counted if counted else 1.0


def read_gold(folder: Path) -> dict[str, list[str]]:
    """Gold paragraph texts by review id from every ``*.jsonl`` file in ``folder``."""
    gold: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                gold.setdefault(row["review_id"], []).append(row["text"])
    return gold


def _passage_keys(review: Review) -> tuple[set[str], set[str]]:
    whole = {normalise(p.text) for p in review.passages}
    items = {
        normalise(line[1:])
        for p in review.passages
        for line in p.text.split("\n")
        if line.startswith("•")
    }
    return whole, items


def fidelity_of(review: Review, gold: Iterable[str]) -> Fidelity:
    """Compare a review's passages with its gold paragraphs.

    A missing paragraph is excused when the found paragraphs either side of it leave room for
    an image-only page between them (it was on the scanned page).
    """
    whole, items = _passage_keys(review)
    pages = {normalise(p.text): (p.page_start, p.page_end) for p in review.passages}
    result = Fidelity(review.id)
    texts = list(gold)
    found_at: list[tuple[int, int] | None] = []
    for text in texts:
        key = normalise(text)
        hit = key in whole or key in items
        found_at.append(pages.get(key, (0, 0)) if hit else None)
    for i, text in enumerate(texts):
        result.total += 1
        if found_at[i] is not None:
            result.found += 1
            continue
        before = next((f[1] for f in reversed(found_at[:i]) if f and f[1]), 1)
        after = next((f[0] for f in found_at[i + 1:] if f and f[0]), review.pages)
        if any(before <= n <= after for n in review.image_only_pages):
            result.excused += 1
        else:
            result.missing.append(text)
    return result
