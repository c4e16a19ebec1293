"""SQLite that can load extensions (for sqlite-vec), where the machine has one."""

from __future__ import annotations

import sqlite3
from types import ModuleType


def extension_sqlite() -> ModuleType | None:
    """A DB-API sqlite module that can load extensions (pysqlite3 first), or None."""
    candidates: list[ModuleType] = []
    try:
        import pysqlite3.dbapi2 as pysqlite3  # type: ignore[import-not-found]

        candidates.append(pysqlite3)
    except ImportError:
        pass
    candidates.append(sqlite3)
    for module in candidates:
        conn = module.connect(":memory:")
        try:
            if hasattr(conn, "enable_load_extension"):
                conn.enable_load_extension(True)
                return module
        except Exception:  # noqa: BLE001,S112 - this build cannot: try the next one
            continue
        finally:
            conn.close()
    return None
