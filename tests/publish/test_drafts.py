"""Draft reviews (published = 0) never reach an anonymous client, whatever the route."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.app import Datasette
from datasette.utils import tilde_encode

from scr_miner.errors import ScrMinerError
from scr_miner.publish.serve import datasette_command, set_published

from .conftest import DRAFT, fetch, make_datasette

ADMIN = {"id": "admin"}


@pytest.fixture(scope="module")
def draft_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample database with one review marked draft."""
    path = tmp_path_factory.mktemp("drafts") / "scr.db"
    path.write_bytes(sample_db.read_bytes())
    assert set_published(path, [DRAFT], published=False) == [DRAFT]
    return path


@pytest.fixture(scope="module")
def ds(draft_db: Path, metadata: dict) -> Datasette:
    """Datasette over the database holding a draft."""
    return make_datasette(draft_db, metadata)


@pytest.fixture(scope="module")
def secrets(draft_db: Path) -> list[str]:
    """Strings that would show a draft leaked: its id, and long passages only the draft has."""
    conn = sqlite3.connect(draft_db)
    published = "\n".join(r[0] for r in conn.execute(
        "select text from passages where review_id != ?", [DRAFT]))
    texts = [r[0][:60] for r in conn.execute(
        "select text from passages where review_id = ? and length(text) > 120", [DRAFT])]
    texts = [t for t in texts if t not in published]
    assert len(texts) > 5
    return [DRAFT, *texts]


def assert_no_draft(response, secrets: list[str], url: str) -> None:
    """The response is refused or holds no trace of the draft."""
    body = response.text.replace("\\u2019", "’").replace("\\u2013", "–")
    leaked = [s for s in secrets if s in body or quote(s) in body]
    assert response.status_code in (200, 400, 403, 404), (url, response.status_code)
    assert not leaked, (url, leaked[:2])


