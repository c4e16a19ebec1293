"""Fixtures for ingest tests: the whole sample corpus read once, and what its sources say."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scr_miner.ingest import review_from_pdf
from scr_miner.records import Review

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")


@pytest.fixture(scope="session")
def corpus_reviews() -> dict[str, Review]:
    """Every sample-corpus PDF read by the real ingest code, by review id."""
    return {pdf.stem: review_from_pdf(pdf) for pdf in sorted((CORPUS / "pdfs").glob("*.pdf"))}


@pytest.fixture(scope="session")
def corpus_sources() -> dict[str, tuple[dict, str]]:
    """Front matter and body of every source that has a rendered PDF, by review id."""
    sources = {}
    for pdf in sorted((CORPUS / "pdfs").glob("*.pdf")):
        text = (CORPUS / "src" / f"{pdf.stem}.md").read_text(encoding="utf-8")
        _, front, body = text.split("---", 2)
        sources[pdf.stem] = (yaml.safe_load(front), body)
    return sources


def source_tables(body: str) -> list[list[list[str]]]:
    """The pipe tables of a source body: rows of cells, header first, separator dropped."""
    tables: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*body.splitlines(), ""]:
        if line.startswith("|"):
            cells = [FOOTNOTE_REF.sub("", c).strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", c) for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    return tables


def source_footnotes(body: str) -> list[str]:
    """The footnote texts defined at the end of a source."""
    return [m.group(1).strip() for m in re.finditer(r"^\[\^[^\]]+\]:\s*(.+)$", body, re.M)]
