"""Review metadata: from a repository-style cover block, the cover page, or the file name."""

from __future__ import annotations

import csv
import re
from pathlib import Path

TYPE_PATTERNS = [
    ("CSPR", re.compile(r"child safeguarding practice review|local child safeguarding practice",
                        re.I)),
    ("SCR", re.compile(r"serious case review", re.I)),
    ("SAR", re.compile(r"safeguarding adults? review", re.I)),
    ("DHR", re.compile(r"domestic homicide review", re.I)),
    ("PFD", re.compile(r"regulation 28|prevent(ion of)? future deaths", re.I)),
]
FILENAME_TYPES = {"scr": "SCR", "cspr": "CSPR", "sar": "SAR", "dhr": "DHR", "pfd": "PFD"}
BLOCK_FIELDS = {
    "title": re.compile(r"^title\s*:\s*(.+)", re.I),
    "board": re.compile(
        r"^(lscb|lscp|board|partnership|safeguarding (children|adults) (board|partnership)"
        r"|community safety partnership|csp|sab)\s*:\s*(.+)", re.I),
    "author": re.compile(r"^(author|lead reviewer|independent reviewer|reviewer)s?\s*:\s*(.+)",
                         re.I),
    "published_date": re.compile(r"^(date of publication|published|publication date)\s*:\s*(.+)",
                                 re.I),
    "review_type": re.compile(r"^(review type|type of review)\s*:\s*(.+)", re.I),
    "subject": re.compile(r"^(subject|child|adult|victim)\s*:\s*(.+)", re.I),
}
BOARD_LINE = re.compile(
    r"[A-Z][\w’' -]+(Safeguarding (Children|Adults) (Board|Partnership)|Local Safeguarding "
    r"Children Board|Community Safety Partnership|Safeguarding Partnership|LSCB)"
)
SUBJECT = re.compile(r"\b(Child|Baby|Adult|Young Person|Infant)\s+[A-Z]{1,2}\d?\b|"
                     r"\bDeath of ([A-Z][a-z]+ [A-Z][\w-]+)")
BOARD_WORDS = re.compile(
    r"Safeguarding (Children|Adults)|Safeguarding Partnership|Children Board|LSCB|"
    r"Community Safety Partnership|Safeguarding Board", re.I)
NOT_SUBJECTS = {"final report", "overview report", "executive summary", "draft"}
NAME_PART = r"(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?|[A-Z][\w’'-]+)"
DECEASED = re.compile(rf"\bdeath of ({NAME_PART}(?: {NAME_PART}){{0,4}})")
CORONER_AREA = re.compile(
    r"[Cc]oroner (?:for|of) the (?:coroner )?area of "
    r"([A-Z][\w’'-]+(?: (?:and|of|the|&|[A-Z][\w’'-]+))*)")
YEAR = re.compile(r"\b(19[89]\d|20[0-4]\d)\b")
MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
DATE = re.compile(rf"\b(\d{{1,2}}(st|nd|rd|th)?\s+({MONTHS})\s+(20\d\d))\b|"
                  rf"\b(({MONTHS})\s+(20\d\d))\b|\b(20\d\d-\d\d-\d\d)\b", re.I)


def review_type_of(text: str) -> str:
    """Guess the review type from text, or 'other'."""
    for name, pattern in TYPE_PATTERNS:
        if pattern.search(text):
            return name
    return "other"


def metadata_from_cover(lines: list[str], file_name: str, sizes: list[float] | None = None,
                        body_text: str = "") -> dict[str, object]:
    """Read metadata from a cover page's lines, falling back to the file name.

    ``sizes`` (font size per line) lets the largest type be read as the title; ``body_text``
    (the whole review) is where a coroner's report names the deceased, its area and its date.
    """
    found = _cover_block(lines)
    text = "\n".join(lines)
    found["review_type"] = _review_type(found, text, file_name)
    if found["review_type"] == "PFD":
        _coroner_metadata(found, " ".join((body_text or text).split()))
    if "title" not in found and sizes and (title := _title_by_size(lines, sizes)):
        found["title"] = title
    if "board" not in found and (board := _board_line(lines)):
        found["board"] = board
    if "subject" not in found and (subject := _subject_line(lines, found)):
        found["subject"] = subject
    if "subject" not in found and (match := SUBJECT.search(text)):
        found["subject"] = match.group(0)
    if "title" not in found:
        found["title"] = _title_guess(lines, str(found.get("subject", "")), file_name)
    _dates(found, text, file_name)
    return found


