"""The scr-miner Datasette plugin: semantic search, charts, PDF pages and draft protection.

It is thin: searches call ``scr_miner.export.search`` (the functions behind ``scr-miner search``)
and charts read the published views that ``scr_miner.publish.site`` creates. What it adds is the
web's own concern, who may see what:

- Anonymous visitors never receive a row of a draft review (``reviews.published = 0``): tables
  and views tied to reviews get a row filter (``filters_from_request``), row pages are checked
  before they render, tables that cannot be filtered (FTS shadow tables, statistics...) are
  refused, and raw SQL and the database download are refused while the database holds drafts
  (no SQL text can be filtered reliably). Canned queries and the search pages show published
  rows only.
- Logged-in actors (``datasette-auth-passwords`` at /-/login, or ``--root``) see drafts.
- With ``SCR_MINER_PRIVATE=1`` (set by ``scr-miner serve --private``) the whole site requires a
  login.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import math
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils import tilde_decode, urlsafe_components
from datasette.utils.asgi import Response, asgi_static
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from scr_miner.export.search import (
    Filters,
    Hit,
    embedding_model,
    fts_query,
    fulltext,
    fuse,
    more_like_this,
    safe_fts5,
    semantic_by_vector,
    with_details,
)
from scr_miner.store.schema import SCHEMA_APP_ID

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PRIVATE_ENV = "SCR_MINER_PRIVATE"
METADATA_DB = "scr"  # the database block of metadata.yml, applied to every scr-miner database
MAX_LIMIT = 50
MARK_OPEN, MARK_CLOSE = "\ue000", "\ue001"  # private-use delimiters: escaped text stays exact

_PUBLISHED_PASSAGES = (
    "select p.id from passages p join reviews r on r.id = p.review_id where r.published = 1"
)
# Row filters that hide drafts, per table or view (lower-case names).
VISIBLE_ROWS: dict[str, str] = {
    "reviews": "published = 1",
    "sections": "review_id in (select id from reviews where published = 1)",
    "passages": "review_id in (select id from reviews where published = 1)",
    "recommendations": "review_id in (select id from reviews where published = 1)",
    "passage_themes": f"passage_id in ({_PUBLISHED_PASSAGES})",
    "passage_agencies": f"passage_id in ({_PUBLISHED_PASSAGES})",
    "agency_links": f"passage_id in ({_PUBLISHED_PASSAGES})",
    "passage_embeddings": f"passage_id in ({_PUBLISHED_PASSAGES})",
    "passages_fts": "rowid in (select p.rowid from passages p join reviews r "
                    "on r.id = p.review_id where r.published = 1)",
    "findings": "published = 1",
}
# Tables and views that hold no draft rows (lookups, provenance, published-only aggregates).
NO_DRAFT_ROWS = {"themes", "agencies", "meta", "review_themes", "theme_by_year",
                 "agency_network"}
DRAFT_REVEALING_ACTIONS = {"execute-sql", "view-database-download"}

_warm_lock = threading.Lock()


# ---------------------------------------------------------------- who may see what
def logged_in(actor: dict | None) -> bool:
    """True for an authenticated actor (password login, root token, API token)."""
    return bool(actor and actor.get("id"))


def private_mode() -> bool:
    """True when the whole site requires a login (``scr-miner serve --private``)."""
    return os.environ.get(PRIVATE_ENV, "") not in ("", "0")


def our_databases(datasette: Any) -> list[str]:
    """Names of the attached databases created by scr-miner (found at startup)."""
    return getattr(datasette, "_scr_miner_databases", [])


async def _is_ours(db: Any) -> bool:
    result = await db.execute("pragma application_id")
    return bool(result.rows) and result.rows[0][0] == SCHEMA_APP_ID


async def has_drafts(datasette: Any, database: str) -> bool:
    """Whether ``database`` holds any draft review (queried each time: a mutable file changes)."""
    db = datasette.get_database(database)
    result = await db.execute("select exists(select 1 from reviews where published = 0)")
    return bool(result.rows[0][0])


async def canonical_table(datasette: Any, database: str, table: str) -> str:
    """The table's name as SQLite stores it (SQLite matches names case-insensitively)."""
    db = datasette.get_database(database)
    result = await db.execute(
        "select name from sqlite_master where type in ('table', 'view') "
        "and name = ? collate nocase", [table])
    return result.rows[0][0] if result.rows else table


