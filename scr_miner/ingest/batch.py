"""Ingest many files: skip unchanged ones, read the rest in worker processes with a time budget.

Each file is read in a process of its own (forked from a forkserver that has already imported
the ingest code, so a fork costs milliseconds). Then a file that hangs inside the PDF library is
killed at its deadline, a file that crashes the library or exhausts the memory limit takes only
its own process down, and the error is pinned on the right file. Workers only read PDFs and
return ``Review`` records; the caller stores them one at a time, each in its own transaction,
so a run killed at any point resumes cleanly (unchanged files are skipped by sha256 and a
half-written review never exists).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib.machinery import ModuleSpec
from multiprocessing.connection import Connection, wait
from pathlib import Path

from scr_miner.ingest.pdf import PdfReadError
from scr_miner.ingest.review import review_from_pdf, sha256_of
from scr_miner.records import Review

DEFAULT_TIME_BUDGET = 120.0  # seconds per file
DEFAULT_MAX_MB = 300  # file size
DEFAULT_MEMORY_MB = 3000  # address space of a worker: a decompression bomb hits this
KILL_GRACE = 5.0  # seconds past the budget before a worker is killed outright


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


@dataclass
class Limits:
    """What one file may cost: pages, seconds, file size and worker memory."""

    max_pages: int = 5000
    budget: float = DEFAULT_TIME_BUDGET
    max_mb: float = DEFAULT_MAX_MB
    memory_mb: float = DEFAULT_MEMORY_MB


def pdf_files(paths: list[Path]) -> list[Path]:
    """Expand folders to the PDFs inside them (sorted, recursive); keep named files as given."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix.lower() == ".pdf")
        else:
            found.append(path)
    return found


class _Alarm:
    """The per-file time budget: SIGALRM raises TimeoutError and remembers that it fired,
    because ctypes (under pypdfium2) re-raises an exception from inside its calls as
    ``ArgumentError`` and the overrun would otherwise be reported as an unreadable file."""

    def __init__(self) -> None:
        self.fired = False

    def __call__(self, signum: int, frame: object) -> None:
        self.fired = True
        raise TimeoutError


def read_one(path: Path, manifest_row: dict | None, limits: Limits) -> FileOutcome:
    """Read one file into a ``FileOutcome`` (never raises for bad input)."""
    started = time.perf_counter()
    outcome = FileOutcome(path)
    alarm = _Alarm()
    try:
        if not path.is_file():
            raise PdfReadError("missing", "file not found")
        if path.stat().st_size > limits.max_mb * 1_000_000:
            raise PdfReadError("too-large", f"larger than --max-mb {limits.max_mb:g} MB")
        outcome.sha256 = sha256_of(path)
        signal.signal(signal.SIGALRM, alarm)
        signal.setitimer(signal.ITIMER_REAL, limits.budget)
        try:
            outcome.review = review_from_pdf(path, manifest_row, max_pages=limits.max_pages)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except PdfReadError as exc:
        outcome.code, outcome.reason = exc.code, exc.reason
    except (MemoryError, RecursionError):
        outcome.code, outcome.reason = "too-large", "ran out of memory reading the file"
    except Exception as exc:  # noqa: BLE001 - a bad file must never stop the batch
        if alarm.fired:  # the TimeoutError itself, or ctypes' wrapping of it
            outcome.code, outcome.reason = "timeout", f"took longer than {limits.budget:g}s"
        else:
            outcome.code, outcome.reason = "unreadable", f"{exc.__class__.__name__}: {exc}"[:300]
    outcome.seconds = time.perf_counter() - started
    return outcome


