"""The six real coroners' reports: read without error, text from every page, sections found."""

from __future__ import annotations

from pathlib import Path

import pytest

from scr_miner.ingest import review_from_pdf
from scr_miner.records import Review


@pytest.fixture(scope="module")
def real_reviews(real_pdfs: list[Path]) -> dict[str, Review]:
    """Each real PDF read by the real ingest code."""
    return {pdf.name: review_from_pdf(pdf) for pdf in real_pdfs}


def test_all_six_ingest_without_error(real_pdfs: list[Path],
                                      real_reviews: dict[str, Review]) -> None:
    """All six read; each is a coroner's report with passages."""
    assert len(real_pdfs) == 6
    for name, review in real_reviews.items():
        assert review.review_type == "PFD", name
        assert len(review.passages) >= 10, name


def test_every_page_yields_text(real_reviews: dict[str, Review]) -> None:
    """Every page contributes at least one passage and none is image only."""
    for name, review in real_reviews.items():
        assert not review.image_only_pages, name
        pages = {n for p in review.passages for n in range(p.page_start, p.page_end + 1)}
        assert pages == set(range(1, review.pages + 1)), name


def test_coroner_headings_are_sections(real_reviews: dict[str, Review]) -> None:
    """CORONER, CORONER'S CONCERNS / MATTERS OF CONCERN and ACTION SHOULD BE TAKEN are
    sections, of kinds concerns and action."""
    for name, review in real_reviews.items():
        titles = [s.title.upper().replace("’", "'") for s in review.sections]
        assert "CORONER" in titles, (name, titles)
        concerns = [s for s in review.sections if s.kind == "concerns"]
        assert any("CONCERN" in s.title.upper() for s in concerns), name
        action = [s for s in review.sections if s.kind == "action"]
        assert any("ACTION SHOULD BE TAKEN" in s.title.upper() for s in action), name


def test_concerns_have_passages(real_reviews: dict[str, Review]) -> None:
    """The concerns section of each issued report holds passages (what classification reads)."""
    for name, review in real_reviews.items():
        concerns = [p for p in review.passages if p.section_kind == "concerns"]
        assert concerns, name
        assert sum(len(p.text.split()) for p in concerns) >= 20, name


def test_text_is_clean(real_reviews: dict[str, Review]) -> None:
    """No control characters or pdfium hyphen markers leak into passages."""
    for review in real_reviews.values():
        for passage in review.passages:
            assert not any(ord(c) < 32 and c != "\n" for c in passage.text), passage.text[:80]
            assert "\ufffe" not in passage.text and "\u00ad" not in passage.text


def test_metadata_of_real_reports(real_reviews: dict[str, Review]) -> None:
    """The deceased's name and the report year come from the text."""
    for name, review in real_reviews.items():
        assert review.subject.startswith("Death of "), name
        assert review.year and 2013 <= review.year <= 2024, name
    assert real_reviews["pfd-Peter_Lawrence.pdf"].board == "Berkshire"
