"""Ingest speed: the full ``scr-miner ingest`` against a plain pdfplumber extract_text loop.

Usage: python benchmarks/ingest.py [PDF folder or files ...] [--jobs 2] [--repeat 1]

Both run in this one invocation over the same PDFs (the sample corpus by default):

* full ingest: ``scr-miner ingest --jobs N`` into a fresh SQLite database - reading, layout,
  paragraphs, sections, tables, metadata and storing, with worker processes;
* baseline: ``for page in pdfplumber.open(f).pages: page.extract_text()`` in one process.

It prints pages/s of each and the ratio, and the corpus fidelity (share of gold paragraphs
found as passages) so a speed-up is never bought with worse passages.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def pdf_paths(args: list[str]) -> list[Path]:
    """The PDFs to read: the given files and folders, or the sample corpus."""
    paths = [Path(a) for a in args] or [CORPUS / "pdfs"]
    found: list[Path] = []
    for path in paths:
        found += sorted(path.glob("*.pdf")) if path.is_dir() else [path]
    return found


def full_ingest(pdfs: list[Path], jobs: int) -> tuple[float, int]:
    """Seconds and pages for ``scr-miner ingest`` into a fresh database."""
    import sqlite3

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        command = [str(Path(sys.executable).parent / "scr-miner"), "ingest", *map(str, pdfs),
                   "--db", str(db), "--jobs", str(jobs)]
        started = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        with sqlite3.connect(db) as conn:
            pages = conn.execute("select coalesce(sum(pages), 0) from reviews").fetchone()[0]
    return seconds, pages


def plumber_loop(pdfs: list[Path]) -> tuple[float, int]:
    """Seconds and pages for a plain pdfplumber ``extract_text`` loop."""
    import pdfplumber

    started = time.perf_counter()
    pages = 0
    for path in pdfs:
        with pdfplumber.open(path) as pdf:
            for page in pdf.pages:
                page.extract_text()
                pages += 1
                page.close()
    return time.perf_counter() - started, pages


def fidelity(pdfs: list[Path]) -> float | None:
    """Share of gold paragraphs found as passages, over the PDFs that have gold."""
    sys.path.insert(0, str(ROOT))
    from scr_miner.ingest import review_from_pdf
    from scr_miner.ingest.fidelity import fidelity_of, read_gold

    gold = read_gold(CORPUS / "gold" / "labelled")
    found = counted = 0
    for path in pdfs:
        if path.stem in gold:
            result = fidelity_of(review_from_pdf(path), gold[path.stem])
            found += result.found
            counted += result.total - result.excused
    return found / counted if counted else None


def main() -> int:
    """Run both, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="take the best of N runs")
    args = parser.parse_args()
    pdfs = pdf_paths(args.paths)
    ours = min((full_ingest(pdfs, args.jobs) for _ in range(args.repeat)), key=lambda r: r[0])
    theirs = min((plumber_loop(pdfs) for _ in range(args.repeat)), key=lambda r: r[0])
    ours_rate, theirs_rate = ours[1] / ours[0], theirs[1] / theirs[0]
    print(f"PDFs: {len(pdfs)}, pages: {theirs[1]}")
    print(f"full ingest (--jobs {args.jobs}): {ours[0]:7.2f} s  {ours_rate:7.1f} pages/s")
    print(f"pdfplumber extract_text loop:  {theirs[0]:7.2f} s  {theirs_rate:7.1f} pages/s")
    print(f"ratio: {ours_rate / theirs_rate:.1f}x")
    share = fidelity(pdfs)
    if share is not None:
        print(f"fidelity: {share:.2%} of gold paragraphs found as passages (outside scans)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