def _cover_block(lines: list[str]) -> dict[str, object]:
    """Fields of a repository-style cover block ('Title: ...', 'LSCB: ...')."""
    found: dict[str, object] = {}
    for line in lines:
        for name, pattern in BLOCK_FIELDS.items():
            match = pattern.match(line.strip())
            if match and name not in found:
                found[name] = match.groups()[-1].strip()
    return found


def _review_type(found: dict[str, object], text: str, file_name: str) -> str:
    kind = review_type_of(str(found["review_type"])) if "review_type" in found else "other"
    if kind == "other":
        kind = review_type_of(text)
    if kind == "other":
        prefix = Path(file_name).stem.split("-")[0].lower()
        kind = FILENAME_TYPES.get(prefix, "other")
    return kind


def _title_by_size(lines: list[str], sizes: list[float]) -> str:
    """The run of lines in the largest type at the top of the cover: the title."""
    if not sizes:
        return ""
    top = max(sizes)
    start = sizes.index(top)
    parts = []
    for line, size in zip(lines[start:], sizes[start:], strict=False):
        if abs(size - top) > 0.5:
            break
        parts.append(line.strip())
    title = " ".join(parts)
    if len(title.split()) > 25 or re.match(r"^\d", title):
        return ""  # a form's banner, not a title
    return title


def _board_line(lines: list[str]) -> str:
    for line in lines[:40]:
        if (BOARD_WORDS.search(line) and len(line.split()) <= 10 and ":" not in line
                and review_type_of(line) == "other"):
            return line.strip()
    if match := BOARD_LINE.search("\n".join(lines)):
        return match.group(0).strip()
    return ""


def _subject_line(lines: list[str], found: dict[str, object]) -> str:
    """The short line that follows the board on a cover: the subject's pseudonym."""
    board = str(found.get("board", ""))
    if not board or board not in [ln.strip() for ln in lines]:
        return ""
    index = [ln.strip() for ln in lines].index(board)
    for line in lines[index + 1:index + 3]:
        line = line.strip()
        if (0 < len(line.split()) <= 6 and review_type_of(line) == "other"
                and not DATE.search(line) and line.lower() not in NOT_SUBJECTS):
            return line
    return ""


def _coroner_metadata(found: dict[str, object], text: str) -> None:
    """A coroner's report: the deceased, the coroner area and the date of the report."""
    if "subject" not in found and (match := DECEASED.search(text)):
        found["subject"] = f"Death of {match.group(1)}"
    if "board" not in found and (match := CORONER_AREA.search(text)):
        found["board"] = " ".join(match.group(1).split()).rstrip(".,")
    if "title" not in found:
        name = str(found.get("subject", "")).removeprefix("Death of ")
        found["title"] = "Regulation 28 Report to Prevent Future Deaths" + (
            f": {name}" if name else "")
    if "published_date" not in found and (dates := DATE.findall(text)):
        found["published_date"] = next(d for d in dates[-1] if d)


def _dates(found: dict[str, object], text: str, file_name: str) -> None:
    date_source = str(found.get("published_date", "")) or text
    if match := DATE.search(date_source):
        found["published_date"] = match.group(0)
    year_source = str(found.get("published_date", "")) or text or file_name
    years = YEAR.findall(year_source) or YEAR.findall(Path(file_name).stem)
    if years:
        found["year"] = int(years[-1] if "published_date" not in found else years[0])


def _title_guess(lines: list[str], subject: str, file_name: str) -> str:
    for line in lines[:12]:
        if review_type_of(line) != "other" and len(line.split()) <= 14:
            return f"{line.strip()}{': ' + subject if subject and subject not in line else ''}"
    return Path(file_name).stem.replace("_", " ").replace("-", " ")


def read_manifest(path: Path) -> dict[str, dict[str, str]]:
    """Read a manifest CSV keyed by file name (and by id), for overriding guessed metadata."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_key: dict[str, dict[str, str]] = {}
    for row in rows:
        if row.get("file"):
            by_key[Path(row["file"]).name] = row
        if row.get("id"):
            by_key[row["id"]] = row
    return by_key
