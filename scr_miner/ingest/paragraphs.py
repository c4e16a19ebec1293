"""Lines to blocks: paragraphs, lists, headings and footnotes, with wrapped lines joined and
hyphenation undone.

A new block starts where the line spacing opens up, the font size or weight changes, a bullet
or a paragraph number begins a line, or the text steps back to the left. A block runs on over a
page or column break when its sentence had not ended and nothing new starts there. Footnotes
(small type at the foot of a page) become blocks of their own, placed after the paragraph that
is open at the page break, so they are never glued into it.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from scr_miner.ingest.pdf import SOFT_HYPHEN, Line, Page

PARA_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,3}|\(\d{1,2}\)|\d{1,2}\.(?=\s))\.?\s+(?=\S)")
BULLET = re.compile(r"^[•●▪◦·‣∙○■*]\s*(?=\S)|^[-–—]\s+(?=\S)|^o\s+(?=[A-Z])")
STRONG_BULLET = re.compile(r"^[•●▪◦·‣∙○■*]")
BULLET_MARK = re.compile(r"^([•●▪◦·‣∙○■\-–—*]|o(?=\s))\s*")
NUMBERED_HEADING = re.compile(
    r"^(\d{1,2}(\.\d{1,2})?\.?|[A-Z]\.|Part\s+\w+[:.]?|Appendix\s+\w+[:.]?|Annex\s+\w+[:.]?"
    r"|Section\s+\w+[:.]?|Finding\s+\d+[:.]?)\s+\S",
    re.I,
)
DOT_LEADER = re.compile(r"(\.\s?){4,}\s*\d+\s*$|\s{3,}\d{1,3}\s*$")
TERMINAL = tuple(".!?:;\"”’)")
SENTENCE_END = tuple(".!?:")
KEEP_HYPHEN_PREFIXES = {
    "multi", "inter", "non", "pre", "post", "co", "self", "well", "cross", "sub", "under",
    "over", "ex", "long", "short", "high", "low", "anti", "semi", "step", "half",
    "follow", "face", "child", "young", "health", "care", "out", "one", "two", "three",
}
PARAGRAPH_GAP = 1.3  # a line gap this many times the usual leading starts a new paragraph
LEFT_STEP = 20.0  # points: a line this much further left than the last starts something new
WORD = re.compile(r"[A-Za-z][A-Za-z\u00ad-]*[A-Za-z]")


@dataclass
class Block:
    """A run of lines read as one unit: a paragraph, a list, a heading or a footnote."""

    text: str
    page_start: int
    page_end: int
    size: float
    kind: str = "paragraph"  # paragraph | list | heading | footnote | table-row
    number: str | None = None
    bold: bool = False


@dataclass
class Style:
    """What the whole document tells us: body font size, usual leading, the words it uses."""

    body: float = 10.0
    leading: float = 1.2  # line pitch as a multiple of font size
    words: set[str] = field(default_factory=set)


def body_size(pages: list[Page]) -> float:
    """The font size that carries the most characters: the body text size."""
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def document_style(pages: list[Page]) -> Style:
    """Body size, leading (from consecutive same-size lines) and vocabulary of a document."""
    body = body_size(pages)
    ratios = []
    words: set[str] = set()
    for page in pages:
        for a, b in zip(page.lines, page.lines[1:], strict=False):
            if abs(a.size - body) < 0.6 and abs(b.size - body) < 0.6 and b.top > a.top:
                ratios.append((b.top - a.top) / a.size)
        for line in page.lines:
            # Only whole words inside the line: a line's last word may be half a hyphenated one.
            words.update(w.lower() for w in WORD.findall(line.text)[:-1])
    usable = sorted(round(r, 2) for r in ratios if 0.9 < r < 2.5)
    if not usable:
        return Style(body, 1.2, words)
    # Never the median: in a review of short paragraphs most steps between body lines are
    # paragraph gaps, and the leading is the smaller step within one. A low percentile finds it
    # unless one-line paragraphs are the great majority; then the smallest step that is not a
    # stray (a tenth of all steps) does.
    counts = Counter(usable)
    low = usable[len(usable) // 4]
    common = [r for r in counts if counts[r] >= max(1, len(usable) // 10)]
    leading = min([low, *common])
    return Style(body, leading, words)


def _join_hyphenated(head: str, tail: str, words: set[str], soft: bool) -> str:
    """Join a word broken at a line-end hyphen, keeping the hyphen only for real compounds.

    The document itself is the dictionary: if it uses the hyphenated form elsewhere the hyphen
    is real; if it uses the joined form it is not. A hyphen pdfium marks as a line-end hyphen
    (``soft``) is dropped unless the document says otherwise.
    """
    first = re.search(r"([A-Za-z]+)$", head)
    second = re.match(r"([A-Za-z]+)", tail)
    if not first or not second:
        return f"{head}-{tail}" if not soft else head + tail
    a, b = first.group(1).lower(), second.group(1).lower()
    if f"{a}-{b}" in words and (a + b) not in words:
        return f"{head}-{tail}"
    if soft or (a + b) in words:
        return head + tail
    return f"{head}-{tail}" if a in KEEP_HYPHEN_PREFIXES else head + tail


def join_lines(lines: list[str], words: Iterable[str] = ()) -> str:
    """Join wrapped lines, undoing end-of-line hyphenation but keeping real compounds.

    Linear in the number of lines: only the last part is ever looked at or rewritten.
    """
    vocabulary = set(words)
    parts: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not parts:
            parts.append(line)
            continue
        last = parts[-1]
        soft = last.endswith(SOFT_HYPHEN)
        if (soft or (last[-1:] == "-" and last[-2:-1].isalpha())) and line[:1].isalpha():
            parts[-1] = _join_hyphenated(last[:-1], line, vocabulary, soft)
        elif soft:
            parts[-1] = f"{last[:-1]}-{line}"
        else:
            parts.append(line)
    return " ".join(parts).replace(SOFT_HYPHEN, "-")


def _all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def looks_like_heading(line: Line, body: float) -> bool:
    """Whether a line is set like a heading: larger, bold or capitals, and short.

    Bold alone is weak evidence (a bold sentence inside a paragraph is common), so a bold line
    that starts in lower case or ends like a sentence is not taken for a heading.
    """
    text = line.text
    words = text.split()
    if not words or len(words) > 25 or text[:1].islower() or line.size < body - 0.5:
        return False
    if text.endswith((",", ";", "-", SOFT_HYPHEN)):
        return False
    if line.size >= body + 1.0 or (_all_caps(text) and len(words) <= 14):
        return True
    if line.bold:
        return not text.endswith(".") or len(words) <= 6
    return bool(NUMBERED_HEADING.match(text)) and len(words) <= 10 and (
        text[-1:] not in ".:" and not re.match(r"^\d+\.\d+", text)
    )


def _is_bullet(prev: Line, line: Line) -> bool:
    """Whether ``line`` starts a list item. A dash at the start of a wrapped line is often
    just a dash, so a dash counts only when indented or after a finished sentence."""
    if not BULLET.match(line.text):
        return False
    if STRONG_BULLET.match(line.text):
        return True
    return line.x0 > prev.x0 + 1.0 or prev.text.rstrip().endswith(TERMINAL)


def _same_style(a: Line, b: Line) -> bool:
    return abs(a.size - b.size) <= 0.6


def _starts_block(block: list[Line], line: Line, style: Style, all_heading: bool) -> bool:
    """Whether ``line`` starts a new block after the ``block`` so far (same column, below);
    ``all_heading`` says every line of the block so far is set like a heading."""
    prev, first = block[-1], block[0]
    gap = line.top - prev.top
    if gap > PARAGRAPH_GAP * style.leading * max(prev.size, line.size):
        return True
    if not _same_style(prev, line):
        return True
    if (
        all_heading
        and not looks_like_heading(line, style.body)
        and not line.text[:1].islower()  # a wrapped sentence goes on in lower case
    ):
        return True  # body text after a heading set in the body size
    if _is_bullet(prev, line):
        return True
    if PARA_NUMBER.match(line.text) and (
        prev.text.rstrip().endswith(TERMINAL) or line.x0 < first.x0 + 2
    ):
        return True
    return line.x0 < prev.x0 - LEFT_STEP


def _room_for_next_word(prev: Line, line: Line, right_edge: float) -> bool:
    """Whether the next line's first word would have fitted at the end of ``prev``.

    A typesetter fills a line before breaking it, so when that word would have fitted, the
    paragraph really ended at ``prev``; when it would not, the paragraph may well run on.
    """
    word = line.text.split()[0] if line.text.split() else ""
    char_width = (line.x1 - line.x0) / max(len(line.text), 1)
    # Letters vary in width, so only a clearly too-short gap says the word could not fit.
    return right_edge - prev.x1 > 0.6 * (len(word) + 1) * char_width


def _continues(prev: Line, line: Line, style: Style, right_edge: float) -> bool:
    """A block runs on over a page or column break when it had not ended and nothing starts."""
    ended = (
        prev.text.rstrip().endswith(SENTENCE_END)
        and not line.text[:1].islower()
        and _room_for_next_word(prev, line, right_edge)
    )
    # "5. The children..." after an unfinished line is the end of "... in section" + "5.".
    numbered = PARA_NUMBER.match(line.text) and not (
        re.match(r"^\d{1,2}\.\s", line.text) and not prev.text.rstrip().endswith(TERMINAL)
    )
    return (
        not ended
        and not numbered
        and not _is_bullet(prev, line)
        and _same_style(prev, line)
        and not looks_like_heading(line, style.body)
    )


def column_edges(page: Page) -> tuple[float, float, float]:
    """Right edges of the left column and of the right column (or the page), and the middle.

    On a one-column page both edges are the text's right margin.
    """
    mid = page.width / 2
    right = [ln.x1 for ln in page.lines if ln.x0 >= mid - 4]
    left = [ln.x1 for ln in page.lines if ln.x1 <= mid + 4]
    wide = [ln.x1 for ln in page.lines if ln.x1 > mid + 4] or [page.width]
    page_edge = _high(wide)
    if len(right) >= 3 and len(left) >= 3:
        return _high(left), page_edge, mid
    return page_edge, page_edge, mid


def _high(values: list[float]) -> float:
    """A high percentile: the edge most full lines reach, ignoring the odd overhang."""
    ordered = sorted(values)
    return ordered[int(0.9 * (len(ordered) - 1))]


def footnote_lines(lines: list[Line], body: float) -> tuple[list[Line], list[Line]]:
    """Split a page's lines into body lines and the footnotes in small type at its foot."""
    ordered = sorted(range(len(lines)), key=lambda i: lines[i].top)
    notes: set[int] = set()
    for i in reversed(ordered):
        if lines[i].size <= body - 1.0 and not lines[i].bold:
            notes.add(i)
        else:
            break
    if not notes or len(notes) == len(lines):
        return lines, []
    first = lines[min(notes, key=lambda i: lines[i].top)]
    if not re.match(r"^(\d{1,3}|[*†‡§])\s*\S", first.text):
        return lines, []  # small type at the foot that is not a numbered note: leave it be
    return ([ln for i, ln in enumerate(lines) if i not in notes],
            [lines[i] for i in sorted(notes, key=lambda i: lines[i].top)])


