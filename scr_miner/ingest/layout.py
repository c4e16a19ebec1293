"""Page furniture: running headers, footers and page numbers, found by position and repetition."""

from __future__ import annotations

import re
from collections import Counter

from scr_miner.ingest.pdf import Line, Page

MARGIN_FRACTION = 0.09  # top and bottom 9% of the page is where running heads live
PAGE_NUMBER = re.compile(
    r"^(page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(\s*(of|/)\s*\d{1,4})?$|^[ivxlc]{1,6}$", re.I
)


def _furniture_key(text: str) -> str:
    """Normalise a margin line so that 'Page 3 of 12' and 'Page 4 of 12' compare equal."""
    return re.sub(r"\d+", "#", text.lower()).strip()


def _in_margin(line: Line, page: Page) -> bool:
    return line.bottom < page.height * MARGIN_FRACTION or line.top > page.height * (
        1 - MARGIN_FRACTION
    )


def furniture_keys(pages: list[Page]) -> set[str]:
    """Margin texts repeated on enough pages to be running headers or footers."""
    text_pages = [p for p in pages if p.lines]
    if len(text_pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for page in text_pages:
        counts.update({_furniture_key(ln.text) for ln in page.lines if _in_margin(ln, page)})
    needed = max(2, int(0.3 * len(text_pages)))
    return {key for key, n in counts.items() if n >= needed}


def remove_furniture(pages: list[Page]) -> int:
    """Drop running headers, footers and page numbers from every page; return lines removed."""
    repeated = furniture_keys(pages)
    removed = 0
    for page in pages:
        kept = []
        for line in page.lines:
            in_margin = _in_margin(line, page)
            if in_margin and (
                _furniture_key(line.text) in repeated or PAGE_NUMBER.match(line.text.strip())
            ):
                removed += 1
                continue
            kept.append(line)
        page.lines = kept
    return removed


def remove_table_lines(page: Page) -> None:
    """Drop lines that sit inside a data table: the table becomes passages of its own."""
    if not page.tables:
        return

    def inside(line: Line) -> bool:
        cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
        return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in (
            t.bbox for t in page.tables
        ))

    page.lines = [ln for ln in page.lines if not inside(ln)]
