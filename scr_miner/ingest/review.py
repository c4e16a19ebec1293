"""One PDF file to one ``Review``: pages → blocks → sections and passages, with metadata."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

from scr_miner.hashing import file_sha256 as sha256_of
from scr_miner.ingest.layout import remove_furniture, remove_table_lines
from scr_miner.ingest.metadata import metadata_from_cover
from scr_miner.ingest.paragraphs import Block, blocks_from_pages
from scr_miner.ingest.pdf import SOFT_HYPHEN, Page, plumber_tables, read_pages
from scr_miner.ingest.sections import clean_heading, heading_level, section_kind
from scr_miner.records import Passage, Review, Section

COVER_MAX_WORDS = 150  # a first page with fewer words is a cover: metadata, not passages
MIN_PASSAGE_WORDS = 4
NUMBERED_SECTION = re.compile(r"^\d{1,2}\.?\s+[A-Z]")


def review_id_for(path: Path) -> str:
    """A stable, URL-safe review id from the file name."""
    stem = unicodedata.normalize("NFKD", path.stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")
    return slug or "review-" + hashlib.sha1(path.name.encode()).hexdigest()[:8]


def _table_blocks(page: Page) -> list[Block]:
    """Each data-table row becomes a block that keeps its columns ('Date: … | Event: …')."""
    blocks = []
    for table in page.tables:
        header = table.rows[0]
        for row in table.rows[1:]:
            if row == header:
                continue  # header repeated on a continuation page
            cells = [
                f"{h}: {c}" if h else c
                for h, c in zip(header, row, strict=False)
                if c
            ]
            if cells:
                blocks.append(Block(" | ".join(cells), page.number, page.number, 0, "table-row"))
    return blocks


def _is_data_table(rows: list[list[str]]) -> bool:
    """Ruled boxes that merely frame prose (coroners' forms) are layout, not data."""
    columns = max(len(r) for r in rows)
    longest = max(len(c.split()) for r in rows for c in r)
    return columns >= 3 or longest < 30


def _cover_lines(pages: list[Page]) -> tuple[list[str], list[float]]:
    """Texts and font sizes of the first lines of the first two pages."""
    lines = [ln for p in pages[:2] for ln in p.lines][:80]
    return [ln.text for ln in lines], [ln.size for ln in lines]


def _has_cover(pages: list[Page]) -> bool:
    """A short first page is a cover, unless it already opens numbered sections (a coroner's
    form starts '1 CORONER' on its first page)."""
    words = sum(len(ln.text.split()) for ln in pages[0].lines)
    opens_sections = any(
        NUMBERED_SECTION.match(ln.text) and section_kind(ln.text) != "other"
        for ln in pages[0].lines
    )
    return len(pages) > 1 and words < COVER_MAX_WORDS and not opens_sections


def _interleave_tables(blocks: list[Block], pages: list[Page]) -> list[Block]:
    """Place each page's table rows after the text blocks that end on or before that page."""
    extra = {p.number: _table_blocks(p) for p in pages if p.tables}
    if not extra:
        return blocks
    result: list[Block] = []
    pending = sorted(extra)
    for block in blocks:
        while pending and pending[0] < block.page_start:
            result.extend(extra[pending.pop(0)])
        result.append(block)
    for number in pending:
        result.extend(extra[number])
    return result


def review_from_pdf(
    path: Path,
    manifest_row: dict[str, str] | None = None,
    max_pages: int = 5000,
    table_finder: str = "rules",
) -> Review:
    """Read one PDF into a ``Review``. Raises ``PdfReadError`` for files that cannot be read.

    ``table_finder`` is "rules" (pdfium path objects, fast) or "pdfplumber" (slow, general).
    """
    path = Path(path)
    pages = read_pages(path, max_pages=max_pages)
    if table_finder == "pdfplumber":
        plumber_tables(path, pages)
    for page in pages:
        page.tables = [t for t in page.tables if _is_data_table(t.rows)]
        remove_table_lines(page)
    remove_furniture(pages)

    cover, sizes = _cover_lines(pages)
    body_text = "\n".join(ln.text for p in pages for ln in p.lines).replace(SOFT_HYPHEN + "\n", "")
    meta = metadata_from_cover(cover, path.name, sizes, body_text)
    review = Review(
        id=review_id_for(path),
        sha256=sha256_of(path),
        file=str(path),
        pages=len(pages),
        image_only_pages=[p.number for p in pages if p.image_only],
    )
    _apply_metadata(review, meta, manifest_row)
    body = pages[1:] if _has_cover(pages) else pages
    blocks = _interleave_tables(blocks_from_pages(body), body)
    _fill_sections_and_passages(review, blocks)
    if review.image_only_pages:
        review.warnings.append(
            f"{len(review.image_only_pages)} image-only page(s) without text: "
            f"{review.image_only_pages}"
        )
    return review


def _apply_metadata(
    review: Review, meta: dict[str, object], manifest_row: dict[str, str] | None
) -> None:
    for key in ("title", "review_type", "board", "published_date", "subject", "author"):
        if meta.get(key):
            setattr(review, key, str(meta[key]))
    review.year = meta.get("year")  # type: ignore[assignment]
    if not manifest_row:
        return
    for key in ("title", "review_type", "board", "area", "subject", "author"):
        if manifest_row.get(key):
            setattr(review, key, manifest_row[key])
    if manifest_row.get("year"):
        review.year = int(manifest_row["year"])
    if manifest_row.get("published"):
        review.published_date = manifest_row["published"]


def _fill_sections_and_passages(review: Review, blocks: list[Block]) -> None:
    heading_sizes = sorted({round(b.size) for b in blocks if b.kind == "heading"}, reverse=True)
    stack: list[Section] = []
    offset = 0
    for block in blocks:
        if block.kind == "heading":
            level = heading_level(block, [float(s) for s in heading_sizes])
            while stack and stack[-1].level >= level:
                stack.pop()
            title = clean_heading(block.text)
            kind = section_kind(title)
            if kind == "other" and stack:
                kind = stack[-1].kind
            section = Section(
                id=f"{review.id}:s{len(review.sections) + 1:03d}",
                title=title,
                level=level,
                kind=kind,
                page=block.page_start,
                parent_id=stack[-1].id if stack else None,
            )
            review.sections.append(section)
            stack.append(section)
            continue
        if len(block.text.split()) < MIN_PASSAGE_WORDS:
            continue
        current = stack[-1] if stack else None
        review.passages.append(
            Passage(
                id=f"{review.id}:p{len(review.passages) + 1:04d}",
                text=block.text,
                page_start=block.page_start,
                page_end=block.page_end,
                section_id=current.id if current else None,
                section_kind=current.kind if current else "other",
                paragraph_number=block.number,
                char_start=offset,
                char_end=offset + len(block.text),
                kind=block.kind,
            )
        )
        offset += len(block.text) + 2  # passages are separated by a blank line