def every_table(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    return [r[0] for r in conn.execute(
        "select name from sqlite_master where type in ('table', 'view')")]


def test_set_published_refuses_unknown_review(draft_db: Path) -> None:
    with pytest.raises(ScrMinerError, match="E040"):
        set_published(draft_db, ["no-such-review"], published=False)


def test_tables_views_and_facets_hide_drafts(ds: Datasette, draft_db: Path,
                                             secrets: list[str]) -> None:
    name = draft_db.stem
    for table in every_table(draft_db):
        for args in ("_size=max&_nosuggest=1", "_search=child&_size=max&_nosuggest=1"):
            url = f"/{name}/{table}.json?{args}"
            assert_no_draft(fetch(ds, url), secrets, url)
    for table in ("reviews", "passages", "sections", "findings", "recommendations"):
        for url in (f"/{name}/{table}?_size=max", f"/{name}/{table}.json?_facet=review_id"):
            assert_no_draft(fetch(ds, url), secrets, url)
    # CSV and streamed CSV, and the same table names spelt differently, reach the same filters
    for spelling in ("passages", "PASSAGES", "~70assages", "passage_themes", "findings"):
        for url in (f"/{name}/{spelling}.json?_size=max", f"/{name}/{spelling}.csv?_stream=on"):
            assert_no_draft(fetch(ds, url), secrets, url)


def test_row_pages_of_drafts_are_not_found(ds: Datasette, draft_db: Path,
                                           secrets: list[str]) -> None:
    name = draft_db.stem
    conn = sqlite3.connect(draft_db)
    passage, rowid = conn.execute("select id, rowid from passages where review_id = ? limit 1",
                                  [DRAFT]).fetchone()
    labelled, theme = conn.execute("select passage_id, theme_id from passage_themes "
                                   "where passage_id like ?", [DRAFT + "%"]).fetchone()
    urls = [f"/{name}/reviews/{tilde_encode(DRAFT)}", f"/{name}/passages/{tilde_encode(passage)}",
            f"/{name}/PASSAGES/{tilde_encode(passage)}.json",
            f"/{name}/~70assages/{tilde_encode(passage)}.json",
            f"/{name}/passage_themes/{tilde_encode(labelled)},{tilde_encode(theme)}.json",
            f"/{name}/passages_fts/{rowid}.json",
            f"/{name}/sections/{tilde_encode(DRAFT + ':s001')}.json"]
    for url in urls:
        response = fetch(ds, url)
        assert response.status_code in (403, 404), url
        assert_no_draft(response, secrets, url)
        assert fetch(ds, url, ADMIN).status_code == 200, url  # logged in: the draft is there


def test_canned_queries_hide_drafts(ds: Datasette, draft_db: Path, secrets: list[str]) -> None:
    name = draft_db.stem
    queries = fetch(ds, f"/{name}.json").json()["queries"]
    assert len(queries) == 6
    words = "+OR+".join(w for w in secrets[1].split()[:6] if w.isalpha())
    conn = sqlite3.connect(draft_db)
    draft_themes = [r[0] for r in conn.execute(
        "select distinct theme_id from passage_themes where passage_id like ?", [DRAFT + "%"])]
    for query in queries:
        for theme in draft_themes:
            url = (f"/{name}/{query['name']}.json?_shape=array&q={words}&theme={theme}"
                   f"&agency=&review_type=&year_from=&year_to=&min_passages=&limit=100")
            response = fetch(ds, url)
            assert response.status_code == 200, (url, response.text)
            assert_no_draft(response, secrets, url)


def test_search_pages_hide_drafts(ds: Datasette, draft_db: Path, secrets: list[str]) -> None:
    conn = sqlite3.connect(draft_db)
    passage = conn.execute("select id from passages where review_id = ? and length(text) > 120",
                           [DRAFT]).fetchone()[0]
    text = conn.execute("select text from passages where id = ?", [passage]).fetchone()[0]
    question = quote(text[20:])  # the question, echoed on the page, is not itself a secret
    for mode in ("semantic", "hybrid", "fulltext"):
        for fmt in (".json", ""):
            url = f"/-/semantic{fmt}?q={question}&mode={mode}&limit=50"
            response = fetch(ds, url)
            assert response.status_code == 200
            assert_no_draft(response, secrets, url)
    assert fetch(ds, f"/-/semantic.json?like={passage}").status_code == 404
    assert fetch(ds, f"/-/pdf/{DRAFT}").status_code == 404
    for page in ("/-/themes", "/-/network"):
        assert_no_draft(fetch(ds, page), secrets, page)
    # logged in, the draft is searchable
    found = fetch(ds, f"/-/semantic.json?q={question}", ADMIN).json()["results"]
    assert found[0]["review_id"] == DRAFT
    assert fetch(ds, f"/-/semantic.json?like={passage}", ADMIN).status_code == 200


def test_raw_sql_and_download_are_refused_while_drafts_exist(ds: Datasette, draft_db: Path,
                                                             secrets: list[str]) -> None:
    name = draft_db.stem
    for sql in ("select * from passages", "select * from reviews where published = 0",
                "select text from passages_fts"):
        url = f"/{name}.json?sql={quote(sql)}"
        response = fetch(ds, url)
        assert response.status_code == 403, url
        assert_no_draft(response, secrets, url)
        assert fetch(ds, url, ADMIN).status_code == 200
    assert fetch(ds, f"/{name}/passages.json?_where=1").status_code in (400, 403)
    assert fetch(ds, f"/{name}.db").status_code == 403
    assert fetch(ds, f"/{name}.db", ADMIN).status_code == 200


def test_raw_sql_is_open_when_there_are_no_drafts(get, dbname: str) -> None:
    assert get(f"/{dbname}.json?sql=select+count(*)+from+passages").status_code == 200


def test_private_mode_requires_login(ds: Datasette, draft_db: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCR_MINER_PRIVATE", "1")
    name = draft_db.stem
    for url in ("/", f"/{name}", f"/{name}/themes.json", f"/{name}/search_findings.json?q=gp",
                "/-/semantic?q=gp", "/-/themes", "/-/network", f"/{name}.json?sql=select+1"):
        assert fetch(ds, url).status_code == 403, url
        assert fetch(ds, url, ADMIN).status_code == 200, url


def test_private_command_sets_the_mode_and_a_root_login(tmp_path: Path) -> None:
    command = datasette_command(tmp_path / "scr.db", port=8123, private=True)
    assert Path(command[0]).name == "env" and "SCR_MINER_PRIVATE=1" in command
    assert "--root" in command and "-i" in command
    public = datasette_command(tmp_path / "scr.db", port=8123)
    assert "--root" not in public and not any("PRIVATE" in part for part in public)


def test_reingesting_a_draft_keeps_it_draft(db_copy: Path, sample_pdfs: list[Path],
                                            root: Path) -> None:
    from typer.testing import CliRunner

    from scr_miner.cli import app

    runner = CliRunner()
    assert runner.invoke(app, ["mark", DRAFT, "--db", str(db_copy)]).exit_code == 0
    conn = sqlite3.connect(db_copy)
    conn.execute("update reviews set sha256 = 'changed' where id = ?", [DRAFT])  # force re-read
    conn.commit()
    conn.close()
    pdf = next(p for p in sample_pdfs if p.stem == DRAFT)
    result = runner.invoke(app, ["ingest", str(pdf), "--db", str(db_copy), "--jobs", "1",
                                 "--manifest", str(root / "corpus" / "manifest.csv")])
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(db_copy)
    assert conn.execute("select published, sha256 != 'changed' from reviews where id = ?",
                        [DRAFT]).fetchone() == (0, 1)
    result = runner.invoke(app, ["mark", DRAFT, "--published", "--db", str(db_copy)])
    assert result.exit_code == 0
    assert conn.execute("select published from reviews where id = ?", [DRAFT]).fetchone()[0] == 1
