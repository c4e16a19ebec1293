"""Render the fictional sample corpus (corpus/src/*.md) to realistic PDFs, plus a manifest.

Usage: python corpus/build.py [--only ID] [--src DIR] [--out DIR] [--manifest FILE]

Each review is a Markdown file with YAML front matter (see corpus/FORMAT.md). The PDFs are
made to look like published reviews, including their messiness: cover pages, contents pages
with dotted leaders, running headers and footers, hanging paragraph numbers, bordered tables
that repeat their header row, landscape chronologies, two-column summaries, footnotes, the odd
manually hyphenated word, and a page that exists only as a scanned image. The build is
deterministic: the same source gives byte-identical PDFs.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import yaml
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace
from fpdf.line_break import Fragment
from fpdf.outline import OutlineSection
from PIL import Image, ImageFilter

CORPUS = Path(__file__).resolve().parent
LICENCE = "CC0-1.0 (fictional sample)"
MANIFEST_FIELDS = [
    "id", "title", "review_type", "board", "area", "year", "subject", "pages", "file", "licence",
]
REVIEW_TYPES = {
    "SCR": "Serious Case Review",
    "CSPR": "Child Safeguarding Practice Review",
    "SAR": "Safeguarding Adults Review",
    "DHR": "Domestic Homicide Review",
    "PFD": "Regulation 28 Report to Prevent Future Deaths",
}
MPL_SPEC = importlib.util.find_spec("matplotlib")
FONT_DIR = Path(MPL_SPEC.origin or "").parent / "mpl-data" / "fonts" / "ttf" if MPL_SPEC else Path()
FONT_FILES: dict[str, tuple[str, str, str]] = {
    "dejavu-serif": ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"),
    "stix": ("STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf"),
    "dejavu-sans": ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
    "dejavu-mono": (
        "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    ),
}
# Control characters used inside rendered strings for inline styling.
SUP_ON, SUP_OFF, BOLD, ITALIC = "\x02", "\x03", "\x04", "\x05"
INLINE_MARKS = re.compile("([\x02\x03\x04\x05])")
SOFT_HYPHEN = "\u00ad"
PARA_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,3})\.?\s+(\S.*)$")
HEADING_NUMBER = re.compile(r"^((?:\d{1,2}\.)*\d{1,2}\.?)\s+(\S.*)$")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]]+)\]:\s*(.*)$")
FOOTNOTE_REF = re.compile(r"\[\^([^\]]+)\]")
VOWELS = set("aeiouy")
MM_PER_PT = 25.4 / 72


# --------------------------------------------------------------------------- source model


@dataclass
class Block:
    """One unit of body content: heading, paragraph, bullet list, table or title block."""

    kind: str  # heading | para | bullets | table | title
    text: str = ""
    level: int = 0
    number: str | None = None
    items: list[tuple[int, str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


@dataclass
class Review:
    """A parsed source review: front matter, body blocks and numbered footnotes."""

    meta: dict[str, Any]
    blocks: list[Block]
    notes: dict[int, str]

    @property
    def rid(self) -> str:
        """The review id."""
        return str(self.meta["id"])

    @property
    def layout(self) -> dict[str, Any]:
        """The layout options from the front matter."""
        return dict(self.meta.get("layout") or {})

    @property
    def is_pfd(self) -> bool:
        """Whether this is a coroner's Prevention of Future Deaths report."""
        return str(self.meta.get("review_type", "")).upper() == "PFD"


@dataclass
class Style:
    """House style of one review, varied deterministically by a hash of its id."""

    fonts: str
    size: float
    align: str
    hang_numbers: bool
    footer: str
    header_align: str
    header_rule: bool
    heading_rgb: tuple[int, int, int]
    h1_new_page: bool
    hyphenate: bool
    toc_depth: int
    margin: float
    cover_date: str
    block_date: str

    @property
    def line_h(self) -> float:
        """Body line height in mm (1.35 x font size)."""
        return self.size * 1.35 * MM_PER_PT


