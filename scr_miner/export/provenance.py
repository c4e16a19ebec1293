"""What produced an output: taxonomy, model and scr-miner versions, stamped on every export.

Values come from the database's ``meta`` table (written by ``classify`` and ``publish``), so an
output names the model that actually labelled the passages, not whatever model is installed now.
No timestamps: the same database gives byte-identical tables, which a paper can cite.
"""

from __future__ import annotations

import sqlite_utils

from scr_miner import __version__
from scr_miner.store.db import get_meta

UNKNOWN = "unknown"
# Column names added to every CSV row, so a table copied out of context still says its origin.
STAMP_COLUMNS = ("scr_miner_version", "taxonomy_version", "model_version")


def provenance(db: sqlite_utils.Database) -> dict[str, str]:
    """Versions behind ``db``'s labels plus the scr-miner version writing this output."""
    meta = get_meta(db)
    stamp = {
        "scr_miner_version": __version__,
        "taxonomy_version": meta.get("taxonomy_version") or UNKNOWN,
        "model_version": meta.get("model_version") or UNKNOWN,
        "embedding_model": meta.get("embedding_model") or UNKNOWN,
    }
    built_with = meta.get("scr_miner_version")
    if built_with and built_with != __version__:
        # Published by another release: say so rather than hide it behind the running version.
        stamp["database_scr_miner_version"] = built_with
    return stamp


def stamp_line(stamp: dict[str, str]) -> str:
    """One human line, e.g. ``scr-miner 0.1.0 · taxonomy v1 · model 1.0+abc``."""
    line = (f"scr-miner {stamp['scr_miner_version']} · taxonomy v{stamp['taxonomy_version']} · "
            f"model {stamp['model_version']} · embeddings {stamp['embedding_model']}")
    if "database_scr_miner_version" in stamp:
        line += f" · database published by scr-miner {stamp['database_scr_miner_version']}"
    return line


def stamp_columns(stamp: dict[str, str]) -> dict[str, str]:
    """The subset of ``stamp`` repeated on every CSV row."""
    return {key: stamp[key] for key in STAMP_COLUMNS}
