"""Extract the paragraphs of corpus sources into unlabelled gold skeletons for annotators.

Usage: python corpus/gold/extract.py [--out DIR] corpus/src/ID.md [...]  → DIR/ID.jsonl
(DIR defaults to corpus/gold/todo; training reviews use models/training/reviews-todo)
Each line: {"id", "review_id", "paragraph_number", "section", "text", "themes": null, "pairs": null}
The text is the paragraph as it appears in the review (bullet lists joined to the paragraph that
introduces them, as ingestion does).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3}){1,2}|\(\d{1,2}\)|\d{1,2}\.(?=\s))\.?\s+")
MIN_WORDS = 12


def paragraphs(source: str) -> list[tuple[str, str]]:
    """(section heading, paragraph text) for every body paragraph of a Markdown review."""
    body = source.split("---", 2)[2] if source.startswith("---") else source
    out: list[tuple[str, str]] = []
    section = ""
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("|") or re.match(r"^\[\^\w+\]:", line):
            continue
        if line.startswith("#"):
            section = line.lstrip("#").strip()
            continue
        line = re.sub(r"\[\^\w+\]", "", line)
        if line.startswith("- ") and out and (out[-1][1].endswith(":") or "\n" in out[-1][1]):
            out[-1] = (out[-1][0], out[-1][1] + "\n" + "• " + line[2:])
            continue
        out.append((section, line.removeprefix("- ")))
    return [(s, t) for s, t in out if len(t.split()) >= MIN_WORDS]


def main(paths: list[str]) -> None:
    """Write one skeleton file per source."""
    target = Path(__file__).parent / "todo"
    if paths[:1] == ["--out"]:
        target, paths = Path(paths[1]), paths[2:]
    target.mkdir(exist_ok=True)
    for name in paths:
        path = Path(name)
        review_id = path.stem
        rows = []
        for index, (section, text) in enumerate(paragraphs(path.read_text(encoding="utf-8")), 1):
            match = NUMBER.match(text)
            rows.append(
                {
                    "id": f"{review_id}:{index:03d}",
                    "review_id": review_id,
                    "paragraph_number": match.group(1).strip("().") if match else None,
                    "section": section,
                    "text": text,
                    "themes": None,
                    "pairs": None,
                }
            )
        out = target / f"{review_id}.jsonl"
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        print(f"{out}: {len(rows)} paragraphs")


if __name__ == "__main__":
    main(sys.argv[1:])