async def row_visible(datasette: Any, database: str, table: str, pk_values: list[str]) -> bool:
    """Whether an anonymous visitor may see the row of ``table`` with these primary keys."""
    clause = VISIBLE_ROWS.get(table.lower())
    if clause is None:
        return True  # no draft rows here, or the table is refused by permission_allowed
    db = datasette.get_database(database)
    pks = await db.primary_keys(table) or ["rowid"]
    if len(pks) != len(pk_values):
        return False
    where = " and ".join(f"[{pk}] = ?" for pk in pks)
    result = await db.execute(
        f"select 1 from [{table}] where {where} and ({clause}) limit 1", pk_values)
    return bool(result.rows)


@hookimpl
def permission_allowed(datasette: Any, actor: dict | None, action: str,
                       resource: Any) -> Any:
    """Refuse anonymous access to whatever could reveal a draft; refuse everything if private."""
    if logged_in(actor):
        return None

    async def check() -> bool | None:
        if private_mode():
            return False
        database = resource[0] if isinstance(resource, tuple) else resource
        if not isinstance(database, str) or database not in our_databases(datasette):
            return None
        if action == "view-table":
            table = (await canonical_table(datasette, database, resource[1])).lower()
            return None if table in VISIBLE_ROWS or table in NO_DRAFT_ROWS else False
        if action in DRAFT_REVEALING_ACTIONS and await has_drafts(datasette, database):
            return False
        return None

    return check


@hookimpl
def filters_from_request(request: Any, database: str, table: str,
                         datasette: Any) -> Any:
    """Add a published-only row filter to table and view pages for anonymous visitors."""
    if logged_in(request.actor) or database not in our_databases(datasette):
        return None

    async def hide_drafts() -> FilterArguments | None:
        name = (await canonical_table(datasette, database, table)).lower()
        clause = VISIBLE_ROWS.get(name)
        return FilterArguments([clause]) if clause else None

    return hide_drafts


async def guarded_row(request: Any, send: Any, datasette: Any) -> Response:
    """Every row page passes here first: a draft's row is 'not found' for anonymous visitors."""
    database = tilde_decode(request.url_vars["database"])
    if not logged_in(request.actor) and database in our_databases(datasette):
        table = await canonical_table(datasette, database,
                                      tilde_decode(request.url_vars["table"]))
        pk_values = urlsafe_components(request.url_vars["pks"])
        if not await row_visible(datasette, database, table, pk_values):
            return Response.html("<h1>Not found</h1>", status=404)
    from datasette.views.row import RowView  # here: importing it at load time is circular

    return await RowView.as_view(datasette)(request, send)


# ---------------------------------------------------------------- set-up hooks
@hookimpl
def startup(datasette: Any) -> Any:
    """Find the scr-miner databases and warm their sentence models in the background."""

    async def inner() -> None:
        datasette._scr_miner_databases = [
            name for name, db in datasette.databases.items()
            if name != "_internal" and not db.is_memory and await _is_ours(db)
        ]
        for name in {await _embedding_model(datasette, db) for db in our_databases(datasette)}:
            threading.Thread(target=_embedder, args=(name,), daemon=True).start()
        threading.Thread(target=_follow_swaps, args=(datasette, our_databases(datasette)),
                         daemon=True).start()

    return inner


# ---------------------------------------------------------------- following `publish --site`
SWAP_POLL_SECONDS = 1.0


