"""Faults survived: SIGKILL during classify and publish, then a rerun, leaves the same rows as an
uninterrupted run; the served file is only ever replaced whole; damaged or foreign files are
refused in one line. Everything runs the real ``scr-miner`` executable in its own process.

(SIGKILL during ingest is tests/ingest/test_crash_safety.py; a garbage file and a foreign
SQLite database given to ``info`` are tests/test_cli.py.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import CORPUS

BIN = Path(sys.executable).parent
SCR_MINER = BIN / "scr-miner"
# Tables written by classify and publish: compared row for row with an uninterrupted run.
LABEL_TABLES = ("passages", "passage_themes", "passage_agencies", "agency_links")
PUBLISH_TABLES = (*LABEL_TABLES, "recommendations", "passages_fts")
ORDER = {"passage_themes": "passage_id, theme_id", "passage_agencies": "passage_id, agency_id",
         "agency_links": "passage_id, from_agency, to_agency, theme_id",
         "recommendations": "passage_id", "passages_fts": "rowid"}

pytestmark = pytest.mark.slow


# ---------------------------------------------------------------- helpers
def start(*args: str) -> subprocess.Popen[bytes]:
    """Start the real ``scr-miner`` in a session of its own (so the kill reaches it all)."""
    return subprocess.Popen([str(SCR_MINER), *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def run_ok(*args: str, timeout: float = 300) -> None:
    """Run ``scr-miner`` to completion and insist on exit status 0."""
    result = subprocess.run([str(SCR_MINER), *args], capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr[-2000:]


def count(db: Path, sql: str) -> int:
    """One number from a database another process is writing (-1 while it is unreadable)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return -1


def kill_when(process: subprocess.Popen[bytes], ready: Callable[[], bool],
              limit: float = 240) -> None:
    """SIGKILL the process group as soon as ``ready()``; fail if the run ends first."""
    deadline = time.monotonic() + limit
    while not ready():
        assert process.poll() is None, "the run ended before it could be killed: " + (
            process.stderr.read().decode()[-1000:] if process.stderr else "")
        assert time.monotonic() < deadline, "the run never reached the kill point"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL


def rows(db: Path, tables: tuple[str, ...]) -> dict[str, list[tuple]]:
    """Every row of ``tables``, in a stable order."""
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"select * from [{t}] order by {ORDER.get(t, 'id')}").fetchall()
                for t in tables}


def embeddings(db: Path) -> dict[str, np.ndarray]:
    """Passage id -> stored vector."""
    with sqlite3.connect(db) as conn:
        return {pid: np.frombuffer(blob, dtype=np.float32) for pid, blob in
                conn.execute("select passage_id, vector from passage_embeddings")}


def assert_same_embeddings(ours: Path, clean: Path) -> None:
    """Same passages embedded once each; vectors equal up to batch-padding float noise."""
    a, b = embeddings(ours), embeddings(clean)
    assert sorted(a) == sorted(b)
    for pid, vector in a.items():
        assert np.allclose(vector, b[pid], atol=1e-4), pid


def assert_sound(db: Path) -> None:
    """``PRAGMA integrity_check`` passes and no key is stored twice."""
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        for table, key in (("passages", "id"), ("passage_embeddings", "passage_id"),
                           ("passage_themes", "passage_id || '/' || theme_id")):
            total, distinct = conn.execute(
                f"select count(*), count(distinct {key}) from {table}").fetchone()
            assert total == distinct, table


def sha256(path: Path) -> str:
    """Hex digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def copy(source: Path, target: Path) -> Path:
    """A private copy of a database (closed, checkpointed: one file)."""
    shutil.copy(source, target)
    return target


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def ingested_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole sample corpus ingested (about 3,300 passages: several classify batches)."""
    db = tmp_path_factory.mktemp("faults") / "ingested.db"
    run_ok("ingest", str(CORPUS / "pdfs"), "--db", str(db), "--jobs", "2")
    return db


@pytest.fixture()
def unembedded(sample_db: Path, tmp_path: Path) -> Path:
    """The session's sample database (three reviews, built by an uninterrupted ``run``) with
    its passage embeddings removed: classified, with publishing's slow step still to do."""
    db = copy(sample_db, tmp_path / "scr.db")
    with sqlite3.connect(db) as conn:
        conn.execute("delete from passage_embeddings")
    conn.close()
    return db


# ---------------------------------------------------------------- SIGKILL, then rerun
def test_classify_killed_then_rerun_equals_clean_run(ingested_corpus: Path,
                                                     tmp_path: Path) -> None:
    clean = copy(ingested_corpus, tmp_path / "clean.db")
    run_ok("classify", "--db", str(clean))
    crashed = copy(ingested_corpus, tmp_path / "crashed.db")
    total = count(crashed, "select count(*) from passages")
    done_sql = "select count(*) from passages where classified_with is not null"

    process = start("classify", "--db", str(crashed))
    kill_when(process, lambda: count(crashed, done_sql) > 0)
    # killed between batches: some committed, not all (else the test proved nothing)
    assert 0 < count(crashed, done_sql) < total
    assert_sound(crashed)

    run_ok("classify", "--db", str(crashed))
    assert rows(crashed, LABEL_TABLES) == rows(clean, LABEL_TABLES)
    assert count(crashed, done_sql) == total
    assert_sound(crashed)


