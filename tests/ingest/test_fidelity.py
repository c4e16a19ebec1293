"""Fidelity on the sample corpus: the passages are the sources' paragraphs, nothing more or less.

The oracle is the gold paragraph list (corpus/gold/labelled/*.jsonl, one row per source
paragraph) and the Markdown sources themselves (tables, footnotes, running headers).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from scr_miner.ingest.fidelity import fidelity_of, normalise, read_gold
from scr_miner.records import Review
from tests.ingest.conftest import CORPUS, source_footnotes, source_tables

IDS = sorted(p.stem for p in (CORPUS / "pdfs").glob("*.pdf"))
MIN_SHARE = 0.95  # per review, outside image-only pages


@pytest.fixture(scope="module")
def gold() -> dict[str, list[str]]:
    """Gold paragraph texts by review id."""
    return read_gold(CORPUS / "gold" / "labelled")


@pytest.mark.parametrize("review_id", IDS)
def test_source_paragraphs_are_passages(review_id: str, corpus_reviews: dict[str, Review],
                                        gold: dict[str, list[str]]) -> None:
    """At least 95% of each review's paragraphs come out exactly (after normalising)."""
    result = fidelity_of(corpus_reviews[review_id], gold[review_id])
    assert result.total >= 20
    assert result.share >= MIN_SHARE, result.missing[:3]


def test_whole_corpus_fidelity(corpus_reviews: dict[str, Review],
                               gold: dict[str, list[str]]) -> None:
    """Across the corpus, 99% of paragraphs outside scanned pages are found."""
    results = [fidelity_of(corpus_reviews[i], gold[i]) for i in IDS]
    found = sum(r.found for r in results)
    counted = sum(r.total - r.excused for r in results)
    assert found / counted >= 0.99
    assert sum(r.excused for r in results) < 0.02 * counted  # only scanned pages are excused


def test_image_only_pages_are_detected(corpus_reviews: dict[str, Review],
                                       corpus_sources: dict[str, tuple[dict, str]]) -> None:
    """Exactly the reviews built with a scanned page report one image-only page."""
    for review_id, (front, _) in corpus_sources.items():
        scanned = bool((front.get("layout") or {}).get("scanned_page"))
        assert bool(corpus_reviews[review_id].image_only_pages) == scanned, review_id
        if scanned:
            assert len(corpus_reviews[review_id].image_only_pages) == 1
            assert corpus_reviews[review_id].warnings


def test_running_headers_and_page_numbers_are_gone(
        corpus_reviews: dict[str, Review], corpus_sources: dict[str, tuple[dict, str]]) -> None:
    """No passage carries the running header or a 'Page n of m' footer."""
    for review_id, (front, _) in corpus_sources.items():
        header = normalise(str((front.get("layout") or {}).get("header") or front["title"]))
        for passage in corpus_reviews[review_id].passages:
            text = normalise(passage.text)
            assert header not in text, (review_id, passage.id)
            assert not re.search(r"\bPage \d+ of \d+\b", text), (review_id, passage.id)


def test_hyphenation_is_undone(corpus_reviews: dict[str, Review]) -> None:
    """No soft-hyphen marks survive, and no word is left split at a line end."""
    for review in corpus_reviews.values():
        for passage in review.passages:
            assert "\u00ad" not in passage.text and "\ufffe" not in passage.text
            assert "\x02" not in passage.text
            # "sixteen- and seventeen-year-olds" is a real (suspended) hyphen
            split = re.search(r"[a-z]- (?!and |or |to )[a-z]{3,}", passage.text)
            assert not split, passage.text[:200]


def test_numbered_paragraph_ids_are_kept(corpus_reviews: dict[str, Review]) -> None:
    """A passage starting '4.12 ' carries paragraph_number '4.12'; most corpus passages do."""
    numbered = 0
    for review in corpus_reviews.values():
        for passage in review.passages:
            match = re.match(r"^(\d{1,2}(?:\.\d{1,3}){1,2}) ", passage.text)
            if match and passage.kind == "paragraph":
                assert passage.paragraph_number == match.group(1), passage.text[:80]
                numbered += 1
    assert numbered > 500


def test_bullets_stay_with_their_paragraph(corpus_reviews: dict[str, Review],
                                           gold: dict[str, list[str]]) -> None:
    """Every gold paragraph that ends in a bullet list is one passage, list included."""
    with_lists = [(i, t) for i in IDS for t in gold[i] if "\n• " in t]
    assert len(with_lists) > 20
    for review_id, text in with_lists:
        review = corpus_reviews[review_id]
        if review.image_only_pages:
            continue
        assert normalise(text) in {normalise(p.text) for p in review.passages}, text[:80]