def _file_identity(path: str | None) -> tuple[int, int] | None:
    """(device, inode) of a served file: a new pair means a new file was swapped in. (Not the
    mtime: SQLite's own writes to a mutable file change that, and SQLite handles them.)"""
    try:
        found = os.stat(path) if path else None
    except OSError:  # a moment without the file: look again next time
        return None
    return (found.st_dev, found.st_ino) if found else None


def _follow_swaps(datasette: Any, names: list[str]) -> None:
    """Serve the new file once ``scr-miner publish --site`` has swapped it in whole.

    Open connections keep reading the old file (it was replaced, not changed), so without this
    a server shows the old site until restarted. Runs in a daemon thread: Datasette's own event
    loop is not running yet when the startup hook is called."""
    seen = {name: _file_identity(datasette.databases[name].path) for name in names}
    while True:
        time.sleep(SWAP_POLL_SECONDS)
        for name, identity in seen.items():
            now = _file_identity(datasette.databases[name].path)
            if now is not None and now != identity:
                seen[name] = now
                try:
                    _reopen(datasette, name)
                except Exception as exc:  # noqa: BLE001 - keep following; say why once
                    print(f"scr-miner: could not reopen {name}: {exc}", file=sys.stderr)


def _reopen(datasette: Any, name: str) -> None:
    """Put a fresh Database object in place of ``name`` and drop every SQL thread's connection
    to the old file (Datasette keeps one per thread, under the database's name)."""
    from datasette.database import Database, connections

    old = datasette.databases[name]
    new = Database(datasette, path=old.path, is_mutable=old.is_mutable)
    new.name, new.route = name, old.route
    # One assignment of a new dict, as Datasette's add_database does: a request sees the old
    # object or the new one, never neither.
    datasette.databases = {**datasette.databases, name: new}
    executor = datasette.executor
    if executor is None:
        return
    # One task per pool thread: the barrier holds each task until all have started, so no
    # thread runs two of them and every thread drops its own connection, between requests.
    threads = executor._max_workers
    barrier = threading.Barrier(threads)

    def drop_connection() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):  # a thread busy for 30 s
            barrier.wait(timeout=30)
        conn = getattr(connections, name, None)
        if conn is not None:
            delattr(connections, name)
            conn.close()

    for future in [executor.submit(drop_connection) for _ in range(threads)]:
        future.result()


@hookimpl
def prepare_connection(conn: Any) -> None:
    """``scr_fts_query(:q)`` for the canned searches: a user's FTS5 query, made safe."""
    conn.create_function("scr_fts_query", 1, lambda q: safe_fts5(q or ""), deterministic=True)


@hookimpl
def get_metadata(datasette: Any, key: str, database: str, table: str) -> dict:
    """Apply metadata.yml's ``scr`` database block to every scr-miner database, whatever its
    file name (Datasette 0.65 keys metadata by database name)."""
    local = getattr(datasette, "_metadata_local", None) or {}
    block = (local.get("databases") or {}).get(METADATA_DB)
    names = [n for n in our_databases(datasette) if n != METADATA_DB]
    if not block or not names:
        return {}
    return {"databases": {name: block for name in names}}


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Make our templates (all named scr_miner_*.html) findable; this module is not a package,
    so Datasette cannot find its templates folder by itself."""
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])


@hookimpl
def menu_links(datasette: Any, actor: dict | None, request: Any) -> list[dict]:
    """Links to the plugin's pages in Datasette's menu."""
    return [
        {"href": datasette.urls.path("/-/semantic"), "label": "Semantic search"},
        {"href": datasette.urls.path("/-/themes"), "label": "Themes by year"},
        {"href": datasette.urls.path("/-/network"), "label": "Agency network"},
    ]


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Markup | None:
    """Show canned queries' highlighted snippets and PDF links as HTML, safely escaped."""
    if database not in our_databases(datasette) or not isinstance(value, str):
        return None
    if column == "snippet" and "<mark>" in value:
        escaped = html.escape(value).replace("&lt;mark&gt;", "<mark>")
        return Markup(escaped.replace("&lt;/mark&gt;", "</mark>"))
    if column == "pdf" and value.startswith("/-/pdf/"):
        return Markup(f'<a href="{html.escape(datasette.urls.path(value))}">PDF page</a>')
    return None


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    """The plugin's pages, then the guard in front of Datasette's row pages."""
    return [
        (r"^/-/semantic(?P<as_json>\.json)?$", semantic_page),
        (r"^/-/themes$", themes_page),
        (r"^/-/network$", network_page),
        (r"^/-/pdf/(?P<review_id>[^/]+)$", pdf_file),
        (r"^/-/scr-miner/static/(?P<path>.*)$", asgi_static(str(STATIC))),
        (r"^/(?!-/)(?P<database>[^/.]+)/(?P<table>[^/]+?)/(?P<pks>[^/]+?)"
         r"(\.(?P<format>\w+))?$", guarded_row),
    ]


