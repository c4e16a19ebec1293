"""Crash safety: a run SIGKILLed mid-way and then run again leaves the same database as a run
that was never interrupted."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ingest.conftest import CORPUS

SCR_MINER = Path(sys.executable).parent / "scr-miner"
FILES = 8


def start_ingest(folder: Path, db: Path) -> subprocess.Popen[bytes]:
    """Start the real ``scr-miner ingest`` in a session of its own."""
    return subprocess.Popen(
        [str(SCR_MINER), "ingest", str(folder), "--db", str(db), "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )


def reviews_stored(db: Path) -> int:
    """How many reviews a running ingest has committed so far (0 while unreadable)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return conn.execute("select count(*) from reviews").fetchone()[0]
    except sqlite3.Error:
        return 0


def orphans_gone(group: int, wait: float = 10.0) -> bool:
    """Whether the killed run's workers exit by themselves (they see their parent's pipe
    close); any still there after ``wait`` seconds are killed so as not to leak."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    return False


def content(db: Path) -> dict[str, list[tuple]]:
    """Reviews, sections and passages, without the time of ingestion."""
    with sqlite3.connect(db) as conn:
        columns = [r[1] for r in conn.execute("pragma table_info(reviews)")]
        kept = ", ".join(c for c in columns if c != "ingested_at")
        return {
            "reviews": conn.execute(f"select {kept} from reviews order by id").fetchall(),
            "sections": conn.execute("select * from sections order by id").fetchall(),
            "passages": conn.execute("select * from passages order by id").fetchall(),
        }


@pytest.mark.slow
def test_killed_run_then_rerun_equals_uninterrupted_run(tmp_path: Path) -> None:
    """SIGKILL after some reviews are stored; rerun; compare with a clean run."""
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for pdf in sorted((CORPUS / "pdfs").glob("*.pdf"))[:FILES]:
        shutil.copy(pdf, folder / pdf.name)

    clean_db, crashed_db = tmp_path / "clean.db", tmp_path / "crashed.db"
    assert start_ingest(folder, clean_db).wait(timeout=300) == 0

    process = start_ingest(folder, crashed_db)
    deadline = time.monotonic() + 300
    while reviews_stored(crashed_db) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    stored = reviews_stored(crashed_db)
    assert 2 <= stored < FILES, stored
    assert orphans_gone(process.pid), "worker processes outlived the killed run"

    assert start_ingest(folder, crashed_db).wait(timeout=300) == 0

    clean, crashed = content(clean_db), content(crashed_db)
    assert len(clean["reviews"]) == FILES
    assert crashed == clean
    with sqlite3.connect(crashed_db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        for table in ("reviews", "passages", "sections"):
            total, distinct = conn.execute(
                f"select count(*), count(distinct id) from {table}").fetchone()
            assert total == distinct, table
