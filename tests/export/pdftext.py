"""Helpers for export tests: read the cited PDF pages with pypdfium2 and compare text."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def letters(text: str) -> str:
    """Lower-case letters and digits only: hyphenation, spacing, quotes and ligatures vanish."""
    return re.sub(r"[^0-9a-z]", "", unicodedata.normalize("NFKC", text).lower())


def words(text: str) -> list[str]:
    """Normalised words of three letters or more."""
    return [w for w in re.findall(r"[0-9a-z]+", unicodedata.normalize("NFKC", text).lower())
            if len(w) >= 3]


def pdf_page_texts(pdf: Path, first: int = 1, last: int | None = None) -> list[str]:
    """Text of pages ``first``..``last`` (1-based, inclusive; to the end without ``last``) as
    pdfium extracts it."""
    doc = pdfium.PdfDocument(str(pdf))
    try:
        texts = []
        for number in range(first, (last or len(doc)) + 1):
            page = doc[number - 1]
            textpage = page.get_textpage()
            texts.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def resolve_link(pdf_link: str) -> tuple[Path, int]:
    """``pdfs/<file>.pdf#page=N`` → (path in the sample corpus, N)."""
    path, _, fragment = pdf_link.partition("#")
    match = re.fullmatch(r"page=(\d+)", fragment)
    assert match, f"no page in deep link {pdf_link!r}"
    return CORPUS / path, int(match.group(1))


def text_on_pages(text: str, pdf: Path, first: int, last: int) -> bool:
    """Whether ``text`` is printed on pages ``first``..``last``, starting on ``first``.

    Exact after normalisation for ordinary paragraphs; for table rows (cells joined by the
    ingester with labels) every word must appear on the pages instead.
    """
    pages = pdf_page_texts(pdf, first, last)
    opening = letters(" ".join(text.split()[:6]))
    if opening not in letters(pages[0]) and not set(words(text)[:6]) <= set(words(pages[0])):
        return False
    printed = letters("".join(pages))
    if letters(text) in printed:
        return True
    on_page = set(words(" ".join(pages)))
    wanted = words(text)
    return bool(wanted) and sum(w in on_page for w in wanted) / len(wanted) >= 0.95

