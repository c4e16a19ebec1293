"""No real text in the repository: nothing we ship shares a 12-word run with ../shared.

The sample corpus, the training passages and the gold set are fictional, written in the form of
real reports. Writing "in the form of" a coroner's report makes it easy to reproduce the real
form's standard paragraphs word for word, so this test compares every tracked text file (and the
text of every tracked PDF) with the real reports and the real concerns in ../shared. Twelve
words is longer than any stock phrase ("action should be taken to prevent future deaths" is
eight) and shorter than any copied sentence worth worrying about.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from tests.conftest import REAL_PDFS, REAL_TEXT, ROOT
from tests.export.pdftext import pdf_page_texts

RUN = 12
WORD = re.compile(r"[a-z0-9]+")
BINARY = {".npz", ".safetensors", ".png"}


def words(text: str) -> list[str]:
    """Lower-case words and numbers, so layout, case and punctuation do not hide a copy."""
    return WORD.findall(text.lower())


def runs(text: str) -> Iterator[str]:
    """Every run of RUN consecutive words of the text."""
    w = words(text)
    for i in range(len(w) - RUN + 1):
        yield " ".join(w[i : i + RUN])


def real_documents() -> Iterator[tuple[str, str]]:
    """(name, text) of every real document in ../shared."""
    for pdf in sorted(REAL_PDFS.glob("*.pdf")):
        yield pdf.name, "\n".join(pdf_page_texts(pdf))
    for path in sorted(REAL_TEXT.glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                yield f"{path.name}:{record['id']}", record["text"]


def tracked_files() -> list[Path]:
    """The files git tracks (what a clean clone holds), not caches or the virtualenv."""
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    return [ROOT / name for name in out.stdout.decode().split("\0") if name]


def file_text(path: Path) -> str | None:
    """The text of a tracked file, or None for binary files."""
    if path.suffix in BINARY:
        return None
    if path.suffix == ".pdf":
        return "\n".join(pdf_page_texts(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None


def shared_runs(text: str, real: dict[str, str]) -> Iterable[tuple[str, str]]:
    """(run, real document it came from) for every run the text shares with the real ones."""
    return ((run, real[run]) for run in runs(text) if run in real)


@pytest.fixture(scope="module")
def real_runs() -> dict[str, str]:
    """Every 12-word run of the real documents, mapped to one document it occurs in."""
    found: dict[str, str] = {}
    for name, text in real_documents():
        for run in runs(text):
            found.setdefault(run, name)
    assert len(found) > 100_000, "expected the real documents of ../shared"
    return found


def test_no_tracked_file_shares_a_run_with_real_documents(real_runs: dict[str, str]) -> None:
    """Every tracked file, PDFs included, is free of 12-word runs of the real documents."""
    copied: dict[str, list[str]] = {}
    files = tracked_files()
    assert len(files) > 300
    for path in files:
        text = file_text(path)
        if text is not None:
            hits = [f"{run!r} ({source})" for run, source in shared_runs(text, real_runs)]
            if hits:
                copied[str(path.relative_to(ROOT))] = hits[:3]
    assert not copied, json.dumps(copied, indent=1)


def test_the_check_finds_a_copied_sentence(real_runs: dict[str, str]) -> None:
    """A real sentence pasted into other text, with its case and punctuation changed, is found;
    the same words in another order are not."""
    name, text = next(real_documents())
    real_words = words(text)[40 : 40 + RUN + 3]
    pasted = "Our own words, then: " + ", ".join(real_words).upper() + ". And our own again."
    assert [source for _, source in shared_runs(pasted, real_runs)] == [name] * 4
    shuffled = " ".join(real_words[::2] + real_words[1::2])
    assert not list(shared_runs(shuffled, real_runs))
