"""Serving: the Datasette command line for ``scr-miner serve``, and marking reviews as drafts."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from scr_miner.errors import error

SQL_TIME_LIMIT_MS = 3000
PRIVATE_ENV = "SCR_MINER_PRIVATE"  # read by scr_miner.publish.datasette_plugin


def datasette_command(db: Path, *, port: int, host: str = "127.0.0.1", private: bool = False,
                      metadata: Path = Path("metadata.yml")) -> list[str]:
    """The argv that serves ``db`` immutable (read-only) with our metadata and settings.

    ``private`` makes the whole site require a login: the plugin reads ``SCR_MINER_PRIVATE``,
    set here through ``env`` so that the caller can still ``exec`` the list as it is, and
    ``--root`` prints a one-off login URL for the operator (datasette-auth-passwords also works
    when ``SCR_MINER_PASSWORD_HASH`` is set).
    """
    executable = shutil.which("datasette") or str(Path(sys.executable).with_name("datasette"))
    command = [
        executable, "serve", "-i", str(db), "--host", host, "--port", str(port),
        "--setting", "sql_time_limit_ms", str(SQL_TIME_LIMIT_MS),
        "--setting", "default_cache_ttl", "60",
        "--setting", "truncate_cells_html", "400",
    ]
    if metadata.exists():
        command += ["-m", str(metadata)]
    settings = []
    if "OMP_NUM_THREADS" not in os.environ:
        # The server embeds one short question per request: one torch thread does it in ~40 ms,
        # while two threads spin against SQLite's and each other on a busy 2-core machine
        # (measured ~750 ms). See docs/site.md.
        settings.append("OMP_NUM_THREADS=1")
    if private:
        settings.append(f"{PRIVATE_ENV}=1")
        command.append("--root")
    if settings:
        command = [shutil.which("env") or "/usr/bin/env", *settings, *command]
    return command


def set_published(db_path: Path, review_ids: list[str], published: bool) -> list[str]:
    """Mark reviews published (public) or draft (logged-in users only); returns their ids.

    All or nothing: an unknown id changes nothing and raises E040.
    """
    from scr_miner.store.db import open_db

    db = open_db(db_path, must_exist=True)
    known = {row[0] for row in db.execute(
        f"select id from reviews where id in ({','.join('?' * len(review_ids))})", review_ids)}
    missing = [rid for rid in review_ids if rid not in known]
    if missing:
        raise error("E040", review=missing[0])
    with db.conn:
        db.execute(
            f"update reviews set published = ? where id in ({','.join('?' * len(review_ids))})",
            [int(published), *review_ids])
    return review_ids
