"""Build the Datasette command line for ``scr-miner serve``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SQL_TIME_LIMIT_MS = 3000


def datasette_command(db: Path, *, port: int, host: str = "127.0.0.1", private: bool = False,
                      metadata: Path = Path("metadata.yml")) -> list[str]:
    """The argv that serves ``db`` immutable (read-only) with our metadata and settings."""
    executable = shutil.which("datasette") or str(Path(sys.executable).with_name("datasette"))
    command = [
        executable, "serve", "-i", str(db), "--host", host, "--port", str(port),
        "--setting", "sql_time_limit_ms", str(SQL_TIME_LIMIT_MS),
        "--setting", "default_cache_ttl", "60",
        "--setting", "truncate_cells_html", "400",
    ]
    if metadata.exists():
        command += ["-m", str(metadata)]
    if private:
        command += ["--setting", "default_allow_sql", "off"]
    return command