def test_table_rows_keep_their_column_names(
        corpus_reviews: dict[str, Review], corpus_sources: dict[str, tuple[dict, str]]) -> None:
    """Each source table row is a passage 'Date: … | Agency: … | Event: …' (no scans)."""
    expected = found = 0
    for review_id, (_, body) in corpus_sources.items():
        review = corpus_reviews[review_id]
        if review.image_only_pages:
            continue
        rows = {normalise(p.text) for p in review.passages if p.kind == "table-row"}
        for table in source_tables(body):
            header = table[0]
            for row in table[1:]:
                expected += 1
                text = " | ".join(f"{h}: {c}" for h, c in zip(header, row, strict=False) if c)
                found += normalise(text) in rows
    assert expected > 500
    assert found / expected >= 0.99


def test_landscape_pages_are_read(corpus_reviews: dict[str, Review],
                                  corpus_sources: dict[str, tuple[dict, str]]) -> None:
    """Reviews with a landscape chronology have table rows from their landscape pages."""
    landscape = [i for i, (f, _) in corpus_sources.items()
                 if (f.get("layout") or {}).get("landscape_chronology")]
    assert landscape
    for review_id in landscape:
        rows = [p for p in corpus_reviews[review_id].passages if p.kind == "table-row"]
        assert len(rows) >= 5, review_id


def test_footnotes_are_passages_of_their_own(
        corpus_reviews: dict[str, Review], corpus_sources: dict[str, tuple[dict, str]]) -> None:
    """Each footnote is a 'footnote' passage, and no other passage has a footnote glued in."""
    total = 0
    for review_id, (_, body) in corpus_sources.items():
        review = corpus_reviews[review_id]
        notes = {normalise(re.sub(r"^\d+\s+", "", p.text))
                 for p in review.passages if p.kind == "footnote"}
        for note in source_footnotes(body):
            total += 1
            key = normalise(re.sub(r"\*", "", note))
            assert key in notes or review.image_only_pages, (review_id, note[:60])
            for passage in review.passages:
                if passage.kind != "footnote":
                    assert key[:50] not in normalise(passage.text), (review_id, passage.id)
    assert total > 10


def test_two_column_summaries_read_in_order(
        corpus_reviews: dict[str, Review], corpus_sources: dict[str, tuple[dict, str]],
        gold: dict[str, list[str]]) -> None:
    """In reviews with a two-column summary, gold paragraphs come out in source order."""
    two_column = [i for i, (f, _) in corpus_sources.items()
                  if (f.get("layout") or {}).get("two_column_summary")]
    assert two_column
    for review_id in two_column:
        order = {normalise(p.text): n for n, p in enumerate(corpus_reviews[review_id].passages)}
        positions = [order[normalise(t)] for t in gold[review_id] if normalise(t) in order]
        assert positions == sorted(positions), review_id


def test_section_kinds(corpus_reviews: dict[str, Review]) -> None:
    """Reviews have the canonical sections their type leads us to expect."""
    for review_id, review in corpus_reviews.items():
        kinds = {s.kind for s in review.sections}
        if review_id.startswith("pfd-"):
            wanted = {"concerns", "action"}
            # A heading on a scanned page cannot be read without OCR.
            assert wanted <= kinds or (review.image_only_pages and wanted & kinds), review_id
        else:
            assert {"recommendations", "lessons", "findings"} & kinds, (review_id, kinds)
            assert len(kinds - {"other"}) >= 4, (review_id, kinds)
        assert sum(p.section_kind != "other" for p in review.passages) >= 0.85 * len(
            review.passages), review_id


def test_metadata_from_the_cover_matches_the_manifest(corpus_reviews: dict[str, Review]) -> None:
    """Type, year and board exactly; title and subject contain the manifest's words."""
    with open(CORPUS / "manifest.csv", newline="", encoding="utf-8") as fh:
        manifest = {row["id"]: row for row in csv.DictReader(fh)}
    for review_id, review in corpus_reviews.items():
        row = manifest[review_id]
        assert review.review_type == row["review_type"], review_id
        assert str(review.year) == row["year"], review_id
        assert review.board == row["board"], review_id
        for field in ("title", "subject"):
            want = row[field].split()
            got = getattr(review, field).split()
            assert all(w in got for w in want), (review_id, field, getattr(review, field))


def test_provenance(corpus_reviews: dict[str, Review]) -> None:
    """Every passage has pages within the review, a section, and a consistent char span."""
    for review in corpus_reviews.values():
        end = -1
        for passage in review.passages:
            assert 1 <= passage.page_start <= passage.page_end <= review.pages
            assert passage.char_end - passage.char_start == len(passage.text)
            assert passage.char_start > end
            end = passage.char_end


def test_pdfplumber_table_finder_agrees(tmp_path: Path) -> None:
    """The fast ruled-table finder gives the same rows as pdfplumber's on a chronology."""
    from scr_miner.ingest import review_from_pdf

    pdf = CORPUS / "pdfs" / "cspr-2022-wexcombe-child-p.pdf"
    fast = [p.text for p in review_from_pdf(pdf).passages if p.kind == "table-row"]
    slow = [p.text for p in review_from_pdf(pdf, table_finder="pdfplumber").passages
            if p.kind == "table-row"]
    assert len(fast) >= 10
    assert [normalise(t) for t in fast] == [normalise(t) for t in slow]
