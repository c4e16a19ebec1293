"""Reading and writing the scr-miner database with sqlite-utils.

Every write that changes one review or one batch of labels happens in a single transaction, so a
run killed at any point leaves either the old rows or the new ones, never half of each.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from scr_miner.errors import error
from scr_miner.records import Label, Review
from scr_miner.store.schema import migrate


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_db(path: str | Path, *, must_exist: bool = False) -> sqlite_utils.Database:
    """Open (or create) a scr-miner database, migrating its schema; refuse foreign files."""
    path = Path(path)
    if must_exist and not path.exists():
        raise error("E001", path=path)
    try:
        db = sqlite_utils.Database(path)
        db.execute("pragma journal_mode = wal")
        db.execute("pragma synchronous = normal")
        db.execute("pragma foreign_keys = on")
        migrate(db, str(path))
    except sqlite3.DatabaseError as exc:  # not a database, encrypted, truncated...
        raise error("E002", path=path, reason=str(exc)) from None
    except Exception as exc:
        if exc.__class__.__name__ in ("DatabaseError", "OperationalError"):
            raise error("E002", path=path, reason=str(exc)) from None
        raise
    return db


def check_db(path: str | Path) -> None:
    """Check, read-only, that ``path`` is a scr-miner database this release can serve.

    Serving must not write to the file (it is served immutable), so this never migrates and
    never changes the journal mode.
    """
    from scr_miner.store.schema import SCHEMA_APP_ID, SCHEMA_VERSION

    path = Path(path)
    if not path.exists():
        raise error("E001", path=path)
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            app_id = conn.execute("pragma application_id").fetchone()[0]
            version = conn.execute("select max(version) from schema_version").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise error("E002", path=path, reason=str(exc)) from None
    if app_id != SCHEMA_APP_ID:
        raise error("E002", path=path, reason="it was not created by scr-miner")
    if (version or 0) > SCHEMA_VERSION:
        raise error("E003", path=path, found=version, supported=SCHEMA_VERSION)


def seed_vocabulary(
    db: sqlite_utils.Database, themes: Iterable[dict], agencies: Iterable[dict]
) -> None:
    """Insert or refresh the ``themes`` and ``agencies`` lookup tables."""
    with db.conn:
        db["themes"].upsert_all(
            [
                {
                    "id": t["id"],
                    "group": t["group"],
                    "label": t["label"],
                    "definition": t["definition"],
                }
                for t in themes
            ],
            pk="id",
        )
        db["agencies"].upsert_all([{"id": a["id"], "label": a["label"]} for a in agencies], pk="id")


def known_sha256(db: sqlite_utils.Database) -> set[str]:
    """Return the sha256 of every file already stored as a review."""
    return {row[0] for row in db.execute("select sha256 from reviews")}


def delete_review(db: sqlite_utils.Database, review_id: str) -> None:
    """Delete a review and everything hanging off it (call inside a transaction)."""
    passage_ids = "select id from passages where review_id = ?"
    for table in (
        "passage_themes",
        "passage_agencies",
        "agency_links",
        "passage_embeddings",
        "recommendations",
    ):
        db.execute(f"delete from [{table}] where passage_id in ({passage_ids})", [review_id])
    db.execute("delete from passages where review_id = ?", [review_id])
    db.execute("delete from sections where review_id = ?", [review_id])
    db.execute("delete from reviews where id = ?", [review_id])


def save_review(db: sqlite_utils.Database, review: Review) -> None:
    """Store a review with its sections and passages, replacing any older version atomically."""
    # db.atomic(), not db.conn: sqlite-utils commits each statement run outside an open
    # transaction, and "with conn" opens none, so a crash could leave a review without passages.
    with db.atomic():
        # a re-ingested draft stays a draft: publishing is a decision, never a side effect
        previous = db.execute("select published from reviews where id = ?", [review.id]).fetchone()
        delete_review(db, review.id)
        db.execute("delete from ingest_errors where file = ?", [review.file])
        db["reviews"].insert(
            {
                "id": review.id,
                "sha256": review.sha256,
                "file": review.file,
                "title": review.title,
                "review_type": review.review_type,
                "board": review.board,
                "area": review.area,
                "year": review.year,
                "published_date": review.published_date,
                "subject": review.subject,
                "author": review.author,
                "pages": review.pages,
                "image_only_pages": len(review.image_only_pages),
                "image_only_page_list": json.dumps(review.image_only_pages),
                "published": previous[0] if previous else 1,
                "ingested_at": _now(),
            }
        )
        db["sections"].insert_all([{**s.__dict__, "review_id": review.id} for s in review.sections])
        db["passages"].insert_all(
            [
                {
                    **p.to_dict(),
                    "review_id": review.id,
                    "pdf_link": f"{Path(review.file).name}#page={p.page_start}",
                }
                for p in review.passages
            ]
        )


def record_ingest_error(
    db: sqlite_utils.Database, file: str, sha256: str, code: str, reason: str
) -> None:
    """Remember why a file failed, replacing an earlier error for the same file."""
    with db.conn:
        db["ingest_errors"].upsert(
            {"file": file, "sha256": sha256, "code": code, "reason": reason, "at": _now()},
            pk="file",
        )


def passages_to_classify(
    db: sqlite_utils.Database, model_version: str, batch_size: int = 512
) -> Iterator[list[tuple[str, str]]]:
    """Yield batches of ``(passage_id, text)`` not yet labelled by ``model_version``."""
    last = ""
    while True:
        rows = db.execute(
            "select id, text from passages where id > ? and "
            "(classified_with is null or classified_with != ?) order by id limit ?",
            [last, model_version, batch_size],
        ).fetchall()
        if not rows:
            return
        yield [(r[0], r[1]) for r in rows]
        last = rows[-1][0]


def save_labels(
    db: sqlite_utils.Database, labelled: list[tuple[str, Label]], model_version: str
) -> None:
    """Replace the labels of a batch of passages in one transaction."""
    ids = [pid for pid, _ in labelled]
    marks = ",".join("?" * len(ids))
    # db.atomic(), not db.conn (see save_review): a SIGKILL mid-batch used to leave passages
    # marked classified without their themes, and the rerun skipped them (tests/test_faults.py).
    with db.atomic():
        for table in ("passage_themes", "passage_agencies", "agency_links"):
            db.execute(f"delete from [{table}] where passage_id in ({marks})", ids)
        themes, agencies, links = [], [], []
        for pid, label in labelled:
            evidence = {e.theme: e.sentence for e in label.evidence}
            themes += [
                {
                    "passage_id": pid,
                    "theme_id": t,
                    "score": round(label.scores[t], 4),
                    "evidence": evidence.get(t, ""),
                }
                for t in label.themes
            ]
            agencies += [{"passage_id": pid, "agency_id": a} for a in label.agencies]
            links += [
                {
                    "passage_id": pid,
                    "from_agency": p.source,
                    "to_agency": p.target,
                    "theme_id": p.theme,
                }
                for p in label.pairs
            ]
            db.execute(
                "update passages set theme_scores = ?, classified_with = ? where id = ?",
                [json.dumps({k: round(v, 4) for k, v in label.scores.items()}), model_version, pid],
            )
        db["passage_themes"].insert_all(themes, replace=True)
        db["passage_agencies"].insert_all(agencies, replace=True)
        db["agency_links"].insert_all(links, replace=True)


def set_meta(db: sqlite_utils.Database, **values: str) -> None:
    """Record provenance such as model and taxonomy versions in the ``meta`` table."""
    with db.conn:
        db["meta"].upsert_all([{"key": k, "value": v} for k, v in values.items()], pk="key")


def get_meta(db: sqlite_utils.Database) -> dict[str, str]:
    """Return the ``meta`` table as a dict."""
    return {row[0]: row[1] for row in db.execute("select key, value from meta")}


def corpus_summary(db: sqlite_utils.Database) -> dict[str, object]:
    """Counts for ``scr-miner info``."""

    def one(sql: str) -> int:
        return int(db.execute(sql).fetchone()[0] or 0)

    by_type = dict(
        db.execute("select review_type, count(*) from reviews group by 1 order by 1").fetchall()
    )
    by_theme = dict(
        db.execute(
            "select theme_id, count(*) from passage_themes group by 1 order by 2 desc"
        ).fetchall()
    )
    return {
        "reviews": one("select count(*) from reviews"),
        "pages": one("select sum(pages) from reviews"),
        "image_only_pages": one("select sum(image_only_pages) from reviews"),
        "passages": one("select count(*) from passages"),
        "classified_passages": one(
            "select count(*) from passages where classified_with is not null"
        ),
        "ingest_errors": one("select count(*) from ingest_errors"),
        "reviews_by_type": by_type,
        "passages_by_theme": by_theme,
        "meta": get_meta(db),
    }
