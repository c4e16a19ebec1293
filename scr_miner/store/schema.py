"""Database schema, created and migrated in numbered steps recorded in ``schema_version``.

Each migration is a function that takes a ``sqlite_utils.Database``; a database records the last
step applied, so later releases add tables without breaking an existing ``scr.db``.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from scr_miner.errors import error

SCHEMA_APP_ID = 0x5C12_0001  # PRAGMA application_id: marks a file as a scr-miner database


def _create_core_tables(db: sqlite_utils.Database) -> None:
    db["reviews"].create(
        {
            "id": str,
            "sha256": str,
            "file": str,
            "title": str,
            "review_type": str,
            "board": str,
            "area": str,
            "year": int,
            "published_date": str,
            "subject": str,
            "author": str,
            "pages": int,
            "image_only_pages": int,
            "image_only_page_list": str,
            "published": int,
            "ingested_at": str,
        },
        pk="id",
        defaults={"published": 1, "image_only_pages": 0},
        not_null={"sha256", "file"},
    )
    db["sections"].create(
        {
            "id": str,
            "review_id": str,
            "title": str,
            "level": int,
            "kind": str,
            "page": int,
            "parent_id": str,
        },
        pk="id",
        foreign_keys=[("review_id", "reviews", "id")],
    )
    db["passages"].create(
        {
            "id": str,
            "review_id": str,
            "section_id": str,
            "section_kind": str,
            "paragraph_number": str,
            "page_start": int,
            "page_end": int,
            "char_start": int,
            "char_end": int,
            "kind": str,
            "text": str,
            "pdf_link": str,
            "theme_scores": str,
            "classified_with": str,
        },
        pk="id",
        foreign_keys=[("review_id", "reviews", "id"), ("section_id", "sections", "id")],
    )
    db["themes"].create({"id": str, "group": str, "label": str, "definition": str}, pk="id")
    db["agencies"].create({"id": str, "label": str}, pk="id")
    db["passage_themes"].create(
        {"passage_id": str, "theme_id": str, "score": float, "evidence": str},
        pk=("passage_id", "theme_id"),
        foreign_keys=[("passage_id", "passages", "id"), ("theme_id", "themes", "id")],
    )
    db["passage_agencies"].create(
        {"passage_id": str, "agency_id": str},
        pk=("passage_id", "agency_id"),
        foreign_keys=[("passage_id", "passages", "id"), ("agency_id", "agencies", "id")],
    )
    db["agency_links"].create(
        {"passage_id": str, "from_agency": str, "to_agency": str, "theme_id": str},
        pk=("passage_id", "from_agency", "to_agency", "theme_id"),
        foreign_keys=[
            ("passage_id", "passages", "id"),
            ("from_agency", "agencies", "id"),
            ("to_agency", "agencies", "id"),
            ("theme_id", "themes", "id"),
        ],
    )
    db["ingest_errors"].create(
        {"file": str, "sha256": str, "code": str, "reason": str, "at": str},
        pk="file",
    )
    db["passages"].create_index(["review_id"])
    db["sections"].create_index(["review_id"])
    db["passage_themes"].create_index(["theme_id"])
    db["agency_links"].create_index(["from_agency", "to_agency"])


def _create_embeddings_and_recommendations(db: sqlite_utils.Database) -> None:
    db["passage_embeddings"].create(
        {"passage_id": str, "model": str, "vector": bytes},
        pk="passage_id",
        foreign_keys=[("passage_id", "passages", "id")],
    )
    db["recommendations"].create(
        {"passage_id": str, "review_id": str, "number": str, "text": str},
        pk="passage_id",
        foreign_keys=[("passage_id", "passages", "id"), ("review_id", "reviews", "id")],
    )
    db["meta"].create({"key": str, "value": str}, pk="key")


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_core_tables,
    _create_embeddings_and_recommendations,
]
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(db: sqlite_utils.Database) -> int:
    """Return the schema version recorded in ``db`` (0 for a new, empty database)."""
    if "schema_version" not in db.table_names():
        return 0
    row = db.execute("select max(version) from schema_version").fetchone()
    return int(row[0] or 0)


def migrate(db: sqlite_utils.Database, path: str = "") -> int:
    """Bring ``db`` up to ``SCHEMA_VERSION``, refusing files that are not ours; return it."""
    app_id = db.execute("pragma application_id").fetchone()[0]
    tables = db.table_names()
    if tables and app_id != SCHEMA_APP_ID:
        raise error("E002", path=path, reason="it was not created by scr-miner")
    current = schema_version(db)
    if current > SCHEMA_VERSION:
        raise error("E003", path=path, found=current, supported=SCHEMA_VERSION)
    if current == SCHEMA_VERSION:
        return current
    with db.conn:
        if not tables:
            db.execute(f"pragma application_id = {SCHEMA_APP_ID}")
            db["schema_version"].create({"version": int, "applied_at": str}, pk="version")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version - 1](db)
            db.execute("insert into schema_version values (?, datetime('now'))", [version])
    return SCHEMA_VERSION
