"""Agencies named in labelled paragraphs: the reference the gazetteer is scored against.

Annotators who follow ``corpus/gold/agency_guide.md`` list, for every paragraph of a review, the
taxonomy's agency ids that the paragraph itself names (by any name, role or local name), without
seeing what the gazetteer finds. Themes, pairs and evidence are never changed by this step.

Usage:
  python corpus/gold/agencies.py skeletons DIR REVIEW ...   → DIR/<review>.jsonl, every
      paragraph of each named labelled review as {"id", "text"}
  python corpus/gold/agencies.py merge DIR    ← DIR/<review>.jsonl as {"id", "agencies": [ids]},
      one line for every paragraph of the review; writes "agencies" into the labelled files
      (corpus/gold/labelled/, models/training/reviews-labelled/). Run corpus/gold/split.py
      afterwards so the gold file carries them.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from evidence import command_line, read_lines, write_lines  # noqa: E402
from split import labelled_files  # noqa: E402


def skeletons(out: Path, reviews: list[str]) -> None:
    """One skeleton per named review: every paragraph's id and text, in order."""
    paths = {path.stem: path for path in labelled_files()}
    unknown = set(reviews) - set(paths)
    if unknown:
        raise SystemExit(f"no labelled file for {', '.join(sorted(unknown))}")
    out.mkdir(parents=True, exist_ok=True)
    for review in reviews:
        rows = [{"id": r["id"], "text": r["text"]} for r in read_lines(paths[review])]
        write_lines(out / f"{review}.jsonl", rows)


def checked_answers(answers: Path, ids: list[str]) -> dict[str, list[str]]:
    """{paragraph id: agency ids} from an answers file that covers exactly ``ids``."""
    from scr_miner.classify.themes import AGENCY_IDS

    rows = read_lines(answers)
    if sorted(row.get("id") for row in rows) != sorted(ids):
        raise SystemExit(f"{answers.name}: must answer every paragraph of its review, once")
    if not all(isinstance(row.get("agencies"), list) for row in rows):
        raise SystemExit(f"{answers.name}: every line needs an agencies list")
    found = {row["id"]: row["agencies"] for row in rows}
    unknown = {a for agencies in found.values() for a in agencies} - set(AGENCY_IDS)
    if unknown:
        raise SystemExit(f"{answers.name}: unknown agency ids {sorted(unknown)}")
    return {key: sorted(set(value), key=AGENCY_IDS.index) for key, value in found.items()}


def merge(done: Path) -> None:
    """Write the answered agencies into the labelled files, once every answers file checks out."""
    paths = {path.stem: path for path in labelled_files()}
    stray = {answers.stem for answers in done.glob("*.jsonl")} - set(paths)
    if stray:
        raise SystemExit(f"answers for no labelled review: {', '.join(sorted(stray))}")
    merged = {}
    for answers in sorted(done.glob("*.jsonl")):
        records = read_lines(paths[answers.stem])
        found = checked_answers(answers, [r["id"] for r in records])
        merged[paths[answers.stem]] = [r | {"agencies": found[r["id"]]} for r in records]
    for path, records in merged.items():
        write_lines(path, records)


if __name__ == "__main__":
    command_line(__doc__, skeletons, merge)