class _Assembler:
    """Collects lines into blocks; footnotes wait until the open block closes."""

    def __init__(self, style: Style) -> None:
        self.style = style
        self.blocks: list[Block] = []
        self.lines: list[Line] = []
        self.pages: list[int] = []
        self.notes: list[Block] = []
        self.edges: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.prev_edges: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.all_heading = False  # every line of the open block is set like a heading

    def right_edge(self, line: Line) -> float:
        """Right edge of the column that ``line`` (the last line added) sits in."""
        left, right, mid = self.prev_edges
        return left if line.x1 <= mid + 4 else right

    def flush(self) -> None:
        if self.lines:
            self.blocks.append(_make_block(self.lines, self.pages, self.style))
        self.lines, self.pages = [], []
        self.blocks.extend(self.notes)
        self.notes = []

    def add(self, line: Line, page: int, first_on_page: bool) -> None:
        if self.lines:
            prev = self.lines[-1]
            moved_up = line.top < prev.top - 2  # a new column
            if first_on_page or moved_up:
                if not _continues(prev, line, self.style, self.right_edge(prev)):
                    self.flush()
            elif _starts_block(self.lines, line, self.style, self.all_heading):
                self.flush()
        heading = looks_like_heading(line, self.style.body)
        self.all_heading = heading and (self.all_heading or not self.lines)
        self.lines.append(line)
        self.pages.append(page)
        self.prev_edges = self.edges

    def add_notes(self, lines: list[Line], page: int) -> None:
        note: list[Line] = []
        for line in lines:
            if note and re.match(r"^(\d{1,3}|[*†‡§])\s", line.text):
                self.notes.append(_note_block(note, page, self.style))
                note = []
            note.append(line)
        if note:
            self.notes.append(_note_block(note, page, self.style))
        if not self.lines:
            self.flush()


