"""Tests for corpus/build.py: one small fictional review rendered in a temporary directory."""

from __future__ import annotations

import csv
import importlib.util
import itertools
import re
import sys
from pathlib import Path
from types import ModuleType

import pypdfium2 as pdfium
import pytest

ROOT = Path(__file__).resolve().parents[2]
HEADER = "Fixture LSCB – Child Z – Final report"
PROSE = (
    "the health visitor saw the family at home and wrote to the GP about the baby but nobody "
    "asked who else lived there or what the police knew about the man in the flat"
)
MARKER = "The nursery kept a note of every bruise on a form that nobody read"


def load_build() -> ModuleType:
    """Import corpus/build.py as a module (corpus/ is not a package), once."""
    if "corpus_build" in sys.modules:
        return sys.modules["corpus_build"]
    spec = importlib.util.spec_from_file_location("corpus_build", ROOT / "corpus" / "build.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = module
    spec.loader.exec_module(module)
    return module


def filler(seed: int, n_words: int = 70) -> str:
    """Deterministic filler prose of about n_words words."""
    words = PROSE.split()
    words = list(itertools.islice(itertools.cycle(words[seed % 7:] + words[: seed % 7]),
                                  n_words))
    return " ".join(words).capitalize() + "."


def fixture_source() -> str:
    """A fictional review exercising every layout option."""
    front = f"""---
id: scr-2015-fixture-child-z
title: "Serious Case Review: Child Z"
review_type: SCR
board: Fixture Local Safeguarding Children Board
area: Fixture
year: 2015
published: 2015-03-31
subject: Child Z
author: "A. Tester, Independent Reviewer"
layout:
  cover_block: true
  contents: true
  two_column_summary: true
  landscape_chronology: true
  scanned_page: true
  font: serif
  header: "{HEADER}"
---
"""
    body = ["# Executive summary", "", filler(99, 120), "", filler(98, 90), ""]
    body += ["# 1. Introduction", "", f"1.1 {MARKER}. {filler(1)}[^1]", ""]
    body += ["- Police held the history.", "- Nobody asked for it.", ""]
    body += ["| Date | Agency | Event |", "|---|---|---|"]
    body += [f"| 0{m}/2014 | Police | {filler(m, 12)} |" for m in range(1, 10)]
    for section in range(2, 7):
        body += ["", f"# {section}. Section {section}", "", "## A subheading", ""]
        body += [f"{section}.{n} {filler(section * 10 + n)}\n" for n in range(1, 7)]
    body += ["", "[^1]: A footnote that sits at the bottom of the page."]
    return front + "\n" + "\n".join(body) + "\n"


def page_texts(path: Path) -> list[str]:
    """The extracted text of every page."""
    doc = pdfium.PdfDocument(path)
    try:
        return [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    finally:
        doc.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Build the fixture review once; return (pdf path, manifest path)."""
    tmp = tmp_path_factory.mktemp("corpus")
    src = tmp / "src"
    src.mkdir()
    (src / "scr-2015-fixture-child-z.md").write_text(fixture_source(), encoding="utf-8")
    manifest = tmp / "manifest.csv"
    args = ["--src", str(src), "--out", str(tmp / "pdfs"), "--manifest", str(manifest)]
    assert load_build().main(args, report=lambda _: None) == 0
    return tmp / "pdfs" / "scr-2015-fixture-child-z.pdf", manifest


def test_has_several_pages(built: tuple[Path, Path]) -> None:
    """The fixture renders to more than one page."""
    assert len(page_texts(built[0])) > 1


def test_running_header_on_page_two(built: tuple[Path, Path]) -> None:
    """The running header is on page 2 but not on the cover."""
    texts = page_texts(built[0])
    assert HEADER in texts[1]
    assert HEADER not in texts[0]


def test_exactly_one_scanned_page_without_text(built: tuple[Path, Path]) -> None:
    """One page (not the cover or contents) has no text layer, only an image."""
    texts = page_texts(built[0])
    empty = [i for i, text in enumerate(texts) if not text.strip()]
    assert len(empty) == 1 and empty[0] >= 2
    doc = pdfium.PdfDocument(built[0])
    try:
        kinds = [obj.type for obj in doc[empty[0]].get_objects()]
    finally:
        doc.close()
    assert pdfium.raw.FPDF_PAGEOBJ_IMAGE in kinds


def test_numbered_paragraph_text_present(built: tuple[Path, Path]) -> None:
    """A numbered paragraph's number and text come through as text."""
    joined = re.sub(r"\s+", " ", " ".join(page_texts(built[0])).replace("\ufffe\r\n", ""))
    assert MARKER in joined
    assert re.search(r"1\.1\s+" + re.escape(MARKER[:20]), joined)


def test_contents_and_footnote(built: tuple[Path, Path]) -> None:
    """The contents page lists headings with page numbers; the footnote text is present."""
    texts = page_texts(built[0])
    assert re.search(r"1\. Introduction \.{3,} ?\d+", texts[1])
    assert "A footnote that sits at the bottom of the page." in " ".join(texts)


def test_manifest_row(built: tuple[Path, Path]) -> None:
    """The manifest has the expected columns and page count."""
    with open(built[1], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    row = rows[0]
    assert row["file"] == "pdfs/scr-2015-fixture-child-z.pdf"
    assert row["licence"] == "CC0-1.0 (fictional sample)"
    assert int(row["pages"]) == len(page_texts(built[0]))
    assert row["review_type"] == "SCR" and row["year"] == "2015"


def test_deterministic(built: tuple[Path, Path], tmp_path: Path) -> None:
    """Rendering the same source twice gives byte-identical PDFs."""
    build = load_build()
    review = build.parse_review(fixture_source())
    assert build.build_pdf(review) == built[0].read_bytes()


def test_no_committed_pdf_is_a_shared_real_document(real_pdfs: list[Path]) -> None:
    """The sample PDFs named pfd-* are our own coroner-style fiction rendered from
    corpus/src/*.md; the real reports in ../shared are read in place, never copied in."""
    import hashlib

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    shared = {digest(p) for p in real_pdfs}
    committed = sorted((ROOT / "corpus" / "pdfs").glob("*.pdf"))
    assert shared and committed
    assert not [p.name for p in committed if digest(p) in shared]
    sources = {p.stem for p in (ROOT / "corpus" / "src").glob("*.md")}
    assert {p.stem for p in committed} <= sources  # every PDF has its fictional source
