"""metadata.yml: valid for Datasette 0.65, every table described, every canned query right."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path
from urllib.parse import quote

import pytest

QUERIES = ("search_findings", "theme_passages", "reviews_by_theme_count", "theme_cooccurrence",
           "failed_to_share", "trainer_pack")


def rows(sample_db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows straight from SQLite, for computing what a canned query should return."""
    conn = sqlite3.connect(sample_db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_metadata_describes_every_table_and_column(metadata: dict, sample_db: Path) -> None:
    tables = metadata["databases"]["scr"]["tables"]
    for key in ("title", "license", "source", "about", "license_url", "source_url"):
        assert metadata.get(key), key
    names = [r[0] for r in rows(sample_db, "select name from sqlite_master where type in "
                                "('table', 'view') and name not like 'passages_fts%' "
                                "and name not like 'sqlite_%'")]
    for name in names:
        assert name in tables, f"{name} is not described"
        columns = [r[1] for r in rows(sample_db, f"pragma table_info([{name}])")]
        described = tables[name].get("columns", {})
        assert set(columns) == set(described), (name, set(columns) ^ set(described))
        assert tables[name].get("description"), name


def test_site_applies_metadata_to_any_database_name(get, dbname: str) -> None:
    page = get(f"/{dbname}/reviews.json?_extra=metadata")
    assert page.status_code == 200
    queries = get(f"/{dbname}.json").json()["queries"]
    assert {q["name"] for q in queries} == set(QUERIES)
    facets = get(f"/{dbname}/findings.json?_size=0").json()["facet_results"]
    assert {"review_type", "year", "section_kind", "themes", "agencies"} <= set(facets)
    assert "sorted by year descending" in get(f"/{dbname}/reviews.json?_size=0").json()[
        "human_description_en"]
    assert get("/-/metadata.json").json()["title"].startswith("scr-miner")


def query(get, dbname: str, name: str, **params: str) -> list[dict]:
    """Run a canned query through Datasette and return its rows as dicts."""
    args = "&".join(f"{k}={v}" for k, v in params.items())
    response = get(f"/{dbname}/{name}.json?_shape=array&{args}")
    assert response.status_code == 200, response.text
    return response.json()


def test_search_findings_highlights_and_links_pdf_page(get, dbname: str, sample_db: Path) -> None:
    found = query(get, dbname, "search_findings", q="school")
    expected = {pid for pid, text in rows(sample_db, "select id, text from passages")
                if re.search(r"\bschool(s|ed|ing)?\b", text, re.I)}
    assert expected and {r["passage_id"] for r in found} == expected
    pages = dict(rows(sample_db, "select id, page_start from passages"))
    for row in found:
        assert re.search(r"<mark>school(s|ed|ing)?</mark>", row["snippet"], re.I), row
        review = row["passage_id"].split(":")[0]
        assert row["pdf"] == f"/-/pdf/{review}#page={pages[row['passage_id']]}"
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)
    pdf = get(found[0]["pdf"].split("#")[0])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_search_findings_filters_by_theme_and_type(get, dbname: str, sample_db: Path) -> None:
    themed = {r[0] for r in rows(sample_db, "select passage_id from passage_themes "
                                            "where theme_id = 'not-shared'")}
    found = query(get, dbname, "search_findings", q="school", theme="not-shared")
    assert found and {r["passage_id"] for r in found} <= themed
    assert all(r["review_type"] == "PFD" for r in
               query(get, dbname, "search_findings", q="school", review_type="PFD"))
    html = get(f"/{dbname}/search_findings?q=school").text
    assert "<mark>school</mark>" in html.lower() and 'href="/-/pdf/' in html


@pytest.mark.parametrize(("filters"), [
    {}, {"year_from": "2017"}, {"year_to": "2019"}, {"year_from": "2019", "year_to": "2024"},
    {"review_type": "SCR"}, {"agency": "school"}, {"agency": "gp", "year_to": "2016"},
])
def test_theme_passages_filters(get, dbname: str, sample_db: Path, filters: dict) -> None:
    found = query(get, dbname, "theme_passages", theme="not-shared", **filters)
    agencies = defaultdict(set)
    for pid, agency in rows(sample_db, "select passage_id, agency_id from passage_agencies"):
        agencies[pid].add(agency)
    expected = {
        pid for pid, year, rtype in rows(
            sample_db, "select p.id, r.year, r.review_type from passage_themes pt join "
                       "passages p on p.id = pt.passage_id join reviews r on r.id = p.review_id "
                       "where pt.theme_id = 'not-shared'")
        if year >= int(filters.get("year_from", 0)) and year <= int(filters.get("year_to", 9999))
        and filters.get("review_type", rtype) == rtype
        and ("agency" not in filters or filters["agency"] in agencies[pid])
    }
    assert {r["passage_id"] for r in found} == expected
    assert [r["year"] for r in found] == sorted(r["year"] for r in found)