def _serve(conn: Connection, limits: Limits) -> None:
    """Body of a worker process: cap memory, then read the files it is sent, one at a time."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    limit = int(limits.memory_mb * 1_000_000)
    with contextlib.suppress(ValueError, OSError):  # no RLIMIT_AS: the time budget still holds
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        path, manifest_row = task
        conn.send(read_one(path, manifest_row, limits))


def ingest_files(
    paths: list[Path],
    *,
    known: set[str],
    manifest: dict[str, dict] | None = None,
    jobs: int = 1,
    limits: Limits | None = None,
    on_start: Callable[[int], None] | None = None,
    **legacy: float,
) -> Iterator[FileOutcome]:
    """Yield an outcome per file, skipping files whose sha256 is in ``known``.

    ``legacy`` accepts the older keyword form (``max_pages=``, ``budget=``, ``max_mb=``).
    """
    limits = limits or Limits()
    for name, value in legacy.items():
        setattr(limits, name, value)
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

    yield from _in_workers(todo, row_for, max(1, jobs), limits)


class _Worker:
    """A worker process and the file it is reading (if any)."""

    def __init__(self, context: multiprocessing.context.BaseContext, limits: Limits) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, limits), daemon=True)
        with _main_module_hidden():
            self.process.start()
        child.close()
        self.path: Path | None = None
        self.deadline = 0.0

    def give(self, path: Path, manifest_row: dict | None, budget: float) -> None:
        """Send a file to read."""
        self.path = path
        self.deadline = time.monotonic() + budget + KILL_GRACE
        self.conn.send((path, manifest_row))

    def kill(self) -> None:
        """Stop the process at once."""
        if self.process.is_alive() and self.process.pid:
            with contextlib.suppress(ProcessLookupError):  # it may just have exited
                os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(timeout=5)
        self.conn.close()

    def stop(self) -> None:
        """Ask an idle worker to finish, killing it if it does not."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=5)
        self.kill()


@contextlib.contextmanager
def _main_module_hidden() -> Iterator[None]:
    """Start workers without re-running the caller's main module in them.

    multiprocessing re-imports ``__main__`` in every new process; for the CLI that costs the
    whole typer/rich import (~0.4 s a worker), and a script without an ``if __name__ ==
    "__main__"`` guard would start workers recursively. The workers need only this module,
    which the forkserver has already imported. A main module named ``<package>.__main__`` is
    one multiprocessing does not re-run, so that is the name it is given while workers start.
    """
    main = sys.modules["__main__"]
    saved = main.__dict__.get("__spec__"), main.__dict__.get("__file__")
    main.__spec__ = ModuleSpec("scr_miner.__main__", None)
    try:
        yield
    finally:
        main.__spec__ = saved[0]
        if saved[1] is not None:
            main.__file__ = saved[1]


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: workers start from a clean single-threaded process, not a copy of the CLI
    # with its open database and progress-bar thread.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["scr_miner.ingest.batch"])
    return context


def _in_workers(todo: list[Path], row_for: Callable, jobs: int, limits: Limits
                ) -> Iterator[FileOutcome]:
    """Read the files in ``jobs`` worker processes; a worker that crashes or overruns its
    deadline is killed and replaced, and the error is pinned on the file it was reading."""
    context = _context()
    pending = list(reversed(todo))
    workers = [_Worker(context, limits) for _ in range(min(jobs, len(todo)))]
    try:
        while pending or any(w.path for w in workers):
            for worker in workers:
                if worker.path is None and pending:
                    path = pending.pop()
                    worker.give(path, row_for(path), limits.budget)
            busy = [w for w in workers if w.path is not None]
            ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                         timeout=0.5)
            for worker in busy:
                outcome = _collect(worker, ready)
                if outcome is None:
                    continue
                if outcome.code in ("crashed", "timeout") and not outcome.seconds:
                    workers[workers.index(worker)] = _Worker(context, limits)
                else:
                    worker.path = None
                yield outcome
    finally:
        for worker in workers:  # done, or the caller stopped early: leave no orphans
            if worker.path is None:
                worker.stop()
            else:
                worker.kill()


def _collect(worker: _Worker, ready: list) -> FileOutcome | None:
    """The outcome of a worker's file: read, crashed or overdue; None while still working."""
    path = worker.path
    assert path is not None
    if worker.conn in ready:
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            pass  # it died while sending: a crash
    elif worker.process.sentinel not in ready:
        if time.monotonic() <= worker.deadline:
            return None
        worker.kill()
        return FileOutcome(path, code="timeout",
                           reason=f"still running {KILL_GRACE:g}s past the time budget "
                           "(stuck in the PDF library): stopped")
    worker.kill()
    code = worker.process.exitcode
    why = (f"the PDF library crashed the reader (signal {-code})" if code is not None and code < 0
           else f"the reader exited with status {code}")
    return FileOutcome(path, code="crashed", reason=why)