def pick(rid: str, name: str, n: int) -> int:
    """A deterministic choice in range(n) for review `rid` and aspect `name`."""
    digest = hashlib.sha256(f"{rid}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % n


def font_set(rid: str, font: str) -> str:
    """Map the front matter's font wish to one of the bundled TTF families."""
    font = font.lower()
    if font.startswith("mono"):
        return "dejavu-mono"
    if font.startswith("sans"):
        return "dejavu-sans"
    return ("dejavu-serif", "stix")[pick(rid, "serif", 2)]


def style_for(review: Review) -> Style:
    """Derive the house style of a review from its id and layout options."""
    rid = review.rid
    return Style(
        fonts=font_set(rid, str(review.layout.get("font", "serif"))),
        size=(10.5, 11.0, 11.5)[pick(rid, "size", 3)],
        align=("J", "L")[pick(rid, "align", 2)],
        hang_numbers=pick(rid, "hang", 2) == 0,
        footer=("page_of", "plain", "page", "dash")[pick(rid, "footer", 4)],
        header_align=("L", "C", "R")[pick(rid, "header", 3)],
        header_rule=pick(rid, "rule", 2) == 0,
        heading_rgb=((0, 0, 0), (31, 56, 100), (0, 84, 122))[pick(rid, "colour", 3)],
        h1_new_page=pick(rid, "newpage", 4) == 0,
        hyphenate=pick(rid, "hyphenate", 3) != 0,
        toc_depth=(1, 2)[pick(rid, "tocdepth", 2)],
        margin=(22.0, 25.0, 25.0)[pick(rid, "margin", 3)],
        cover_date=("%B %Y", "%-d %B %Y")[pick(rid, "coverdate", 2)],
        block_date=("%d/%m/%Y", "%-d %B %Y", "%Y-%m-%d")[pick(rid, "blockdate", 3)],
    )


# --------------------------------------------------------------------------- parsing


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Split a source file into its YAML front matter and Markdown body."""
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n(.*)$", text, re.S)
    if not match:
        raise ValueError("missing YAML front matter")
    return yaml.safe_load(match.group(1)) or {}, match.group(2)


def parse_table(lines: list[str]) -> list[list[str]]:
    """Parse pipe-table lines into rows of cells, dropping the separator row."""
    rows = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        rows.append(cells)
    return rows


def line_kind(line: str) -> str:
    """Classify one body line: blank, heading, bullet, table, note or text."""
    stripped = line.strip()
    if not stripped:
        return "blank"
    if re.match(r"^#{1,3}\s", stripped):
        return "heading"
    if re.match(r"^[-*]\s+", stripped):
        return "bullet"
    if stripped.startswith("|"):
        return "table"
    if FOOTNOTE_DEF.match(stripped):
        return "note"
    return "text"


def group_lines(body: str) -> Iterator[tuple[str, list[str]]]:
    """Group consecutive body lines of the same kind (headings and notes stay single)."""
    kind, group = "blank", []
    for line in body.splitlines():
        new_kind = line_kind(line)
        starts_para = new_kind == "text" and PARA_NUMBER.match(line.strip())
        single = new_kind in ("heading", "note") or starts_para
        if new_kind != kind or single:
            if group and kind != "blank":
                yield kind, group
            kind, group = new_kind, []
        group.append(line)
    if group and kind != "blank":
        yield kind, group


def make_block(kind: str, lines: list[str]) -> Block:
    """Turn one group of lines into a Block."""
    if kind == "heading":
        hashes, text = lines[0].strip().split(None, 1)
        return Block("heading", text=text.strip(), level=len(hashes))
    if kind == "bullet":
        items = []
        for line in lines:
            indent = (len(line) - len(line.lstrip())) // 2
            items.append((min(indent, 2), re.sub(r"^\s*[-*]\s+", "", line).strip()))
        return Block("bullets", items=items)
    if kind == "table":
        return Block("table", rows=parse_table(lines))
    text = " ".join(line.strip() for line in lines)
    match = PARA_NUMBER.match(text)
    if match:
        return Block("para", text=match.group(2), number=match.group(1))
    return Block("para", text=text)


def is_title_heading(block: Block, meta: dict[str, Any]) -> bool:
    """Whether a first, unnumbered heading is the report's own title rather than a section."""
    text = block.text.lower()
    if block.level != 1 or HEADING_NUMBER.match(block.text) or "summary" in text:
        return False
    subject = str(meta.get("subject", "")).lower()
    return any(word in text for word in ("review", "report", "regulation 28")) or (
        bool(subject) and subject in text
    )


def fold_title_block(blocks: list[Block], meta: dict[str, Any]) -> list[Block]:
    """Merge a leading title heading and its short lines into one 'title' block."""
    if not blocks or blocks[0].kind != "heading" or not is_title_heading(blocks[0], meta):
        return blocks
    end = 1
    while end < len(blocks) and blocks[end].kind == "para" and not blocks[end].number:
        end += 1
    title = Block("title", text=blocks[0].text, lines=[b.text for b in blocks[1:end]])
    return [title, *blocks[end:]]


def number_footnotes(blocks: list[Block], defs: dict[str, str]) -> dict[int, str]:
    """Replace [^label] references with superscript numbers in citation order."""
    numbers: dict[str, int] = {}

    def sub(match: re.Match[str]) -> str:
        label = match.group(1)
        if label not in defs:
            return ""
        numbers.setdefault(label, len(numbers) + 1)
        return f"{SUP_ON}{numbers[label]}{SUP_OFF}"

    for block in blocks:
        block.text = FOOTNOTE_REF.sub(sub, block.text)
        block.items = [(lvl, FOOTNOTE_REF.sub(sub, t)) for lvl, t in block.items]
        block.rows = [[FOOTNOTE_REF.sub(sub, c) for c in row] for row in block.rows]
        block.lines = [FOOTNOTE_REF.sub(sub, t) for t in block.lines]
    return {n: FOOTNOTE_REF.sub("", defs[label]) for label, n in numbers.items()}


def parse_review(text: str) -> Review:
    """Parse a source file into a Review."""
    meta, body = split_front_matter(text)
    blocks, defs = [], {}
    for kind, lines in group_lines(body):
        if kind == "note":
            match = FOOTNOTE_DEF.match(lines[0].strip())
            assert match
            defs[match.group(1)] = match.group(2).strip()
        else:
            blocks.append(make_block(kind, lines))
    blocks = fold_title_block(blocks, meta)
    notes = number_footnotes(blocks, defs)
    return Review(meta=meta, blocks=blocks, notes=notes)


# --------------------------------------------------------------------------- inline text


def inline(text: str) -> str:
    """Convert Markdown emphasis to the control characters the renderer understands."""
    text = re.sub(r"\*\*(.+?)\*\*", lambda m: f"{BOLD}{m.group(1)}{BOLD}", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])",
                  lambda m: f"{ITALIC}{m.group(1)}{ITALIC}", text)
    return re.sub(r"(?<![\w])_(?!\s)(.+?)(?<!\s)_(?![\w])",
                  lambda m: f"{ITALIC}{m.group(1)}{ITALIC}", text)


def plain(text: str) -> str:
    """Strip Markdown emphasis and control characters, for headings and the outline."""
    text = inline(text)
    text = re.sub(f"{SUP_ON}.*?{SUP_OFF}", "", text)
    return INLINE_MARKS.sub("", text)


def break_point(word: str) -> int:
    """A plausible hyphenation point in a long word (0 if none): V-CV or VC-CV."""
    low, best = word.lower(), 0
    for i in range(4, len(word) - 4):
        prev2, prev, cur, nxt = low[i - 2], low[i - 1], low[i], low[i + 1]
        v_cv = prev in VOWELS and cur not in VOWELS and nxt in VOWELS
        vc_cv = (prev2 in VOWELS and prev not in VOWELS and cur not in VOWELS
                 and nxt in VOWELS and low[i - 1:i + 1] not in ("th", "ch", "sh", "ph", "ck"))
        if (v_cv or vc_cv) and abs(i - len(word) / 2) < abs(best - len(word) / 2):
            best = i
    return best