# ---------------------------------------------------------------- search pages
def _embedder(name: str) -> Any:
    from scr_miner.classify.embed import embedder_named

    with _warm_lock:  # one load, even when the warm-up thread and a request race
        return embedder_named(name)


async def _embedding_model(datasette: Any, database: str) -> str:
    """The model that made this database's passage vectors: questions are embedded by it."""
    return await datasette.get_database(database).execute_fn(
        lambda conn: embedding_model(sqlite_utils.Database(conn)))


def _database(datasette: Any, request: Any) -> str | None:
    names = our_databases(datasette)
    wanted = request.args.get("db")
    if wanted:
        return wanted if wanted in names else None
    return names[0] if names else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def filters_for(request: Any) -> Filters:
    """The CLI's search filters from the query string; drafts only for logged-in actors."""
    year = request.args.get("year") or ""
    year_from, _, year_to = year.partition("-")
    return Filters(
        theme=request.args.get("theme") or None,
        agency=request.args.get("agency") or None,
        year_from=_int(year_from),
        year_to=_int(year_to or year_from),
        review_type=request.args.get("type") or None,
        published_only=not logged_in(request.actor),
    )


def highlighted(conn: Any, rowid: int, question: str) -> str:
    """The passage's best fragment with the question's (stemmed) words marked by FTS5, or ''."""
    query = fts_query(question)
    if not query:
        return ""
    row = conn.execute(
        "select snippet(passages_fts, 0, ?, ?, ' … ', 40) from passages_fts "
        "where passages_fts match ? and rowid = ?",
        [MARK_OPEN, MARK_CLOSE, query, rowid]).fetchone()
    return row[0] if row else ""


def snippet_html(marked: str) -> str:
    """Escape a snippet and turn its private-use delimiters into <mark> elements."""
    return html.escape(marked).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")


def run_search(conn: Any, mode: str, question: str, like: str, vector: np.ndarray | None,
               filters: Filters, limit: int) -> list[dict]:
    """Run one search with the CLI's functions and return rows ready for the page and JSON."""
    db = sqlite_utils.Database(conn)
    if like:
        hits = more_like_this(db, like, filters, limit)
    elif mode == "fulltext":
        hits = fulltext(db, question, filters, limit)
    elif mode == "hybrid":
        hits = fuse({"fulltext": fulltext(db, question, filters, 50),
                     "semantic": semantic_by_vector(db, vector, filters, 50)}, limit)
    else:
        hits = semantic_by_vector(db, vector, filters, limit)
    return [_result(conn, hit, question) for hit in with_details(db, hits)]


