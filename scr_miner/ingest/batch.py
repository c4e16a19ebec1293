"""Ingest many files: skip unchanged ones, run the rest in worker processes with a time budget.

Workers only read PDFs and return ``Review`` records; the caller stores them one at a time, each
in its own transaction, so a run killed at any point resumes cleanly (unchanged files are skipped
by sha256 and a half-written review never exists).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from scr_miner.ingest.pdf import PdfReadError
from scr_miner.ingest.review import review_from_pdf, sha256_of
from scr_miner.records import Review

DEFAULT_TIME_BUDGET = 120.0  # seconds per file
DEFAULT_MAX_MB = 300


@dataclass
class FileOutcome:
    """What happened to one file: a review, a skip, or an error with code and reason."""

    path: Path
    sha256: str = ""
    review: Review | None = None
    skipped: bool = False
    code: str = ""
    reason: str = ""
    seconds: float = 0.0


def pdf_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the PDFs inside them (sorted, recursive); keep named files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf")
        else:
            found.append(path)
    return found


def _on_alarm(signum: int, frame: object) -> None:
    raise TimeoutError


def read_one(path: Path, manifest_row: dict | None, max_pages: int, budget: float,
             max_mb: float) -> FileOutcome:
    """Read one file into a ``FileOutcome`` (never raises for bad input)."""
    started = time.perf_counter()
    outcome = FileOutcome(path)
    try:
        if not path.exists():
            raise PdfReadError("missing", "file not found")
        if path.stat().st_size > max_mb * 1_000_000:
            raise PdfReadError("too-large", f"larger than --max-mb {max_mb:g} MB")
        outcome.sha256 = sha256_of(path)
        signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, budget)
        try:
            outcome.review = review_from_pdf(path, manifest_row, max_pages=max_pages)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except PdfReadError as exc:
        outcome.code, outcome.reason = exc.code, exc.reason
    except TimeoutError:
        outcome.code, outcome.reason = "timeout", f"took longer than {budget:g}s"
    except MemoryError:
        outcome.code, outcome.reason = "too-large", "ran out of memory reading the file"
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the batch
        outcome.code, outcome.reason = "unreadable", f"{exc.__class__.__name__}: {exc}"[:300]
    outcome.seconds = time.perf_counter() - started
    return outcome


def ingest_files(
    paths: list[Path],
    *,
    known: set[str],
    manifest: dict[str, dict] | None = None,
    jobs: int = 1,
    max_pages: int = 5000,
    budget: float = DEFAULT_TIME_BUDGET,
    max_mb: float = DEFAULT_MAX_MB,
    on_start: Callable[[int], None] | None = None,
) -> Iterator[FileOutcome]:
    """Yield an outcome per file, skipping files whose sha256 is in ``known``."""
    manifest = manifest or {}
    todo: list[Path] = []
    for path in paths:
        try:
            digest = sha256_of(path) if path.is_file() else ""
        except OSError:
            digest = ""
        if digest and digest in known:
            yield FileOutcome(path, digest, skipped=True)
        else:
            todo.append(path)
    if on_start:
        on_start(len(todo))

    def row_for(path: Path) -> dict | None:
        return manifest.get(path.name) or manifest.get(path.stem)

    if jobs <= 1:
        for path in todo:
            yield read_one(path, row_for(path), max_pages, budget, max_mb)
        return
    yield from _in_workers(todo, row_for, jobs, max_pages, budget, max_mb)


def _in_workers(todo: list[Path], row_for: Callable, jobs: int, max_pages: int, budget: float,
                max_mb: float) -> Iterator[FileOutcome]:
    """Run ``read_one`` in worker processes; a worker stuck past twice the budget is killed."""
    context = multiprocessing.get_context("forkserver")
    pending = list(reversed(todo))
    while pending:
        executor = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
        running: dict[Future, tuple[Path, float]] = {}
        stuck: Path | None = None
        try:
            while pending or running:
                while pending and len(running) < jobs * 2:
                    path = pending.pop()
                    future = executor.submit(read_one, path, row_for(path), max_pages, budget,
                                             max_mb)
                    running[future] = (path, time.monotonic())
                done, _ = wait(running, timeout=1.0, return_when=FIRST_COMPLETED)
                for future in done:
                    path, _ = running.pop(future)
                    try:
                        yield future.result()
                    except Exception as exc:  # noqa: BLE001 - a worker died on this file
                        yield FileOutcome(path, code="crashed", reason=str(exc)[:300])
                overdue = [f for f, (_, t0) in running.items()
                           if time.monotonic() - t0 > 2 * budget + 5 * jobs]
                if overdue:
                    stuck = running[overdue[0]][0]
                    break
        finally:
            if stuck is not None:
                for path, _ in running.values():
                    if path != stuck:
                        pending.append(path)
                for process in list(executor._processes.values()):  # noqa: SLF001
                    os.kill(process.pid, signal.SIGKILL)
            executor.shutdown(wait=stuck is None, cancel_futures=True)
        if stuck is not None:
            yield FileOutcome(stuck, code="timeout", reason=f"worker stuck past {2 * budget:g}s")
        else:
            break