def _without_contents(lines: list[Line]) -> list[Line]:
    """Drop contents-page entries: lines ending in a dotted leader and page number, and the
    first line of an entry that wraps onto such a line."""
    leader = [bool(DOT_LEADER.search(ln.text)) for ln in lines]
    keep = []
    for i, line in enumerate(lines):
        wraps_into_entry = (
            i + 1 < len(lines) and leader[i + 1] and not leader[i]
            and not line.text.rstrip().endswith(TERMINAL) and lines[i + 1].x0 >= line.x0 - 2
        )
        if not leader[i] and not wraps_into_entry:
            keep.append(line)
    return keep


def _note_block(lines: list[Line], page: int, style: Style) -> Block:
    text = join_lines([ln.text for ln in lines], style.words)
    return Block(text, page, page, lines[0].size, "footnote")


def blocks_from_pages(pages: list[Page]) -> list[Block]:
    """Assemble the text of all pages into blocks in reading order."""
    style = document_style(pages)
    assembler = _Assembler(style)
    for page in pages:
        lines, notes = footnote_lines(page.lines, style.body)
        lines = _without_contents(lines)
        assembler.edges = column_edges(page)
        for i, line in enumerate(lines):
            assembler.add(line, page.number, i == 0)
        assembler.add_notes(notes, page.number)
    assembler.flush()
    return _merge_lists(assembler.blocks)


