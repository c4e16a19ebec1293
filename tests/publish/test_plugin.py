"""The Datasette plugin's pages: semantic search (HTML and JSON), more like this, charts, PDFs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from scr_miner.publish.datasette_plugin import agency_network_svg, theme_heatmap_svg

QUESTION = "nobody told the GP about the earlier injuries"


@pytest.fixture(scope="module")
def answer(get) -> dict:
    """The JSON answer to one semantic question (loads the sentence model once)."""
    response = get(f"/-/semantic.json?q={QUESTION}&limit=5")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.slow
def test_semantic_json_ranks_by_cosine_of_stored_vectors(answer: dict, sample_db: Path) -> None:
    from scr_miner.classify.embed import contextual_embedder

    results = answer["results"]
    assert len(results) == 5
    conn = sqlite3.connect(sample_db)
    ids, blobs = zip(*conn.execute("select passage_id, vector from passage_embeddings"),
                     strict=True)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), -1)
    scores = matrix @ contextual_embedder().embed([QUESTION])[0]
    best = [ids[i] for i in np.argsort(-scores)[:5]]
    assert [r["passage_id"] for r in results] == best
    assert [r["score"] for r in results] == pytest.approx(sorted(scores)[::-1][:5], abs=1e-3)
    top = results[0]
    assert top["pdf"] == f"/-/pdf/{top['review_id']}#page={top['page']}"
    assert top["more_like_this"] == f"/-/semantic?like={top['passage_id']}"
    assert any(r["highlighted"] and "<mark>" in r["snippet_html"] for r in results)


@pytest.mark.slow
def test_semantic_page_shows_scores_snippets_and_links(get, answer: dict) -> None:
    html = get(f"/-/semantic?q={QUESTION}&limit=5").text
    assert html.count('class="scr-result"') == 5
    assert re.search(r"<mark>(GP|told|injuri\w*|earlier)</mark>", html, re.I)
    for result in answer["results"]:
        assert f'data-passage="{result["passage_id"]}"' in html
    assert 'class="scr-more"' in html and 'class="scr-pdf"' in html
    assert 'class="scr-score"' in html


@pytest.mark.slow
def test_more_like_this_excludes_the_passage_and_ranks_neighbours(get, answer: dict) -> None:
    source = answer["results"][0]["passage_id"]
    more = get(f"/-/semantic.json?like={source}&limit=3").json()
    assert more["source"]["passage_id"] == source
    assert len(more["results"]) == 3 and source not in {r["passage_id"] for r in more["results"]}
    scores = [r["score"] for r in more["results"]]
    assert scores == sorted(scores, reverse=True)
    assert get("/-/semantic.json?like=no-such-passage").status_code == 404


@pytest.mark.slow
def test_semantic_filters_and_fulltext_mode(get, sample_db: Path) -> None:
    typed = get(f"/-/semantic.json?q={QUESTION}&type=PFD&limit=5").json()["results"]
    assert typed and all(r["review_id"].startswith("pfd-") for r in typed)
    themed = get(f"/-/semantic.json?q={QUESTION}&theme=not-shared").json()["results"]
    conn = sqlite3.connect(sample_db)
    allowed = {r[0] for r in conn.execute(
        "select passage_id from passage_themes where theme_id = 'not-shared'")}
    assert themed and {r["passage_id"] for r in themed} <= allowed
    words = get("/-/semantic.json?q=school&mode=fulltext").json()["results"]
    assert words and all(r["highlighted"] for r in words)
    assert get("/-/semantic.json?q=school&year=2019").json()["results"][0]["year"] == 2019


def test_empty_search_page_renders_form(get) -> None:
    page = get("/-/semantic")
    assert page.status_code == 200 and 'name="q"' in page.text and "scr-result" not in page.text


def test_theme_chart_page_draws_every_theme_year_cell(get, sample_db: Path) -> None:
    conn = sqlite3.connect(sample_db)
    cells = conn.execute("select count(*) from theme_by_year").fetchone()[0]
    page = get("/-/themes")
    assert page.status_code == 200 and "<svg" in page.text
    assert len(re.findall(r"<rect [^>]*data-theme=", page.text)) == (
        len({r[0] for r in conn.execute("select theme_id from theme_by_year")})
        * len({r[0] for r in conn.execute("select year from theme_by_year")}))
    assert cells > 0
    # offline: nothing loaded from another host (no CDN scripts or stylesheets)
    assert not re.search(r'<(script|link|img)[^>]+(src|href)="(https?:)?//', page.text)


def test_network_page_draws_weighted_failure_edges(get, sample_db: Path) -> None:
    conn = sqlite3.connect(sample_db)
    failures = conn.execute(
        "select count(distinct from_agency || '>' || to_agency) from agency_links "
        "where theme_id != 'effective-sharing'").fetchone()[0]
    page = get("/-/network")
    assert page.status_code == 200
    assert len(re.findall(r"<path [^>]*data-from=", page.text)) == failures > 0
    # Each edge's weight is the passages that say so, however many themes each gives the link.
    weights = dict(conn.execute(
        "select from_agency || '>' || to_agency, count(distinct passage_id) from agency_links "
        "where theme_id != 'effective-sharing' group by 1").fetchall())
    shown = re.findall(r'data-from="([\w-]+)" data-to="([\w-]+)" data-weight="(\d+)"', page.text)
    assert {f"{a}>{b}": int(n) for a, b, n in shown} == weights
    one = get("/-/network?theme=effective-sharing").text
    effective = conn.execute("select count(distinct from_agency || '>' || to_agency) from "
                             "agency_links where theme_id = 'effective-sharing'").fetchone()[0]
    assert len(re.findall(r"<path [^>]*data-from=", one)) == effective


def test_svg_edge_width_grows_with_weight() -> None:
    svg = agency_network_svg([("police", "school", 4, 2), ("gp", "school", 1, 1)], {})
    widths = dict(re.findall(r'stroke-width="([\d.]+)"[^>]*data-from="(\w+)"', svg))
    assert float(next(w for w, a in widths.items() if a == "police")) > float(
        next(w for w, a in widths.items() if a == "gp"))
    assert "No classified" in theme_heatmap_svg([], {}, {})


def test_pdf_link_serves_the_review_file(get, sample_db: Path) -> None:
    review = sqlite3.connect(sample_db).execute("select id from reviews").fetchone()[0]
    response = get(f"/-/pdf/{review}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert get("/-/pdf/no-such-review").status_code == 404
