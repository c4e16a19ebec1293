"""Read a PDF into pages of positioned text lines.

pypdfium2 does the work: text runs with their rectangles, font size and weight, at ~100x the
speed of pdfminer. Ruled tables come from the page's path objects (``tables.py``); pdfplumber's
table finder is the slower alternative (``plumber_tables``).
"""

from __future__ import annotations

import ctypes
import statistics
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

MIN_RULES_FOR_TABLE = 4  # path objects on a page before we look for ruled tables
SOFT_HYPHEN = "\u00ad"  # how we mark a hyphen pdfium says ends a line ("\x02" / "\ufffe")
BOMB_PROBE = 64 * 1024  # compressed bytes of each stream inflated to look for a bomb
BOMB_LIMIT = 32 * 1024 * 1024  # ... and the inflated size that gives one away
RUN_BUFFER_CHARS = 8192  # longest text run read at once (a run is at most a line)
SUPERSCRIPT_RATIO = 0.82  # a run this much smaller than its line, and raised, is a note mark


class PdfReadError(Exception):
    """A PDF that cannot be read; ``code`` names the reason for the ``ingest_errors`` table."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


@dataclass
class Line:
    """A line (or a column's part of a line) of text, in top-down page coordinates.

    ``size`` is the font size in points (not the box height, which varies with ascenders and
    descenders); ``bold`` says the whole line is set in a bold face.
    """

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float = 0.0
    bold: bool = False

    def __post_init__(self) -> None:
        if not self.size:
            self.size = self.bottom - self.top


@dataclass
class Table:
    """A ruled table found by pdfplumber: its bounding box and rows of cell texts."""

    bbox: tuple[float, float, float, float]
    rows: list[list[str]]


@dataclass
class Page:
    """One page: its size, its lines in reading order and whether it is image only."""

    number: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    image_only: bool = False
    ruled: bool = False
    tables: list[Table] = field(default_factory=list)


def check_streams(data: bytes) -> None:
    """Refuse a decompression bomb: a stream whose first 64 KB inflate past 32 MB.

    Ordinary PDF streams inflate 2-20 times; a bomb inflates a thousand times or more, and
    pdfium would inflate it whole into memory. Only the start of each stream is inflated here.
    """
    start = data.find(b"stream")
    while start >= 0:
        body = start + 6
        body += 2 if data[body:body + 2] == b"\r\n" else 1
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(data[body:body + BOMB_PROBE], BOMB_LIMIT)
        except zlib.error:
            out = b""  # not a Flate stream (or not a stream at all)
        if len(out) >= BOMB_LIMIT:
            raise PdfReadError("bomb", "a compressed stream inflates more than 500 times "
                                       "(decompression bomb)")
        start = data.find(b"stream", body)


def open_pdf(path: Path, max_pages: int) -> pdfium.PdfDocument:
    """Open ``path`` with pdfium, turning its failures into ``PdfReadError`` with a reason."""
    data = path.read_bytes()
    if not data:
        raise PdfReadError("empty", "file is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        raise PdfReadError("not-pdf", "not a PDF (no %PDF header)")
    check_streams(data)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        message = str(exc).lower()
        if "password" in message or "security" in message:
            raise PdfReadError("encrypted", "PDF is password-protected") from None
        raise PdfReadError("corrupt", f"PDF is damaged or truncated ({exc})") from None
    if len(pdf) == 0:
        raise PdfReadError("no-pages", "PDF has no pages")
    if len(pdf) > max_pages:
        raise PdfReadError("too-many-pages", f"{len(pdf)} pages exceeds --max-pages {max_pages}")
    return pdf


def _page_objects(page: pdfium.PdfPage) -> tuple[int, list[tuple[float, float, float, float]]]:
    """Count image objects and collect path bounds on a page (top level only: fast)."""
    images, paths = 0, []
    raw = page.raw
    edges = [ctypes.c_float() for _ in range(4)]
    refs = [ctypes.byref(e) for e in edges]
    for i in range(pdfium_c.FPDFPage_CountObjects(raw)):
        obj = pdfium_c.FPDFPage_GetObject(raw, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            images += 1
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH and pdfium_c.FPDFPageObj_GetBounds(obj, *refs):
            left, bottom, right, top = (e.value for e in edges)
            paths.append((left, bottom, right, top))
    return images, paths


def _clean_run_text(text: str) -> str:
    """Line breaks to spaces; pdfium's line-end hyphen markers to a soft hyphen."""
    text = text.replace("\r", " ").replace("\n", " ")
    return text.replace("\x02", SOFT_HYPHEN).replace("\ufffe", SOFT_HYPHEN)


def _is_bold(raw: object, index: int) -> bool:
    """Whether the character at ``index`` is set in a bold face (weight, else font name)."""
    weight = pdfium_c.FPDFText_GetFontWeight(raw, index)
    if weight > 0:
        return weight >= 600
    name = ctypes.create_string_buffer(128)
    flags = ctypes.c_int()
    pdfium_c.FPDFText_GetFontInfo(raw, index, name, 128, ctypes.byref(flags))
    return b"bold" in name.value.lower() or b"black" in name.value.lower()


def _run_rects(raw: object) -> list[tuple[float, float, float, float]]:
    """pdfium's text rectangles (left, bottom, right, top), in reading order of the content."""
    edges = [ctypes.c_double() for _ in range(4)]
    refs = [ctypes.byref(e) for e in edges]
    rects = []
    for i in range(pdfium_c.FPDFText_CountRects(raw, 0, -1)):
        pdfium_c.FPDFText_GetRect(raw, i, refs[0], refs[3], refs[2], refs[1])  # l, t, r, b
        rects.append(tuple(e.value for e in edges))
    return rects  # type: ignore[return-value]


def _first_char(raw: object, rect: tuple[float, float, float, float]) -> int:
    """Index of the character at the left edge of a rectangle, or -1."""
    left, bottom, right, top = rect
    for dx in (0.3, 1.5):
        index = pdfium_c.FPDFText_GetCharIndexAtPos(raw, left + dx, (bottom + top) / 2, 0.5,
                                                    (top - bottom) / 2)
        if index >= 0:
            return index
    return -1


def _bounded_text(raw: object, rect: tuple[float, float, float, float]) -> str:
    """The text inside a rectangle, asked of pdfium directly (slower: it scans the page)."""
    left, bottom, right, top = rect
    buffer = (ctypes.c_ushort * RUN_BUFFER_CHARS)()
    count = pdfium_c.FPDFText_GetBoundedText(raw, left, top, right, bottom, buffer,
                                             RUN_BUFFER_CHARS)
    return _from_units(buffer[: max(count, 0)])


def _from_units(units: list[int]) -> str:
    """UTF-16 code units to text; lone surrogates (broken font maps) become U+FFFD."""
    text = "".join(map(chr, units)).rstrip("\x00")
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _run_texts(raw: object, rects: list[tuple[float, float, float, float]]) -> list[str]:
    """The text of each rectangle, sliced from the page's text by character index.

    Rectangles come in character order, so a run is the characters from its first one up to
    the next run's first; asking pdfium for each rectangle's text separately costs a scan of
    the whole page per run. Where an index cannot be found the slow way is used.
    """
    count = pdfium_c.FPDFText_CountChars(raw)
    units = (ctypes.c_ushort * (count + 1))()
    pdfium_c.FPDFText_GetText(raw, 0, count, units)
    starts = [_first_char(raw, rect) for rect in rects] + [count]
    texts = []
    for k, rect in enumerate(rects):
        start, end = starts[k], starts[k + 1]
        if 0 <= start < end:
            texts.append(_from_units(units[start:end]))
        else:
            texts.append(_bounded_text(raw, rect))
    return texts


def _runs(textpage: pdfium.PdfTextPage, height: float) -> list[Line]:
    """Text runs with font size, weight and font-metric boxes, in top-down coordinates.

    pdfium splits runs where the font changes, so one character per run tells its font. The
    'loose' character box comes from the font's ascent and descent, so every run of a line gets
    the same top and bottom whatever its letters: line spacing is then measurable exactly.
    Raw pdfium calls are used throughout: the high-level helpers cost ~100 µs a run.
    """
    raw = textpage.raw
    box = pdfium_c.FS_RECTF()
    rects = _run_rects(raw)
    runs = []
    for rect, raw_text in zip(rects, _run_texts(raw, rects), strict=True):
        text = _clean_run_text(raw_text)
        if not text.strip():
            continue
        left, bottom, right, top = rect
        index = pdfium_c.FPDFText_GetCharIndexAtPos(
            raw, (left + right) / 2, (bottom + top) / 2, (right - left) / 2 + 1,
            (top - bottom) / 2 + 1,
        )
        size, bold = top - bottom, False
        if index >= 0:
            font_size = pdfium_c.FPDFText_GetFontSize(raw, index)
            if pdfium_c.FPDFText_GetLooseCharBox(raw, index, box) and box.top > box.bottom:
                bottom, top = min(bottom, box.bottom), max(top, box.top)
            # A font size far from the glyph box means a scaled text matrix: trust the box.
            ratio = font_size / max(top - bottom, 0.1)
            size = font_size if 0.5 < ratio < 1.5 else (top - bottom) / 1.15
            bold = _is_bold(raw, index)
        runs.append(Line(text, left, right, height - top, height - bottom, size, bold))
    return runs


def drop_note_marks(runs: list[Line]) -> list[Line]:
    """Drop superscript footnote marks: short runs much smaller than the line and raised."""
    if len(runs) < 2:
        return runs
    main = max(r.size for r in runs)
    baseline = max(r.bottom for r in runs if r.size == main)
    return [
        r for r in runs
        if not (r.size < SUPERSCRIPT_RATIO * main and r.bottom < baseline - 0.15 * main
                and len(r.text.strip()) <= 3)
    ]


def _join_runs(runs: list[Line]) -> Line:
    """Join runs already sorted left to right into one line, spacing words sensibly."""
    runs = drop_note_marks(runs)
    text = runs[0].text
    for prev, run in zip(runs, runs[1:], strict=False):
        gap = run.x0 - prev.x1
        # Broken font maps split words into runs; only a gap of a fifth of the font size
        # or more is a real space.
        spaced = text.endswith(" ") or run.text.startswith((" ", ",", ".", ";", ":", ")", "?"))
        if gap > 0.2 * max(prev.size, 1.0) and not spaced:
            text += " "
        text += run.text
    letters = [(r.bold, len(r.text.strip())) for r in runs]
    total = sum(n for _, n in letters) or 1
    widest = max(runs, key=lambda r: len(r.text.strip()))
    return Line(
        " ".join(text.split()),
        min(r.x0 for r in runs),
        max(r.x1 for r in runs),
        min(r.top for r in runs),
        max(r.bottom for r in runs),
        widest.size,
        sum(n for bold, n in letters if bold) / total >= 0.95,
    )


def lines_from_runs(runs: list[Line], page_width: float) -> list[Line]:
    """Group runs into lines by vertical overlap; split a line where a gap spans the gutter."""
    lines: list[list[Line]] = []
    for run in sorted(runs, key=lambda r: (r.top + r.bottom) / 2):
        centre = (run.top + run.bottom) / 2
        if lines:
            current = lines[-1]
            c_top = statistics.fmean(r.top for r in current)
            c_bottom = statistics.fmean(r.bottom for r in current)
            if c_top - 1 <= centre <= c_bottom + 1:
                current.append(run)
                continue
        lines.append([run])
    mid = page_width / 2
    result = []
    for group in lines:
        group.sort(key=lambda r: r.x0)
        start = 0
        for i in range(1, len(group)):
            gap_from, gap_to = group[i - 1].x1, group[i].x0
            if gap_to - gap_from > 10 and gap_from - 4 <= mid <= gap_to + 4:
                result.append(_join_runs(group[start:i]))
                start = i
        result.append(_join_runs(group[start:]))
    return result


def reading_order(lines: list[Line], page_width: float) -> list[Line]:
    """Order lines for reading, putting a two-column band's left column before its right."""
    mid = page_width / 2
    ordered: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        left = [ln for ln in band if ln.x1 <= mid + 4]
        right = [ln for ln in band if ln.x1 > mid + 4]
        if left and right:
            # A short left-hand line well below the end of the right column (a heading after
            # the columns) follows the columns rather than sitting inside the left one.
            end = max(ln.bottom for ln in right) + 2 * max(ln.size for ln in right)
            after = [ln for ln in left if ln.top > end]
            ordered.extend([ln for ln in left if ln.top <= end] + right + after)
        else:
            ordered.extend(band)
        band.clear()

    for line in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        crosses = line.x0 < mid - 4 and line.x1 > mid + 4
        if crosses:
            flush()
            ordered.append(line)
        else:
            band.append(line)
    flush()
    return ordered


def read_pages(path: Path, max_pages: int = 5000) -> list[Page]:  # noqa: C901
    """Read every page of ``path`` into ``Page`` records (lines in reading order)."""
    from scr_miner.ingest.tables import rules_from_bounds, tables_from_rules

    pdf = open_pdf(path, max_pages)
    pages = []
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            runs = _runs(textpage, height)
            images, paths = _page_objects(page)
            ruled = len(paths) >= MIN_RULES_FOR_TABLE
            tables = []
            if ruled and runs:
                tables = tables_from_rules(rules_from_bounds(paths, width, height), runs)
            lines = reading_order(lines_from_runs(runs, width), width) if runs else []
            pages.append(
                Page(
                    number=index + 1,
                    width=width,
                    height=height,
                    lines=lines,
                    image_only=not lines and images > 0,
                    ruled=ruled,
                    tables=tables,
                )
            )
            textpage.close()
            page.close()
    except pdfium.PdfiumError as exc:
        raise PdfReadError("corrupt", f"page {index + 1} unreadable ({exc})") from None
    finally:
        pdf.close()
    return pages


def plumber_tables(path: Path, pages: list[Page]) -> None:
    """Replace ``page.tables`` on ruled pages with pdfplumber's findings (slow, general)."""
    ruled = [p for p in pages if p.ruled and p.lines]
    if not ruled:
        return
    import pdfplumber  # imported here: most pages never need it

    with pdfplumber.open(path) as doc:
        for page in ruled:
            plumber_page = doc.pages[page.number - 1]
            page.tables = []
            for table in plumber_page.find_tables():
                rows = [
                    [" ".join((cell or "").split()) for cell in row]
                    for row in table.extract()
                ]
                rows = [r for r in rows if any(r)]
                if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                    page.tables.append(Table(tuple(table.bbox), rows))
            plumber_page.close()