def test_reviews_ranked_by_theme_count(get, dbname: str, sample_db: Path) -> None:
    themes = defaultdict(set)
    for review, theme in rows(sample_db, "select p.review_id, pt.theme_id from passage_themes "
                                         "pt join passages p on p.id = pt.passage_id"):
        themes[review].add(theme)
    found = query(get, dbname, "reviews_by_theme_count")
    assert {r["review_id"]: r["themes"] for r in found} == {k: len(v) for k, v in themes.items()}
    assert [r["themes"] for r in found] == sorted((r["themes"] for r in found), reverse=True)
    assert query(get, dbname, "reviews_by_theme_count", review_type="PFD")[0]["review_type"] \
        == "PFD"


def test_theme_cooccurrence(get, dbname: str, sample_db: Path) -> None:
    per_passage = defaultdict(set)
    for pid, theme in rows(sample_db, "select passage_id, theme_id from passage_themes"):
        per_passage[pid].add(theme)
    pairs = Counter(pair for themes in per_passage.values()
                    for pair in combinations(sorted(themes), 2))
    found = query(get, dbname, "theme_cooccurrence")
    assert {(r["theme_a"], r["theme_b"]): r["passages"] for r in found} == dict(pairs)
    at_least_3 = query(get, dbname, "theme_cooccurrence", min_passages="3")
    assert {(r["theme_a"], r["theme_b"]) for r in at_least_3} == {
        k for k, v in pairs.items() if v >= 3}


def test_failed_to_share(get, dbname: str, sample_db: Path) -> None:
    links = rows(sample_db, "select from_agency, to_agency, passage_id, theme_id "
                            "from agency_links")
    # A passage can link the same two agencies under several themes: count it once.
    expected = Counter(
        (a, b) for a, b, _ in {(a, b, pid) for a, b, pid, theme in links
                               if theme != "effective-sharing"}
    )
    found = query(get, dbname, "failed_to_share")
    assert expected and {(r["from_agency"], r["to_agency"]): r["passages"] for r in found} \
        == dict(expected)
    assert all("effective-sharing" not in r["themes"] for r in found)
    agency = next(iter(expected))[0]
    either_side = query(get, dbname, "failed_to_share", agency=agency)
    assert either_side and all(agency in (r["from_agency"], r["to_agency"])
                               for r in either_side)


def test_trainer_pack(get, dbname: str, sample_db: Path) -> None:
    scored = rows(sample_db, "select p.review_id, p.id, pt.score from passage_themes pt join "
                             "passages p on p.id = pt.passage_id where pt.theme_id = 'not-shared'")
    by_review = defaultdict(list)
    for review, pid, score in scored:
        by_review[review].append((score, pid))
    top = [item for items in by_review.values()
           for item in sorted(items, key=lambda s: (-s[0], s[1]))[:2]]
    expected = [pid for _, pid in sorted(top, key=lambda s: (-s[0], s[1]))]
    found = query(get, dbname, "trainer_pack", theme="not-shared")
    assert [r["passage_id"] for r in found] == expected[:12]
    assert len(query(get, dbname, "trainer_pack", theme="not-shared", limit="2")) == 2
    assert all(r["evidence"] and r["pdf"].startswith("/-/pdf/") for r in found)


def test_every_canned_query_is_tested() -> None:
    tested = {name for name in QUERIES if f'"{name}"' in Path(__file__).read_text()}
    assert tested == set(QUERIES)


def test_search_findings_takes_hyphens_and_ampersands(get, dbname: str) -> None:
    for q in ("self-harm", "A&E", '"health visitor" NOT school', "(GP"):
        response = get(f"/{dbname}/search_findings.json?_shape=array&theme=&review_type="
                       f"&q={quote(q)}")
        assert response.status_code == 200, (q, response.text[:300])
    hits = query(get, dbname, "search_findings", q="health-visitor")
    assert hits and all("<mark>" in h["snippet"] for h in hits)
