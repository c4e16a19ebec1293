"""Print real coroners' concerns texts by position, for labelling (benchmarks/real_text_guide.md).

The texts stay in ../shared/real-text and are never copied into the project.

Usage: python benchmarks/real_text_records.py pfd-suicide-concerns.jsonl 80 90
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TEXT_DIR = Path(__file__).resolve().parents[2] / "shared" / "real-text"


def main(name: str, start: int, end: int) -> None:
    """Print records ``start`` to ``end - 1`` (line positions) with their ids."""
    lines = (TEXT_DIR / name).read_text(encoding="utf-8").splitlines()
    for index in range(start, min(end, len(lines))):
        record = json.loads(lines[index])
        print(f"=== index {index} | id {record['id']} ===\n{record['text']}\n")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
