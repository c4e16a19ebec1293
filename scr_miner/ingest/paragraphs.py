"""Lines to blocks: paragraphs, lists and headings, with wrapped lines joined and hyphens undone."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass

from scr_miner.ingest.pdf import Line, Page

PARA_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,2}|\(\d{1,2}\)|\d{1,2}\.(?=\s))\.?\s+(?=\S)")
BULLET = re.compile(r"^[•●▪◦·‣∙○■\-–—*]\s+|^o\s+(?=[A-Z])")
NUMBERED_HEADING = re.compile(
    r"^(\d{1,2}(\.\d{1,2})?\.?|[A-Z]\.|Part\s+\w+[:.]?|Appendix\s+\w+[:.]?|Annex\s+\w+[:.]?"
    r"|Section\s+\w+[:.]?|Finding\s+\d+[:.]?)\s+\S",
    re.I,
)
DOT_LEADER = re.compile(r"(\.\s?){4,}\s*\d+\s*$|\s{3,}\d{1,3}\s*$")
TERMINAL = tuple(".!?:;\"”’)")
KEEP_HYPHEN_PREFIXES = {
    "multi", "inter", "non", "pre", "post", "co", "self", "well", "cross", "sub", "under",
    "over", "ex", "long", "short", "high", "low", "re", "anti", "semi", "step", "half",
    "follow", "face", "child", "young", "health", "care", "out", "one", "two", "three",
}


@dataclass
class Block:
    """A run of lines read as one unit: a paragraph, a list, or a heading."""

    text: str
    page_start: int
    page_end: int
    size: float
    kind: str = "paragraph"  # paragraph | list | heading
    number: str | None = None


def body_size(pages: list[Page]) -> float:
    """The commonest line height: the body text size."""
    sizes = Counter(round(ln.size * 2) / 2 for p in pages for ln in p.lines)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines, undoing end-of-line hyphenation but keeping real compounds."""
    text = ""
    for line in lines:
        line = line.strip()
        if not text:
            text = line
            continue
        match = re.search(r"(\w+)-$", text)
        if match and line[:1].islower():
            head = match.group(1).lower()
            text = text + line if head in KEEP_HYPHEN_PREFIXES else text[:-1] + line
        else:
            text = f"{text} {line}"
    return text


def _line_step(page: Page) -> float:
    """Typical distance between the tops of consecutive lines on a page."""
    steps = [
        b.top - a.top
        for a, b in zip(page.lines, page.lines[1:], strict=False)
        if 0 < b.top - a.top < 3 * max(a.size, 1)
    ]
    return statistics.median(steps) if steps else 14.0


def _looks_like_heading(text: str, size: float, body: float) -> bool:
    words = text.split()
    if not words or len(words) > 14 or text.endswith((".", ",", ";")) and not words[0][-1] == ".":
        return False
    if PARA_NUMBER.match(text) and re.match(r"^\d+\.\d+", text):
        return False  # "4.12 The ..." is a numbered paragraph, not a heading
    if size >= body + 1.0:
        return True
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return True
    return bool(NUMBERED_HEADING.match(text)) and len(words) <= 10 and text[-1:] not in ".;,"


def _starts_new_block(prev: Line, line: Line, step: float) -> bool:
    gap = line.top - prev.top
    if gap > step * 1.45 or gap < 0:
        return True
    if abs(line.size - prev.size) > 1.0:
        return True
    if BULLET.match(line.text) or (
        PARA_NUMBER.match(line.text) and prev.text.rstrip().endswith(TERMINAL)
    ):
        return True
    return line.x0 < prev.x0 - 30  # a line further left than the last starts something new


def blocks_from_pages(pages: list[Page]) -> list[Block]:
    """Assemble the text of all pages into blocks in reading order."""
    body = body_size(pages)
    blocks: list[Block] = []
    current: list[Line] = []
    current_pages: list[int] = []

    def flush() -> None:
        if current:
            blocks.append(_make_block(current, current_pages, body))
        current.clear()
        current_pages.clear()

    for page in pages:
        step = _line_step(page)
        for i, line in enumerate(page.lines):
            if DOT_LEADER.search(line.text):
                continue  # contents-page entry
            if current:
                prev = current[-1]
                if i == 0:
                    if not _continues_over_page(prev, line, body):
                        flush()
                elif _starts_new_block(prev, line, step) or _looks_like_heading(
                    prev.text, prev.size, body
                ) and len(current) == 1:
                    flush()
            current.append(line)
            current_pages.append(page.number)
    flush()
    return _merge_lists(blocks)


def _continues_over_page(prev: Line, line: Line, body: float) -> bool:
    """A paragraph runs on over a page break when it had not ended and nothing new starts."""
    return (
        not prev.text.rstrip().endswith(TERMINAL[:3])
        and not PARA_NUMBER.match(line.text)
        and not BULLET.match(line.text)
        and abs(line.size - prev.size) <= 1.0
        and not _looks_like_heading(line.text, line.size, body)
    )


def _make_block(lines: list[Line], pages: list[int], body: float) -> Block:
    text = join_lines([ln.text for ln in lines])
    size = statistics.median(ln.size for ln in lines)
    kind = "paragraph"
    if len(lines) <= 2 and _looks_like_heading(text, size, body):
        kind = "heading"
    elif BULLET.match(text):
        kind = "list"
    number = None
    match = PARA_NUMBER.match(text)
    if match and kind == "paragraph":
        number = match.group(1).strip("().")
    return Block(text, pages[0], pages[-1], size, kind, number)


def _merge_lists(blocks: list[Block]) -> list[Block]:
    """Keep a bullet list together, and with the paragraph that introduces it."""
    merged: list[Block] = []
    for block in blocks:
        prev = merged[-1] if merged else None
        if (
            block.kind == "list"
            and prev is not None
            and (prev.kind == "list" or (prev.kind == "paragraph" and prev.text.endswith(":")))
        ):
            prev.text = f"{prev.text}\n{block.text}"
            prev.page_end = block.page_end
            if prev.kind == "paragraph":
                prev.kind = "paragraph"
            continue
        merged.append(block)
    return merged