def _result(conn: Any, hit: Hit, question: str) -> dict:
    rowid = conn.execute("select rowid from passages where id = ?",
                         [hit.passage_id]).fetchone()[0]
    marked = highlighted(conn, rowid, question) if question else ""
    plain = hit.text if len(hit.text) <= 400 else hit.text[:400] + " …"
    return {
        "passage_id": hit.passage_id, "score": round(hit.score, 4), "review_id": hit.review_id,
        "title": hit.title, "year": hit.year, "page": hit.page,
        "paragraph_number": hit.paragraph_number, "themes": hit.themes, "text": hit.text,
        "snippet_html": snippet_html(marked) if marked else html.escape(plain),
        "highlighted": bool(marked and MARK_OPEN in marked),
        "pdf": f"/-/pdf/{hit.review_id}#page={hit.page}",
        "more_like_this": f"/-/semantic?like={hit.passage_id}",
    }


async def _source_passage(datasette: Any, database: str, like: str,
                          actor: dict | None) -> dict | None:
    db = datasette.get_database(database)
    published = "" if logged_in(actor) else "and r.published = 1"
    result = await db.execute(
        f"select p.id, p.text, r.title, r.year, p.page_start from passages p "
        f"join reviews r on r.id = p.review_id where p.id = ? {published}", [like])
    if not result.rows:
        return None
    pid, text, title, year, page = result.rows[0]
    return {"passage_id": pid, "text": text, "title": title, "year": year, "page": page}


async def semantic_page(datasette: Any, request: Any) -> Response:
    """/-/semantic: a question (or ?like=passage) → nearest passages; /-/semantic.json too."""
    as_json = bool(request.url_vars.get("as_json"))
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    database = _database(datasette, request)
    question = (request.args.get("q") or "").strip()
    like = (request.args.get("like") or "").strip()
    mode = request.args.get("mode") or "semantic"
    limit = max(1, min(_int(request.args.get("limit")) or 10, MAX_LIMIT))
    context: dict[str, Any] = {"q": question, "like": like, "mode": mode, "results": [],
                               "source": None, "database": database, "error": None,
                               "args": request.args}
    if database is None:
        context["error"] = "No scr-miner database is being served."
    elif like:
        context["source"] = await _source_passage(datasette, database, like, request.actor)
        if context["source"] is None:
            context["error"] = f"No passage {like!r}."
    if database and not context["error"] and (question or like):
        vector = None
        if question and mode != "fulltext" and not like:
            embedder = _embedder(await _embedding_model(datasette, database))
            vector = (await asyncio.to_thread(embedder.embed, [question]))[0]
        filters = filters_for(request)
        context["results"] = await datasette.get_database(database).execute_fn(
            lambda conn: run_search(conn, mode, question, like, vector, filters, limit))
    if as_json:
        keys = ("q", "like", "mode", "results", "source", "database", "error")
        return Response.json({k: context[k] for k in keys},
                             status=404 if context["error"] else 200)
    context["themes"], context["agencies"] = await _vocabulary(datasette, database)
    return Response.html(await datasette.render_template(
        "scr_miner_semantic.html", context, request=request))


async def _vocabulary(datasette: Any, database: str | None) -> tuple[list, list]:
    if database is None:
        return [], []
    db = datasette.get_database(database)
    themes = (await db.execute("select id, label from themes order by id")).rows
    agencies = (await db.execute("select id, label from agencies order by id")).rows
    return [tuple(r) for r in themes], [tuple(r) for r in agencies]