def soft_hyphenate(text: str, rid: str) -> str:
    """Give some long words a soft hyphen, so that they break across line ends like in Word."""

    def sub(match: re.Match[str]) -> str:
        word = match.group(0)
        if pick(rid, word, 3) == 0:
            return word
        cut = break_point(word)
        return f"{word[:cut]}{SOFT_HYPHEN}{word[cut:]}" if cut else word

    return re.sub(r"(?<![\w\u00ad])[A-Za-z]{11,}(?![\w\u00ad])", sub, text)


def note_numbers(text: str) -> list[int]:
    """The footnote numbers cited in a rendered string."""
    return [int(n) for n in re.findall(f"{SUP_ON}(\\d+){SUP_OFF}", text)]


def block_notes(block: Block) -> list[int]:
    """The footnote numbers cited anywhere in a block."""
    texts = [block.text, *(t for _, t in block.items), *(c for r in block.rows for c in r),
             *block.lines]
    return [n for t in texts for n in note_numbers(t)]


def heading_parts(text: str) -> tuple[str | None, str]:
    """Split '4. Analysis' into ('4.', 'Analysis'); unnumbered headings give (None, text)."""
    match = HEADING_NUMBER.match(text)
    return (match.group(1), match.group(2)) if match else (None, text)


def format_date(value: Any, fmt: str) -> str:
    """Format the front matter's publication date (a date or an ISO string)."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        value = date.fromisoformat(str(value))
    return value.strftime(fmt)


def creation_date(meta: dict[str, Any]) -> datetime:
    """A fixed creation timestamp derived from the publication date."""
    day = date.fromisoformat(format_date(meta.get("published") or f"{meta['year']}-01-01",
                                         "%Y-%m-%d"))
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def board_label(board: str) -> str:
    """The label a repository cover block uses for the commissioning body."""
    if "Local Safeguarding Children Board" in board:
        return "LSCB"
    if "Partnership" in board:
        return "Partnership"
    return "Board"


# --------------------------------------------------------------------------- the PDF class


class ReviewPDF(FPDF):
    """An FPDF with running heads, page-bottom footnotes, superscripts and a scan-page hook."""

    def __init__(self, review: Review, style: Style, suppress_page: int = 0) -> None:
        """Set up page geometry, fonts and metadata for one review."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self.review, self.style = review, style
        self.suppress_page = suppress_page
        self.no_furniture: set[int] = set()
        self.page_notes: dict[int, list[int]] = {}
        self.placed_notes: set[int] = set()
        self.body_start = 1
        self.pending_portrait = False
        self.set_margins(style.margin, 30, style.margin)
        self.set_auto_page_break(True, 27)
        self.c_margin = 0
        self.load_fonts()
        self.set_metadata()

    # ----- setup

    def load_fonts(self) -> None:
        """Register the body family (regular, bold, italic); STIX also gets a DejaVu fallback
        for the few glyphs it lacks. Bold italic is left out: parsing a TTF is slow."""
        files = FONT_FILES[self.style.fonts]
        for style, name in zip(("", "B", "I"), files, strict=True):
            self.add_font("Body", style, str(FONT_DIR / name))
        if self.style.fonts == "stix":
            self.add_font("Fallback", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.set_fallback_fonts(["Fallback"], exact_match=False)
        self.set_font("Body", size=self.style.size)

    def set_metadata(self) -> None:
        """Set title, author, subject, keywords and a fixed creation date."""
        meta = self.review.meta
        self.set_title(str(meta.get("title", "")))
        self.set_author(str(meta.get("author", meta.get("board", ""))))
        self.set_subject(str(meta.get("subject", "")))
        self.set_keywords(f"{meta.get('review_type', '')}, {meta.get('board', '')}")
        self.set_creator("Microsoft Word" if pick(self.review.rid, "creator", 2) else "Writer")
        self.set_creation_date(creation_date(meta))

    # ----- geometry

    @property
    def portrait(self) -> bool:
        """Whether the current page is portrait."""
        return self.h > self.w

    def base_bottom(self) -> float:
        """The bottom margin without any footnotes."""
        return 27.0 if self.portrait else 20.0

    def text_top(self) -> float:
        """Where body text starts below the running header."""
        return 30.0 if self.portrait else 24.0

    @property
    def line_h(self) -> float:
        """The body line height in mm."""
        return self.style.line_h

    def room_left(self) -> float:
        """Vertical space left on the page before a page break."""
        return self.page_break_trigger - self.y

    def ensure_space(self, height: float) -> None:
        """Start a new page unless `height` mm still fit on this one."""
        if self.pending_portrait:
            self.pending_portrait = False
            self.add_page(orientation="P")
        elif height > self.room_left():
            self.add_page(same=True)

    @contextmanager
    def font(self, style: str = "", size: float | None = None) -> Iterator[None]:
        """Temporarily switch the body family's style and size."""
        old = (self.font_style, self.font_size_pt)
        self.set_font("Body", style, size or self.style.size)
        try:
            yield
        finally:
            self.set_font("Body", old[0], old[1])

    # ----- inline styling hooks

    def _out(self, s: str | bytes) -> None:
        """Drop all drawing on the page that will be replaced by a scanned image."""
        if self.suppress_page and self.page == self.suppress_page:
            return
        super()._out(s)

    def _preload_font_styles(
        self, text: str | None, markdown: bool, _initial_emphasis: Any = None
    ) -> Sequence[Fragment]:
        """Split text on the control characters into bold, italic and superscript fragments."""
        if not text or not INLINE_MARKS.search(text):
            return super()._preload_font_styles(text, markdown, _initial_emphasis)
        frags: list[Fragment] = []
        base_style, bold, italic, sup = self.font_style, "B" in self.font_style, False, False
        for part in INLINE_MARKS.split(text):
            if part in (SUP_ON, SUP_OFF):
                sup = part == SUP_ON
            elif part == BOLD:
                bold = not bold
            elif part == ITALIC:
                italic = not italic
            elif part:
                frags.extend(self.styled_fragments(part, bold, italic, sup))
        self.quiet_set_font(base_style)
        return tuple(frags)

    def styled_fragments(
        self, text: str, bold: bool, italic: bool, sup: bool
    ) -> Sequence[Fragment]:
        """Fragments for one run of text in the given emphasis and vertical position."""
        self.quiet_set_font("B" if bold else "I" if italic else "")
        self.char_vpos = "SUP" if sup else "LINE"
        try:
            return super()._preload_font_styles(text, False)
        finally:
            self.char_vpos = "LINE"

    def quiet_set_font(self, style: str) -> None:
        """Change font style without writing anything to the page content stream."""
        page, self.page = self.page, 0
        try:
            self.set_font("Body", style, self.font_size_pt)
        finally:
            self.page = page

    # ----- running heads and footnotes

    def header(self) -> None:
        """Reset margins for the new page and draw the running header (not on the cover)."""
        self.set_top_margin(self.text_top())
        self.set_auto_page_break(True, self.base_bottom())
        if self.page not in self.no_furniture:
            self.draw_running_header()
        self.set_y(self.text_top())

    def draw_running_header(self) -> None:
        """The header text in small grey type, with an optional rule below it."""
        text = str(self.review.layout.get("header") or self.review.meta.get("title", ""))
        left, width = self.style.margin, self.w - 2 * self.style.margin
        self.set_font("Body", "I" if self.style.header_rule else "", 8)
        self.set_text_color(90)
        self.set_xy(left, 11)
        self.cell(width, 4, text, align=self.style.header_align)
        if self.style.header_rule:
            self.set_draw_color(150)
            self.line(left, 16.5, left + width, 16.5)
        self.set_text_color(0)
        self.set_draw_color(0)

    def footer(self) -> None:
        """Draw this page's footnotes, then the page number (not on the cover)."""
        self.set_auto_page_break(False)
        self.draw_page_notes()
        if self.page not in self.no_furniture:
            self.draw_page_number()

    def page_label(self) -> str:
        """The footer text for this page, in the review's style."""
        n = self.page_no()
        return {
            "page_of": f"Page {n} of {{nb}}",
            "plain": str(n),
            "page": f"Page {n}",
            "dash": f"- {n} -",
        }[self.style.footer]

    def draw_page_number(self) -> None:
        """The page number line near the bottom edge."""
        align = "R" if self.style.footer == "page_of" and self.style.header_align == "L" else "C"
        self.set_font("Body", "", 9)
        self.set_xy(self.style.margin, self.h - 12)
        self.cell(self.w - 2 * self.style.margin, 4, self.page_label(), align=align)

    def note_lines_height(self, numbers: list[int]) -> float:
        """Height in mm that the given footnotes take at the page bottom."""
        if not numbers:
            return 0.0
        total = 0.0
        with self.font("", self.style.size - 2.5):
            for n in numbers:
                total += self.multi_cell(
                    self.w - 2 * self.style.margin - 5, self.note_lh, inline(self.review.notes[n]),
                    dry_run=True, output=MethodReturnValue.HEIGHT,
                )
        return total + 6.0

    @property
    def note_lh(self) -> float:
        """Footnote line height in mm."""
        return (self.style.size - 2.5) * 1.25 * MM_PER_PT

    def reserve_notes(self, numbers: list[int]) -> None:
        """Keep room at the bottom of this page for footnotes cited in the next block."""
        new = [n for n in dict.fromkeys(numbers) if n not in self.placed_notes]
        if not new:
            return
        needed = self.note_lines_height(self.page_notes.get(self.page, []) + new)
        if self.y + 2 * self.line_h > self.h - self.base_bottom() - needed:
            self.add_page(same=True)
            needed = self.note_lines_height(new)
        self.page_notes.setdefault(self.page, []).extend(new)
        self.placed_notes.update(new)
        self.set_auto_page_break(True, self.base_bottom() + needed)

    def draw_page_notes(self) -> None:
        """Draw the footnotes registered for this page above the bottom margin."""
        numbers = self.page_notes.get(self.page, [])
        if not numbers:
            return
        top = self.h - self.base_bottom() - self.note_lines_height(numbers) + 4.5
        left = self.style.margin
        self.set_line_width(0.2)
        self.line(left, top - 2, left + 45, top - 2)
        self.set_y(top)
        with self.font("", self.style.size - 2.5):
            for n in numbers:
                self.set_x(left)
                self.cell(5, self.note_lh, str(n))
                self.multi_cell(0, self.note_lh, inline(self.review.notes[n]), align="L",
                                new_x=XPos.LMARGIN, new_y=YPos.NEXT)


# --------------------------------------------------------------------------- cover and contents


def render_cover(pdf: ReviewPDF) -> None:
    """The cover page: title, board, subject, 'Final report', date, optional repository block."""
    meta, style = pdf.review.meta, pdf.style
    pdf.no_furniture.add(pdf.page + 1)
    pdf.add_page()
    width = pdf.w - 2 * style.margin
    pdf.set_y(62)
    pdf.set_text_color(*style.heading_rgb)
    with pdf.font("B", 22):
        pdf.multi_cell(width, 10, str(meta.get("title", "")), align="C",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(10)
    for text, size, emph in cover_lines(meta, style):
        with pdf.font(emph, size):
            pdf.multi_cell(width, size * 0.6, text, align="C", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
        pdf.ln(4)
    if pdf.review.layout.get("cover_block"):
        render_cover_block(pdf)


def cover_lines(meta: dict[str, Any], style: Style) -> list[tuple[str, float, str]]:
    """The centred lines under the cover title: (text, size, emphasis)."""
    return [
        (str(meta.get("board", "")), 15, "B"),
        (str(meta.get("subject", "")), 14, ""),
        (REVIEW_TYPES.get(str(meta.get("review_type", "")).upper(), ""), 12, ""),
        ("Final report", 12, "I"),
        (format_date(meta.get("published") or f"{meta['year']}-01-01", style.cover_date), 12, ""),
    ]


def render_cover_block(pdf: ReviewPDF) -> None:
    """A repository-style metadata block in the lower part of the cover."""
    meta, style = pdf.review.meta, pdf.style
    board = str(meta.get("board", ""))
    published = meta.get("published") or f"{meta['year']}-01-01"
    lines = [
        f"Title: {meta.get('title', '')}",
        f"{board_label(board)}: {board}",
        f"Author: {meta.get('author', '')}",
        f"Date of publication: {format_date(published, style.block_date)}",
        f"Review type: {REVIEW_TYPES.get(str(meta.get('review_type', '')).upper(), '')}",
    ]
    pdf.set_y(205)
    with pdf.font("", 9.5):
        start = pdf.y
        for line in lines:
            pdf.set_x(style.margin + 4)
            pdf.multi_cell(pdf.w - 2 * style.margin - 8, 5.2, line, align="L",
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(120)
        pdf.rect(style.margin, start - 3, pdf.w - 2 * style.margin, pdf.y - start + 6)
        pdf.set_draw_color(0)


def outline_name(block: Block) -> str:
    """The name a heading gets in the outline and the contents page."""
    return plain(block.text)


def toc_entries(review: Review, style: Style) -> list[tuple[int, str]]:
    """(level, name) for each heading that the contents page lists."""
    return [
        (b.level - 1, outline_name(b))
        for b in review.blocks
        if b.kind == "heading" and b.level <= style.toc_depth
    ]


def toc_lines(pdf: FPDF, level: int, name: str, width: float) -> list[str]:
    """The wrapped lines of one contents entry, leaving room for leaders and a page number."""
    lines = pdf.multi_cell(width - level * 6 - 22, 5, name, dry_run=True,
                           output=MethodReturnValue.LINES)
    return [str(line) for line in lines] or [name]


def toc_page_count(pdf: ReviewPDF, first_top: float) -> int:
    """How many pages the contents will take, using the same layout as render_toc."""
    width, step = pdf.w - 2 * pdf.style.margin, pdf.style.line_h * 1.1
    bottom, y, pages = pdf.h - pdf.base_bottom(), first_top, 1
    with pdf.font("", pdf.style.size):
        for level, name in toc_entries(pdf.review, pdf.style):
            for _ in toc_lines(pdf, level, name, width):
                if y + step > bottom:
                    pages, y = pages + 1, pdf.text_top()
                y += step
    return pages


def render_toc(pdf: FPDF, outline: list[OutlineSection]) -> None:
    """Draw the contents entries with dotted leaders and page numbers."""
    assert isinstance(pdf, ReviewPDF)
    width, step = pdf.w - 2 * pdf.style.margin, pdf.style.line_h * 1.1
    depth = pdf.style.toc_depth
    with pdf.font("", pdf.style.size):
        for section in outline:
            if section.level < depth:
                draw_toc_entry(pdf, section, width, step)


def draw_toc_entry(pdf: ReviewPDF, section: OutlineSection, width: float, step: float) -> None:
    """One contents entry: wrapped title lines, the last with leaders and the page number."""
    left = pdf.style.margin + section.level * 6
    lines = toc_lines(pdf, section.level, section.name, width)
    for i, line in enumerate(lines):
        if pdf.y + step > pdf.h - pdf.base_bottom():
            pdf.add_page(same=True)
        pdf.set_x(left)
        if i < len(lines) - 1:
            pdf.cell(0, step, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            continue
        number = str(section.page_number)
        room = width - (left - pdf.style.margin) - pdf.get_string_width(line + " " + number) - 2
        dots = " " + "." * max(3, int(room / pdf.get_string_width(".")))
        pdf.cell(0, step, line + dots, new_x=XPos.RIGHT)
        pdf.set_x(pdf.w - pdf.style.margin - pdf.get_string_width(number))
        pdf.cell(pdf.get_string_width(number), step, number, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def render_contents(pdf: ReviewPDF) -> None:
    """A contents page (or pages), filled in once the body's page numbers are known."""
    pdf.add_page(orientation="P")
    pdf.set_text_color(*pdf.style.heading_rgb)
    with pdf.font("B", pdf.style.size + 5):
        pdf.cell(0, 10, "Contents", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(4)
    pages = toc_page_count(pdf, pdf.y)
    pdf.insert_toc_placeholder(render_toc, pages=pages)


# --------------------------------------------------------------------------- body blocks


def body_text(pdf: ReviewPDF, text: str) -> str:
    """Prepare a paragraph's text: inline styling and optional soft hyphens."""
    text = inline(text)
    return soft_hyphenate(text, pdf.review.rid) if pdf.style.hyphenate else text


def render_title_block(pdf: ReviewPDF, block: Block) -> None:
    """The report's own title at the top of the first body page, centred."""
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_text_color(*pdf.style.heading_rgb)
    with pdf.font("B", pdf.style.size + 7):
        text = plain(block.text).upper() if pdf.review.is_pfd else plain(block.text)
        pdf.multi_cell(width, pdf.style.size * 0.7, text, align="C",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(4)
    for line in block.lines:
        if len(line) < 110:
            with pdf.font("B" if pdf.review.is_pfd else "", pdf.style.size + 1):
                pdf.multi_cell(width, pdf.line_h, inline(line), align="C",
                               new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
        else:
            render_para(pdf, Block("para", text=line))
    pdf.ln(6)


def heading_size(pdf: ReviewPDF, level: int) -> float:
    """Font size for a heading level."""
    return pdf.style.size + {1: 5.0, 2: 2.0}.get(level, 0.0)


def heading_room(pdf: ReviewPDF, block: Block, following: Block | None) -> float:
    """Space a heading needs at the foot of a page: itself, a following heading, 3 lines."""
    needed = heading_size(pdf, block.level) * 1.2 + 3 * pdf.line_h + 6
    if following is not None and following.kind == "heading":
        needed += heading_size(pdf, following.level) * 1.2 + 4
    return needed


def render_heading(pdf: ReviewPDF, block: Block, following: Block | None = None) -> None:
    """A heading: keeps with the next lines, registers an outline entry, hangs its number."""
    size = heading_size(pdf, block.level)
    if block.level == 1 and pdf.style.h1_new_page and pdf.page > pdf.body_start:
        pdf.pending_portrait = False
        pdf.add_page(orientation="P")
    else:
        pdf.ensure_space(heading_room(pdf, block, following))
        if pdf.y > pdf.t_margin + 1:
            pdf.ln({1: 6, 2: 4}.get(block.level, 2.5))
    if block.level <= 2:
        pdf.start_section(outline_name(block), block.level - 1, strict=False)
    draw_heading_text(pdf, block, size)


def draw_heading_text(pdf: ReviewPDF, block: Block, size: float) -> None:
    """Draw a heading's text, with its number hanging in the margin column if numbered."""
    number, text = heading_parts(plain(block.text))
    pdf.set_text_color(*pdf.style.heading_rgb)
    with pdf.font("B", size):
        h = size * 0.55
        if number and pdf.style.hang_numbers and block.level <= 2:
            pdf.set_x(pdf.l_margin)
            pdf.cell(number_width(pdf), h, number.rstrip("."))
            pdf.multi_cell(0, h, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.multi_cell(0, h, plain(block.text), align="L", new_x=XPos.LMARGIN,
                           new_y=YPos.NEXT)
    pdf.set_text_color(0)
    pdf.ln(2.5 if block.level == 1 else 1.5)


def number_width(pdf: ReviewPDF) -> float:
    """Width of the hanging paragraph-number column."""
    return 14.0 if pdf.style.size <= 11 else 15.0


def render_para(pdf: ReviewPDF, block: Block) -> None:
    """A paragraph, numbered (hanging or inline) or plain."""
    pdf.reserve_notes(block_notes(block))
    pdf.ensure_space(2 * pdf.line_h)
    text = body_text(pdf, block.text)
    align = pdf.style.align
    if block.number and pdf.style.hang_numbers:
        pdf.set_x(pdf.l_margin)
        pdf.cell(number_width(pdf), pdf.line_h, block.number)
    elif block.number:
        text = f"{block.number} {text}"
    pdf.multi_cell(0, pdf.line_h, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(pdf.line_h * 0.55)


def render_bullets(pdf: ReviewPDF, block: Block, after_number: bool) -> None:
    """A bullet list with '•' and a hanging indent, nested by level."""
    pdf.reserve_notes(block_notes(block))
    base = number_width(pdf) if after_number and pdf.style.hang_numbers else 4.0
    pdf.y -= pdf.line_h * 0.25
    for level, text in block.items:
        pdf.ensure_space(pdf.line_h)
        indent = base + level * 6
        pdf.set_x(pdf.l_margin + indent)
        pdf.cell(5.5, pdf.line_h, "•" if level == 0 else "–")
        pdf.multi_cell(0, pdf.line_h, body_text(pdf, text), align=pdf.style.align,
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(pdf.line_h * 0.2)
    pdf.ln(pdf.line_h * 0.4)


def column_widths(pdf: ReviewPDF, rows: list[list[str]], total: float) -> tuple[float, ...]:
    """Column widths in mm: wide enough for each column's longest word, the rest shared out
    in proportion to how much text each column typically holds."""
    ncols = len(rows[0])
    columns = [[plain(r[c]) for r in rows] for c in range(ncols)]
    with pdf.font("B"):
        least = [max(pdf.get_string_width(w) for t in col for w in (t.split() or [""])) + 3.5
                 for col in columns]
    typical = []
    for col in columns:
        lengths = sorted(pdf.get_string_width(t) for t in col)
        typical.append(lengths[int(len(lengths) * 0.8)])
    spare = max(total - sum(least), 0.0)
    wants = [max(t - m, 0.0) for t, m in zip(typical, least, strict=True)]
    weights = wants if sum(wants) else least
    return tuple(m + spare * w / sum(weights) for m, w in zip(least, weights, strict=True))


def is_chronology(block: Block) -> bool:
    """Whether a table is a chronology (its first column is a date)."""
    return bool(block.rows) and block.rows[0][0].strip().lower() in ("date", "when", "date/time")


def render_table(pdf: ReviewPDF, block: Block, landscape: bool = False) -> None:
    """A bordered table whose header row repeats on every page it spans."""
    rows = [r + [""] * (len(block.rows[0]) - len(r)) for r in block.rows]
    if landscape:
        pdf.add_page(orientation="L")
        pdf.pending_portrait = True
    else:
        pdf.ensure_space(4 * pdf.line_h)
    pdf.reserve_notes(block_notes(block))
    size = pdf.style.size - 1.5
    width = pdf.w - pdf.l_margin - pdf.r_margin
    with pdf.font("", size):
        pdf.set_draw_color(60)
        with pdf.table(
            col_widths=column_widths(pdf, rows, width), width=width,
            align="L", text_align="LEFT", line_height=size * 1.3 * MM_PER_PT, padding=1.3,
            headings_style=FontFace(emphasis="BOLD", fill_color=(225, 225, 225)),
            cell_fill_color=(246, 246, 246), cell_fill_mode=TableCellFillMode.NONE,
            first_row_as_headings=True, v_align="T",
        ) as table:
            for row in rows:
                cells = table.row()
                for text in row:
                    cells.cell(inline(text))
        pdf.set_draw_color(0)
    pdf.ln(pdf.line_h * 0.8)


def render_block(pdf: ReviewPDF, blocks: list[Block], i: int) -> None:
    """Render body block i (its neighbours decide keep-with-next and bullet indents)."""
    block = blocks[i]
    previous = blocks[i - 1] if i else None
    following = blocks[i + 1] if i + 1 < len(blocks) else None
    if block.kind != "heading" and block.kind != "table" and pdf.pending_portrait:
        pdf.ensure_space(0)
    if block.kind == "title":
        render_title_block(pdf, block)
    elif block.kind == "heading":
        render_heading(pdf, block, following)
    elif block.kind == "para":
        render_para(pdf, block)
    elif block.kind == "bullets":
        after_number = bool(previous and previous.kind == "para" and previous.number)
        render_bullets(pdf, block, after_number)
    elif block.kind == "table":
        landscape = bool(pdf.review.layout.get("landscape_chronology")) and is_chronology(block)
        render_table(pdf, block, landscape=landscape)


# --------------------------------------------------------------------------- two columns


def is_summary_heading(block: Block) -> bool:
    """Whether a block starts the executive summary."""
    return block.kind == "heading" and block.level == 1 and "summary" in block.text.lower()


def section_end(blocks: list[Block], start: int) -> int:
    """Index of the next level-1 heading after `start` (or the end)."""
    for i in range(start + 1, len(blocks)):
        if blocks[i].kind in ("heading", "title") and blocks[i].level <= 1:
            return i
    return len(blocks)


def render_columns(pdf: ReviewPDF, blocks: list[Block]) -> None:
    """Render a run of blocks in two text columns (tables break out to full width)."""
    run: list[Block] = []
    for block in [*blocks, Block("table")]:
        if block.kind != "table":
            run.append(block)
            continue
        if run:
            render_column_run(pdf, run)
            run = []
        if block.rows:
            render_table(pdf, block)


def render_column_run(pdf: ReviewPDF, blocks: list[Block]) -> None:
    """Flow headings, paragraphs and bullets through two balanced columns."""
    pdf.reserve_notes([n for b in blocks for n in block_notes(b)])
    pdf.ensure_space(4 * pdf.line_h)
    gap = pdf.line_h * 0.5
    with pdf.text_columns(ncols=2, gutter=7, text_align=pdf.style.align, line_height=1.35,
                          balance=True) as cols:
        for block in blocks:
            write_column_block(pdf, cols, block, gap)
    pdf.set_font("Body", "", pdf.style.size)
    pdf.ln(gap)


def write_column_block(pdf: ReviewPDF, cols: Any, block: Block, gap: float) -> None:
    """Write one block into a text_columns region."""
    if block.kind == "heading":
        pdf.set_font("Body", "B", pdf.style.size + (1 if block.level == 2 else 0))
        with cols.paragraph(text_align="L", bottom_margin=gap * 0.6, top_margin=gap) as par:
            par.write(plain(block.text))
        pdf.set_font("Body", "", pdf.style.size)
    elif block.kind == "bullets":
        for _, text in block.items:
            with cols.paragraph(indent=5, bullet_string="•", bottom_margin=gap * 0.4) as par:
                par.write(body_text(pdf, text))
    else:
        text = body_text(pdf, block.text)
        with cols.paragraph(bottom_margin=gap) as par:
            par.write(f"{block.number} {text}" if block.number else text)


# --------------------------------------------------------------------------- PFD reports


def render_pfd_section(pdf: ReviewPDF, heading: Block, blocks: list[Block]) -> None:
    """A coroner's-form section: number in a narrow left cell, heading and text on the right."""
    number, title = heading_parts(plain(heading.text))
    left, num_w, pad = pdf.style.margin, 13.0, 3.0
    pdf.ensure_space(4 * pdf.line_h)
    pdf.start_section(plain(heading.text), 0, strict=False)
    start_page, start_y = pdf.page, pdf.y
    pdf.set_left_margin(left + num_w + pad)
    pdf.set_right_margin(pdf.style.margin + pad)
    pdf.set_xy(pdf.l_margin, pdf.y + pad)
    with pdf.font("B", pdf.style.size):
        pdf.multi_cell(0, pdf.line_h, title.upper(), align="L", new_x=XPos.LMARGIN,
                       new_y=YPos.NEXT)
    pdf.ln(1.5)
    render_blocks_plain(pdf, blocks)
    pdf.set_left_margin(left)
    pdf.set_right_margin(pdf.style.margin)
    draw_pfd_box(pdf, (start_page, start_y), number.rstrip(".") if number else "")
    pdf.set_y(pdf.y + 1)


def render_blocks_plain(pdf: ReviewPDF, blocks: list[Block]) -> None:
    """Render blocks in sequence with no special section handling."""
    for i in range(len(blocks)):
        render_block(pdf, blocks, i)


def draw_pfd_box(pdf: ReviewPDF, start: tuple[int, float], number: str) -> None:
    """Draw the two-cell border around a PFD section, page by page."""
    end_page, end_y = pdf.page, pdf.y
    left, num_w = pdf.style.margin, 13.0
    width = pdf.w - 2 * left
    for page in range(start[0], end_page + 1):
        pdf.page = page
        top = start[1] if page == start[0] else pdf.text_top() - 2
        bottom = end_y if page == end_page else pdf.h - pdf.base_bottom() + 1
        pdf.rect(left, top, width, bottom - top)
        pdf.line(left + num_w, top, left + num_w, bottom)
        if page == start[0] and number:
            with pdf.font("B", pdf.style.size):
                pdf.set_xy(left, top + 3)
                pdf.cell(num_w, pdf.line_h, number, align="C")
    pdf.page = end_page
    pdf.set_y(end_y)


def render_pfd_body(pdf: ReviewPDF) -> None:
    """The body of a PFD report: title block, then one box per top-level section."""
    blocks = pdf.review.blocks
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind == "heading" and block.level == 1:
            end = section_end(blocks, i)
            render_pfd_section(pdf, block, blocks[i + 1:end])
            i = end
        else:
            render_block(pdf, blocks, i)
            i += 1


# --------------------------------------------------------------------------- whole document


def render_body(pdf: ReviewPDF) -> None:
    """The body: every block, with the executive summary in two columns if asked."""
    blocks = pdf.review.blocks
    two_col = bool(pdf.review.layout.get("two_column_summary"))
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if two_col and is_summary_heading(block):
            end = section_end(blocks, i)
            render_heading(pdf, block, blocks[i + 1] if i + 1 < len(blocks) else None)
            render_columns(pdf, blocks[i + 1:end])
            i = end
            continue
        render_block(pdf, blocks, i)
        i += 1


def render_document(review: Review, style: Style, suppress_page: int = 0) -> ReviewPDF:
    """Lay out a whole review; returns the (unsaved) PDF."""
    pdf = ReviewPDF(review, style, suppress_page)
    if not review.is_pfd:
        render_cover(pdf)
    if review.layout.get("contents"):
        render_contents(pdf)
    if pdf.page == 0 or pdf.page in pdf.no_furniture:
        pdf.add_page(orientation="P")
    pdf.body_start = pdf.page
    if review.is_pfd:
        render_pfd_body(pdf)
    else:
        render_body(pdf)
    return pdf


def scan_page_number(pdf: ReviewPDF) -> int:
    """Which page gets replaced by a scan: the third body page, or the last if fewer."""
    return min(pdf.body_start + 2, pdf.pages_count)


def scanned_image(pdf_bytes: bytes, page_no: int, rid: str) -> bytes:
    """Rasterise a page and make it look scanned: grey, tilted, blurred, noisy; JPEG bytes."""
    doc = pdfium.PdfDocument(pdf_bytes)
    try:
        bitmap = doc[page_no - 1].render(scale=150 / 72, grayscale=True)
        image = bitmap.to_pil().convert("L")
    finally:
        doc.close()
    angle = (0.35 + pick(rid, "tilt", 50) / 100) * (1 if pick(rid, "tiltdir", 2) else -1)
    image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.45))
    rng = np.random.default_rng(pick(rid, "noise", 2**32))
    pixels = np.asarray(image, dtype=np.float32) * 0.93 + 8
    pixels += rng.normal(0, 7, pixels.shape)
    specks = rng.random(pixels.shape) < 0.0007
    pixels[specks] = rng.uniform(40, 160, int(specks.sum()))
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L").save(
        out, "JPEG", quality=72, optimize=False
    )
    return out.getvalue()


def place_scan(pdf: ReviewPDF, page_no: int, jpeg: bytes) -> None:
    """Draw the scanned image full-page on the (so far empty) suppressed page."""
    last, pdf.suppress_page = pdf.page, 0
    pdf.page = page_no
    width_pt, height_pt = pdf.pages[page_no].dimensions()
    pdf.image(io.BytesIO(jpeg), x=0, y=0, w=width_pt / pdf.k, h=height_pt / pdf.k)
    pdf.page = last


def build_pdf(review: Review) -> bytes:
    """Render one review to PDF bytes (two passes when a page must become a scan)."""
    style = style_for(review)
    first = render_document(review, style)
    data = bytes(first.output())
    if not review.layout.get("scanned_page"):
        return data
    page_no = scan_page_number(first)
    jpeg = scanned_image(data, page_no, review.rid)
    second = render_document(review, style, suppress_page=page_no)
    place_scan(second, page_no, jpeg)
    return bytes(second.output())


# --------------------------------------------------------------------------- manifest and CLI


def page_count(data: bytes) -> int:
    """Number of pages in a PDF."""
    doc = pdfium.PdfDocument(data)
    try:
        return len(doc)
    finally:
        doc.close()


def manifest_row(review: Review, pages: int) -> dict[str, str]:
    """The manifest row for one built review."""
    meta = review.meta
    return {
        "id": review.rid,
        "title": str(meta.get("title", "")),
        "review_type": str(meta.get("review_type", "")),
        "board": str(meta.get("board", "")),
        "area": str(meta.get("area", "")),
        "year": str(meta.get("year", "")),
        "subject": str(meta.get("subject", "")),
        "pages": str(pages),
        "file": f"pdfs/{review.rid}.pdf",
        "licence": LICENCE,
    }


def read_rows(path: Path) -> dict[str, dict[str, str]]:
    """Existing manifest rows keyed by id (empty if there is no manifest)."""
    if not path.exists():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["id"]: row for row in csv.DictReader(fh)}


def write_rows(path: Path, rows: dict[str, dict[str, str]]) -> None:
    """Write manifest rows sorted by id."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
        writer.writeheader()
        for rid in sorted(rows):
            writer.writerow(rows[rid])


def build_file(src: Path, out_dir: Path) -> dict[str, str]:
    """Build one source file into out_dir; return its manifest row."""
    review = parse_review(src.read_text(encoding="utf-8"))
    if review.rid != src.stem:
        raise ValueError(f"{src.name}: id {review.rid!r} does not match the file name")
    data = build_pdf(review)
    (out_dir / f"{review.rid}.pdf").write_bytes(data)
    return manifest_row(review, page_count(data))


def build_all(sources: list[Path], out_dir: Path) -> list[dict[str, str]]:
    """Build several sources, in parallel processes when there is more than one."""
    workers = min(len(sources), os.cpu_count() or 1)
    if workers <= 1:
        return [build_file(src, out_dir) for src in sources]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(build_file, sources, [out_dir] * len(sources)))


def remove_stale(out_dir: Path, ids: set[str]) -> None:
    """Delete PDFs in out_dir whose source file no longer exists."""
    for pdf_path in out_dir.glob("*.pdf"):
        if pdf_path.stem not in ids:
            pdf_path.unlink()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="build just this review id")
    parser.add_argument("--src", type=Path, default=CORPUS / "src")
    parser.add_argument("--out", type=Path, default=CORPUS / "pdfs")
    parser.add_argument("--manifest", type=Path, default=CORPUS / "manifest.csv")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None, report: Callable[[str], None] = print) -> int:
    """Build the corpus (or one review) and update the manifest."""
    args = parse_args(argv)
    sources = sorted(args.src.glob("*.md"))
    if args.only:
        sources = [s for s in sources if s.stem == args.only]
        if not sources:
            report(f"no source for {args.only} in {args.src}")
            return 2
    args.out.mkdir(parents=True, exist_ok=True)
    rows = read_rows(args.manifest) if args.only else {}
    for row in build_all(sources, args.out):
        rows[row["id"]] = row
        report(f"{row['pages']:>4}  {row['file']}")
    if not args.only:
        remove_stale(args.out, set(rows))
    write_rows(args.manifest, rows)
    total = sum(int(r["pages"]) for r in rows.values())
    report(f"{len(rows)} reviews, {total} pages -> {args.manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