def test_publish_killed_mid_embedding_keeps_the_old_site(
    unembedded: Path, sample_db: Path, tmp_path: Path
) -> None:
    db, site = unembedded, tmp_path / "site.db"
    run_ok("publish", "--db", str(db), "--site", str(site), "--no-embeddings")
    old_site = sha256(site)
    total = count(db, "select count(*) from passages")
    embedded = "select count(*) from passage_embeddings"

    process = start("publish", "--db", str(db), "--site", str(site))
    kill_when(process, lambda: count(db, embedded) > 0)
    assert 0 < count(db, embedded) < total
    assert sha256(site) == old_site, "the served file changed before publish finished"
    assert_sound(db)
    assert_sound(site)

    # a run killed while writing the copy would leave this: the next run starts it afresh
    building = tmp_path / "site.db.building"
    building.write_bytes(b"SQLite format 3\x00" + b"\x00" * 5000)
    run_ok("publish", "--db", str(db), "--site", str(site))
    assert not building.exists()
    for ours in (db, site):  # the same rows as the uninterrupted run that built sample_db
        assert rows(ours, PUBLISH_TABLES) == rows(sample_db, PUBLISH_TABLES)
        assert_same_embeddings(ours, sample_db)
        assert_sound(ours)


# ---------------------------------------------------------------- the swap, seen by Datasette
def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(site: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A real ``datasette -i`` on the site file; returns it with its reviews URL once up."""
    port = free_port()
    process = subprocess.Popen(
        [str(BIN / "datasette"), "serve", "-i", str(site), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}/{site.stem}/reviews.json?_shape=array&_col=id&_size=max"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            review_ids(url)
            return process, url
        except OSError:
            assert process.poll() is None, "datasette exited"
            time.sleep(0.2)
    raise AssertionError("datasette did not start")


def review_ids(url: str) -> frozenset[str]:
    """The review ids a server returns (raises on any HTTP or connection error)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return frozenset(row["id"] for row in json.load(response))


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started by this test."""
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def test_running_datasette_serves_the_old_file_until_the_new_one_is_complete(
    unembedded: Path, tmp_path: Path
) -> None:
    """The old site has three public reviews; the new one holds one back as a draft (hidden
    from anonymous visitors) and needs every passage embedded first, which takes a while."""
    db, site = unembedded, tmp_path / "site.db"
    run_ok("publish", "--db", str(db), "--site", str(site), "--no-embeddings")
    draft = "pfd-2019-northmoor-kai-ellison"
    run_ok("mark", draft, "--draft", "--db", str(db))

    server, url = serve(site)
    try:
        old = review_ids(url)
        assert len(old) == 3 and draft in old
        new = old - {draft}
        publishing = start("publish", "--db", str(db), "--site", str(site))
        seen_old_while_running, answers = 0, set()
        while publishing.poll() is None:
            ids = review_ids(url)  # every request answered in full, never an error
            answers.add(ids)
            seen_old_while_running += ids == old
            time.sleep(0.05)
        assert publishing.returncode == 0, publishing.stderr.read().decode()[-1000:]
        assert seen_old_while_running > 10
        assert answers <= {old, new}
        # The plugin notices the swap and reopens the file: the same server shows the new site.
        deadline = time.monotonic() + 15
        while (ids := review_ids(url)) != new and time.monotonic() < deadline:
            assert ids == old  # every answer whole: old until the switch, new after it
            time.sleep(0.1)
        assert ids == new
    finally:
        stop(server)
    # A (re)started server reads the new file too.
    server, url = serve(site)
    try:
        assert review_ids(url) == new
    finally:
        stop(server)
    assert_sound(site)


# ---------------------------------------------------------------- damaged and foreign files
def damaged_copy(source: Path, target: Path) -> Path:
    """A copy with a run of pages in the middle overwritten (passages, in a database that is
    mostly passages): it opens, then fails mid-read."""
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16384] = b"\xff" * 16384
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("command", ["classify", "info"])
def test_damaged_database_is_refused_in_one_line(
    ingested_corpus: Path, tmp_path: Path, command: str
) -> None:
    db = damaged_copy(ingested_corpus, tmp_path / "damaged.db")
    result = subprocess.run([str(SCR_MINER), command, "--db", str(db)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "error[E051]" in result.stderr and "malformed" in result.stderr
    assert "integrity_check" in result.stderr


def test_truncated_database_is_refused(sample_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "truncated.db"
    db.write_bytes(sample_db.read_bytes()[:60000])
    result = subprocess.run([str(SCR_MINER), "classify", "--db", str(db)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error[E002]" in result.stderr or "error[E051]" in result.stderr


def test_publish_never_replaces_a_foreign_file_with_the_site(db_copy: Path,
                                                            tmp_path: Path) -> None:
    db = db_copy
    foreign = tmp_path / "accounts.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("create table accounts (id integer)")
    conn.close()
    before = sha256(foreign)
    result = subprocess.run(
        [str(SCR_MINER), "publish", "--db", str(db), "--site", str(foreign)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "refusing to replace" in result.stderr
    assert sha256(foreign) == before


def test_site_must_be_another_file(db_copy: Path) -> None:
    db = db_copy
    result = subprocess.run(
        [str(SCR_MINER), "run", str(CORPUS / "pdfs" / "sar-2017-kelderby-mr-h.pdf"),
         "--db", str(db), "--site", str(db)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "error[E050]" in result.stderr