async def pdf_file(datasette: Any, request: Any) -> Response:
    """The review's PDF (published reviews only, unless logged in), from the path it was
    ingested from; the browser opens it at ``#page=N``."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    review_id = tilde_decode(request.url_vars["review_id"])
    published = "" if logged_in(request.actor) else "and published = 1"
    for database in our_databases(datasette):
        result = await datasette.get_database(database).execute(
            f"select file from reviews where id = ? {published}", [review_id])
        if result.rows:
            path = Path(result.rows[0][0])
            if path.suffix.lower() == ".pdf" and path.is_file():
                return Response(path.read_bytes(), content_type="application/pdf",
                                headers={"content-disposition": f'inline; filename="{path.name}"'})
    return Response.html("<h1>Not found</h1>", status=404)


# ---------------------------------------------------------------- charts (server-side SVG)
async def themes_page(datasette: Any, request: Any) -> Response:
    """/-/themes: share of published reviews raising each theme, by year (a heat map)."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    database = _database(datasette, request)
    rows, totals, labels = [], {}, {}
    if database:
        db = datasette.get_database(database)
        rows = [tuple(r) for r in (await db.execute(
            "select year, theme_id, reviews, passages from theme_by_year "
            "where year is not null order by year, theme_id")).rows]
        totals = dict((await db.execute(
            "select year, count(*) from reviews where published = 1 and year is not null "
            "group by year")).rows)
        labels = dict((await db.execute("select id, label from themes")).rows)
    svg = Markup(theme_heatmap_svg(rows, totals, labels))
    return Response.html(await datasette.render_template(
        "scr_miner_chart.html",
        {"title": "Theme prevalence by year", "svg": svg, "database": database,
         "intro": "Share of the year's published reviews that raise each theme at least once "
                  "(hover a cell for counts). Data: the theme_by_year view."},
        request=request))


def theme_heatmap_svg(rows: list[tuple], totals: dict[int, int],
                      labels: dict[str, str]) -> str:
    """An SVG heat map: themes down, years across, cell shade = share of reviews."""
    years = sorted({r[0] for r in rows})
    themes = sorted({r[1] for r in rows})
    if not years:
        return '<p class="scr-empty">No classified published reviews yet.</p>'
    cells = {(r[0], r[1]): r for r in rows}
    left, top, w, h = 230, 40, 46, 24
    width, height = left + w * len(years) + 20, top + h * len(themes) + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="scr-chart" role="img" '
             f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
             "<title>Theme prevalence by year</title>"]
    for j, year in enumerate(years):
        parts.append(f'<text x="{left + j * w + w / 2}" y="{top - 10}" '
                     f'text-anchor="middle" class="scr-axis">{year}</text>')
    for i, theme in enumerate(themes):
        y = top + i * h
        label = html.escape(labels.get(theme, theme))
        parts.append(f'<text x="{left - 8}" y="{y + h * 0.65}" text-anchor="end" '
                     f'class="scr-axis">{label}</text>')
        for j, year in enumerate(years):
            row = cells.get((year, theme))
            share = (row[2] / totals[year]) if row and totals.get(year) else 0.0
            tip = (f"{label}, {year}: {row[2]} of {totals.get(year, 0)} reviews, "
                   f"{row[3]} passages" if row else f"{label}, {year}: none")
            parts.append(
                f'<rect x="{left + j * w}" y="{y}" width="{w - 2}" height="{h - 2}" '
                f'fill="rgba(180,40,40,{0.08 + 0.92 * share:.3f})" data-theme="{theme}" '
                f'data-year="{year}"><title>{tip}</title></rect>')
            if row:
                parts.append(f'<text x="{left + j * w + (w - 2) / 2}" y="{y + h * 0.65}" '
                             f'text-anchor="middle" class="scr-cell">{share:.0%}</text>')
    parts.append("</svg>")
    return "".join(parts)