def _make_block(lines: list[Line], pages: list[int], style: Style) -> Block:
    text = join_lines([ln.text for ln in lines], style.words)
    size = statistics.median(ln.size for ln in lines)
    bold = all(ln.bold for ln in lines)
    kind = "paragraph"
    if len(lines) <= 4 and all(looks_like_heading(ln, style.body) for ln in lines) and (
        len(text.split()) <= 30
    ):
        kind = "heading"
    elif BULLET.match(text):
        kind = "list"
        text = BULLET_MARK.sub("• ", text, count=1)
    number = None
    match = PARA_NUMBER.match(text)
    if match and kind == "paragraph":
        number = match.group(1).strip("().")
    return Block(text, pages[0], pages[-1], size, kind, number, bold)


def _merge_lists(blocks: list[Block]) -> list[Block]:
    """Keep a bullet list together, and with the paragraph that introduces it.

    Footnotes placed between list items (a list running over a page) do not break the list.
    Items are gathered first and joined once, so a list of thousands of items stays linear.
    """
    groups: list[list[Block]] = []
    held: list[Block] = []  # footnotes met while a list may still continue
    for block in blocks:
        if block.kind == "footnote":
            held.append(block)
            continue
        group = groups[-1] if groups else None
        if block.kind == "list" and group is not None and (
            len(group) > 1 or group[0].kind == "list"
            or (group[0].kind == "paragraph" and group[0].text.endswith(":"))
        ):
            group.append(block)
            continue
        groups.extend([note] for note in held)
        held = []
        groups.append([block])
    groups.extend([note] for note in held)
    merged = []
    for group in groups:
        head = group[0]
        if len(group) > 1:
            head.text = "\n".join(b.text for b in group)
            head.page_end = group[-1].page_end
        merged.append(head)
    return merged
