"""Evidence sentences for labelled paragraphs: which sentences express each theme.

Annotators other than the ones who chose the themes quote, for every theme of a paragraph, the
sentence or sentences that express it. The themes are never changed by this step.

Usage:
  python corpus/gold/evidence.py skeletons DIR [REVIEW ...]   → DIR/<review>.jsonl (every
      labelled review, or only those named), themed paragraphs only:
      {"id", "themes", "sentences": [...], "evidence": null}, split into sentences by the
      classifier's own spaCy pipeline so annotators and model see the same sentences
  python corpus/gold/evidence.py merge DIR       ← DIR/<review>.jsonl with "evidence" filled in
      as {theme: [sentence indices]}; writes "evidence": [{"theme", "sentence"}] into the
      labelled files (corpus/gold/labelled/, models/training/reviews-labelled/), [] where a
      paragraph has no theme. A labelled file with no answers in DIR keeps the evidence it has
      (so a batch of new reviews can be quoted alone). Run corpus/gold/split.py afterwards.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from split import labelled_files  # noqa: E402


def read_lines(path: Path) -> list[dict]:
    """The JSON lines of ``path``."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_lines(path: Path, records: list[dict]) -> None:
    """Write ``records`` as JSON lines, in the labelled files' own format."""
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )


def skeletons(out: Path, reviews: list[str] | None = None) -> None:
    """One skeleton per labelled review (or per named review) with a themed paragraph."""
    from scr_miner.classify.nlp import make_nlp
    from scr_miner.classify.themes import models_dir

    paths = labelled_files()
    unknown = set(reviews or ()) - {path.stem for path in paths}
    if unknown:
        raise SystemExit(f"no labelled file for {', '.join(sorted(unknown))}")
    nlp = make_nlp(str(models_dir() / "themes.yml"))
    out.mkdir(parents=True, exist_ok=True)
    for path in paths:
        if reviews and path.stem not in reviews:
            continue
        themed = [r for r in read_lines(path) if r["themes"]]
        docs = nlp.pipe([r["text"] for r in themed])
        rows = [
            {
                "id": r["id"],
                "themes": r["themes"],
                "sentences": [s.text.strip() for s in doc.sents if s.text.strip()],
                "evidence": None,
            }
            for r, doc in zip(themed, docs, strict=True)
        ]
        if rows:
            write_lines(out / path.name, rows)


def quoted(row: dict) -> list[dict]:
    """{theme: [indices]} of an annotated skeleton line as [{theme, sentence}], checked."""
    evidence = row["evidence"]
    if sorted(evidence) != sorted(row["themes"]) or not all(evidence.values()):
        raise SystemExit(f"{row['id']}: evidence must quote every theme, and only those")
    return [
        {"theme": theme, "sentence": row["sentences"][index]}
        for theme in row["themes"]
        for index in sorted(set(evidence[theme]))
    ]


def merge(done: Path) -> None:
    """Write the annotated evidence into the labelled files, once every file has checked out."""
    paths = labelled_files()
    stray = {answers.name for answers in done.glob("*.jsonl")} - {path.name for path in paths}
    if stray:
        raise SystemExit(f"answers for no labelled review: {', '.join(sorted(stray))}")
    merged = {path: merged_records(path, done / path.name) for path in paths}
    for path, records in merged.items():
        write_lines(path, records)


def merged_records(path: Path, answers: Path) -> list[dict]:
    """The labelled file's records with their evidence from ``answers`` (or, if there is no
    answers file, the evidence they have); every theme of every record must be quoted."""
    records = read_lines(path)
    if answers.exists():
        found = {r["id"]: quoted(r) for r in read_lines(answers)}
        unknown = set(found) - {r["id"] for r in records}
        if unknown:
            raise SystemExit(f"{answers.name}: answers for paragraphs it does not have: {unknown}")
    else:
        found = {r["id"]: r["evidence"] for r in records if r.get("evidence")}
    for record in records:
        evidence = found.get(record["id"], [])
        if {e["theme"] for e in evidence} != set(record["themes"]):
            raise SystemExit(f"{record['id']}: evidence must quote its themes, no others")
        record["evidence"] = evidence
    return records


def command_line(usage: str, make_skeletons: Callable, merge_answers: Callable) -> None:
    """``skeletons DIR [REVIEW ...]`` or ``merge DIR``, the two steps of an annotation round
    (evidence here, agencies in agencies.py); anything else prints ``usage``."""
    if len(sys.argv) < 3 or sys.argv[1] not in ("skeletons", "merge"):
        raise SystemExit(usage)
    if sys.argv[1] == "skeletons":
        make_skeletons(Path(sys.argv[2]), sys.argv[3:])
    else:
        merge_answers(Path(sys.argv[2]))


if __name__ == "__main__":
    command_line(__doc__, skeletons, merge)