async def network_page(datasette: Any, request: Any) -> Response:
    """/-/network: who failed to tell whom across published reviews, edges weighted by passages
    (``?theme=`` for one theme; effective sharing is left out unless asked for)."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    database = _database(datasette, request)
    theme = request.args.get("theme") or ""
    edges: list[tuple] = []
    labels: dict[str, str] = {}
    themes: list[tuple] = []
    if database:
        db = datasette.get_database(database)
        # Distinct passages and reviews, not a sum over the agency_network view's themes: a
        # passage can link the same two agencies under several themes.
        edges = [tuple(r) for r in (await db.execute(
            "select l.from_agency, l.to_agency, count(distinct l.passage_id),"
            " count(distinct p.review_id) from agency_links l"
            " join passages p on p.id = l.passage_id join reviews r on r.id = p.review_id"
            " where r.published = 1 and ((:theme = '' and l.theme_id != 'effective-sharing')"
            " or l.theme_id = :theme) group by 1, 2 order by 3 desc", {"theme": theme})).rows]
        labels = dict((await db.execute("select id, label from agencies")).rows)
        themes = [tuple(r) for r in (await db.execute(
            "select id, label from themes order by id")).rows]
    svg = Markup(agency_network_svg(edges, labels))
    return Response.html(await datasette.render_template(
        "scr_miner_chart.html",
        {"title": "Agency network", "svg": svg, "database": database, "edges": edges,
         "labels": labels, "themes": themes, "theme": theme,
         "intro": "Arrows go from the agency that held information to the agency that needed "
                  "it; thicker arrows mean more passages say so. Data: the agency_links "
                  "table."},
        request=request))


def agency_network_svg(edges: list[tuple], labels: dict[str, str]) -> str:
    """An SVG circle graph: agencies on a ring, arrows from holder to needer, width ∝ weight."""
    nodes = sorted({e[0] for e in edges} | {e[1] for e in edges})
    if not nodes:
        return '<p class="scr-empty">No agency links in the published reviews.</p>'
    size, radius, centre = 640, 230, 320
    LABEL_ROOM = 150  # noqa: N806 - room either side of the ring for long agency names
    where = {n: (centre + radius * math.cos(2 * math.pi * k / len(nodes) - math.pi / 2),
                 centre + radius * math.sin(2 * math.pi * k / len(nodes) - math.pi / 2))
             for k, n in enumerate(nodes)}
    heaviest = max(e[2] for e in edges)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="scr-chart" role="img" '
             f'width="{size + 2 * LABEL_ROOM}" height="{size}" '
             f'viewBox="{-LABEL_ROOM} 0 {size + 2 * LABEL_ROOM} {size}">',
             "<title>Who failed to tell whom</title>",
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
             'markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
             'fill="#a33"/></marker></defs>']
    for source, target, weight, reviews in edges:
        (x1, y1), (x2, y2) = where[source], where[target]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        # stop short of the node circles, and bend a little so A→B and B→A do not overlap
        x1, y1 = x1 + dx / length * 14, y1 + dy / length * 14
        x2, y2 = x2 - dx / length * 16, y2 - dy / length * 16
        cx, cy = (x1 + x2) / 2 - dy / length * 18, (y1 + y2) / 2 + dx / length * 18
        width = 1 + 7 * weight / heaviest
        tip = (f"{labels.get(source, source)} → {labels.get(target, target)}: "
               f"{weight} passages in {reviews} reviews")
        parts.append(f'<path d="M{x1:.1f},{y1:.1f} Q{cx:.1f},{cy:.1f} {x2:.1f},{y2:.1f}" '
                     f'fill="none" stroke="#a33" stroke-opacity="0.7" '
                     f'stroke-width="{width:.1f}" marker-end="url(#arrow)" '
                     f'data-from="{source}" data-to="{target}" data-weight="{weight}">'
                     f"<title>{html.escape(tip)}</title></path>")
    for node, (x, y) in where.items():
        anchor = "start" if x > centre + 1 else "end" if x < centre - 1 else "middle"
        lx = x + (18 if anchor == "start" else -18 if anchor == "end" else 0)
        ly = y + (4 if anchor != "middle" else (-16 if y < centre else 24))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="10" fill="#345" '
                     f'data-agency="{node}"><title>{html.escape(labels.get(node, node))}'
                     f'</title></circle><text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
                     f'class="scr-axis">{html.escape(labels.get(node, node))}</text>')
    parts.append("</svg>")
    return "".join(parts)


@hookimpl
def extra_css_urls(template: str, datasette: Any) -> list[str]:
    """Our stylesheet, on our own pages only."""
    if template.startswith("scr_miner_"):
        return [datasette.urls.path("/-/scr-miner/static/scr-miner.css")]
    return []

