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


def metadata_from_cover(lines: list[str], file_name: str) -> dict[str, object]:
    """Read metadata from a cover page's lines, falling back to the file name."""
    found: dict[str, object] = {}
    for line in lines:
        for name, pattern in BLOCK_FIELDS.items():
            match = pattern.match(line.strip())
            if match and name not in found:
                found[name] = match.groups()[-1].strip()
    text = "\n".join(lines)
    if "review_type" in found:
        found["review_type"] = review_type_of(str(found["review_type"])) or found["review_type"]
    else:
        found["review_type"] = review_type_of(text)
    if found["review_type"] == "other":
        prefix = Path(file_name).stem.split("-")[0].lower()
        found["review_type"] = FILENAME_TYPES.get(prefix, "other")
    if "board" not in found and (match := BOARD_LINE.search(text)):
        found["board"] = match.group(0).strip()
    if "subject" not in found and (match := SUBJECT.search(text)):
        found["subject"] = match.group(0)
    if "title" not in found:
        found["title"] = _title_guess(lines, str(found.get("subject", "")), file_name)
    date_source = str(found.get("published_date", "")) or text
    if match := DATE.search(date_source):
        found["published_date"] = match.group(0)
    year_source = str(found.get("published_date", "")) or text or file_name
    years = YEAR.findall(year_source) or YEAR.findall(Path(file_name).stem)
    if years:
        found["year"] = int(years[-1] if "published_date" not in found else years[0])
    return found


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
