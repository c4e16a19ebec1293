"""Schema creation and migration of real SQLite files."""

from pathlib import Path

import pytest

from scr_miner.errors import ScrMinerError
from scr_miner.store.db import open_db
from scr_miner.store.schema import SCHEMA_VERSION, schema_version


def test_new_database_gets_every_table(tmp_path: Path) -> None:
    db = open_db(tmp_path / "scr.db")
    assert schema_version(db) == SCHEMA_VERSION
    for table in (
        "reviews",
        "sections",
        "passages",
        "themes",
        "passage_themes",
        "agencies",
        "passage_agencies",
        "agency_links",
        "recommendations",
        "ingest_errors",
        "passage_embeddings",
        "meta",
    ):
        assert table in db.table_names()
    assert db["passages"].foreign_keys


def test_reopening_is_idempotent_and_keeps_rows(tmp_path: Path) -> None:
    path = tmp_path / "scr.db"
    db = open_db(path)
    db["meta"].insert({"key": "k", "value": "v"})
    db.conn.commit()
    again = open_db(path)
    assert again["meta"].get("k")["value"] == "v"
    assert again.execute("select count(*) from schema_version").fetchone()[0] == SCHEMA_VERSION


def test_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scr.db"
    db = open_db(path)
    db.execute("insert into schema_version values (?, datetime('now'))", [SCHEMA_VERSION + 5])
    db.conn.commit()
    with pytest.raises(ScrMinerError) as info:
        open_db(path)
    assert info.value.code == "E003"


def test_older_database_is_migrated_forward(tmp_path: Path) -> None:
    import sqlite_utils

    from scr_miner.store import schema

    path = tmp_path / "old.db"
    db = sqlite_utils.Database(path)
    db.execute(f"pragma application_id = {schema.SCHEMA_APP_ID}")
    db["schema_version"].create({"version": int, "applied_at": str}, pk="version")
    schema.MIGRATIONS[0](db)
    db.execute("insert into schema_version values (1, datetime('now'))")
    db.conn.commit()
    assert "passage_embeddings" not in db.table_names()
    migrated = open_db(path)
    assert "passage_embeddings" in migrated.table_names()
    assert schema_version(migrated) == SCHEMA_VERSION


def test_check_db_is_read_only(tmp_path: Path) -> None:
    from scr_miner.store.db import check_db

    path = tmp_path / "scr.db"
    open_db(path).conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    before = path.read_bytes()
    check_db(path)
    assert path.read_bytes() == before
    assert not Path(f"{path}-wal").exists()
    other = tmp_path / "other.db"
    other.write_bytes(b"not a database at all" * 50)
    with pytest.raises(ScrMinerError) as info:
        check_db(other)
    assert info.value.code == "E002"
