"""Training packs: choice of excerpts, citations that resolve to real PDF pages, every format."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scr_miner.classify.themes import load_vocabulary
from scr_miner.cli import app
from scr_miner.export.packs import (
    CSV_COLUMNS,
    DUPLICATE_COSINE,
    Excerpt,
    choose_excerpts,
    is_complete,
    is_teachable,
    pack_excerpts,
    render_pack,
    stored_vectors,
)
from scr_miner.store.db import get_meta, open_db
from tests.export.pdftext import resolve_link, text_on_pages

THEMES_IN_SAMPLE = ("not-shared", "transfer-gap", "consent-confidentiality", "not-recorded")


def excerpt(pid: str, review: str, score: float, board: str = "", text: str = "") -> Excerpt:
    """A synthetic candidate for the pure selection tests."""
    return Excerpt(pid, score, text or f"Passage {pid} says the school did not tell the GP.",
                   review, f"Review {review}", "SCR", board or f"Board of {review}", 2020, 3, 3,
                   "1.1", f"{review}.pdf")


def unit(*values: float) -> np.ndarray:
    """A unit vector."""
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


# ---------------------------------------------------------------- choosing (pure)
def test_every_review_gets_its_best_before_any_gets_a_second() -> None:
    pool = [excerpt("a1", "A", 0.99), excerpt("a2", "A", 0.98), excerpt("b1", "B", 0.60),
            excerpt("c1", "C", 0.55)]
    chosen = choose_excerpts(pool, {}, limit=4, per_review=2)
    assert [e.passage_id for e in chosen] == ["a1", "b1", "c1", "a2"]


def test_per_review_cap_holds_even_when_the_pool_runs_dry() -> None:
    pool = [excerpt(f"a{i}", "A", 0.9 - i / 100) for i in range(6)] + [excerpt("b1", "B", 0.5)]
    chosen = choose_excerpts(pool, {}, limit=10, per_review=2)
    assert [e.passage_id for e in chosen] == ["a0", "b1", "a1"]


def test_unused_boards_go_before_a_second_review_of_the_same_board() -> None:
    pool = [excerpt("a1", "A", 0.9, board="North"), excerpt("b1", "B", 0.8, board="North"),
            excerpt("c1", "C", 0.7, board="South")]
    chosen = choose_excerpts(pool, {}, limit=3)
    assert [e.passage_id for e in chosen] == ["a1", "c1", "b1"]


def test_near_duplicates_are_skipped_at_the_threshold_and_kept_below_it() -> None:
    base = unit(1, 0, 0)
    angle_at = np.arccos(DUPLICATE_COSINE)
    same = unit(np.cos(angle_at * 0.9), np.sin(angle_at * 0.9), 0)  # cosine just above 0.9
    different = unit(np.cos(angle_at * 1.1), 0, np.sin(angle_at * 1.1))  # just below
    assert base @ same >= DUPLICATE_COSINE > base @ different
    pool = [excerpt("a1", "A", 0.9), excerpt("b1", "B", 0.8), excerpt("c1", "C", 0.7)]
    chosen = choose_excerpts(pool, {"a1": base, "b1": same, "c1": different}, limit=3)
    assert [e.passage_id for e in chosen] == ["a1", "c1"]


def test_without_vectors_verbatim_repeats_are_still_dropped() -> None:
    text = "The health visitor was not told that the family had moved to another area."
    pool = [excerpt("a1", "A", 0.9, text=text), excerpt("b1", "B", 0.8, text=text.upper())]
    assert [e.passage_id for e in choose_excerpts(pool, {}, limit=2)] == ["a1"]


def test_fragments_are_not_teachable_and_cut_off_passages_come_last() -> None:
    assert not is_teachable("contact the school and did not know which school Kai")
    assert not is_teachable("5.6 The nursery did not tell anyone.")
    assert is_teachable("5.6 The nursery did not tell the health visitor about any injury at all.")
    assert is_complete("It was “a lovely mum”.") and is_complete("(a) the GP;")
    assert not is_complete("He did not tell the health visitor about the")
    pool = [excerpt("a1", "A", 0.95, text="The GP did not tell the health visitor about the"),
            excerpt("b1", "B", 0.50)]
    assert [e.passage_id for e in choose_excerpts(pool, {}, limit=2)] == ["b1", "a1"]


# ---------------------------------------------------------------- real sample database
def jsonl_records(db_path: Path, theme: str, limit: int = 8) -> tuple[dict, list[dict]]:
    """Header and excerpt records of a JSONL pack."""
    lines = render_pack(open_db(db_path, must_exist=True), theme, "jsonl", limit).splitlines()
    records = [json.loads(line) for line in lines]
    assert records[0]["record"] == "pack"
    assert all(r["record"] == "excerpt" for r in records[1:])
    return records[0], records[1:]


@pytest.mark.parametrize("theme", THEMES_IN_SAMPLE)
def test_every_citation_resolves_to_the_page_that_prints_the_excerpt(sample_db: Path,
                                                                      theme: str) -> None:
    _, excerpts = jsonl_records(sample_db, theme)
    assert excerpts, f"the sample corpus should have {theme} passages"
    for e in excerpts:
        pdf, page = resolve_link(e["pdf_link"])
        assert pdf.exists(), e["pdf_link"]
        assert page == e["page_start"]
        assert e["pdf_link"] == f"pdfs/{Path(e['file']).name}#page={page}"
        assert text_on_pages(e["text"], pdf, e["page_start"], e["page_end"]), (
            f"{e['passage_id']} not found on {e['pdf_link']}")


def test_the_page_checker_itself_rejects_a_wrong_page(sample_db: Path) -> None:
    """Guard against a checker that always passes: the same excerpt on another page fails."""
    _, excerpts = jsonl_records(sample_db, "not-shared")
    e = next(x for x in excerpts if x["page_start"] == x["page_end"])
    pdf, page = resolve_link(e["pdf_link"])
    wrong = page + 1 if page > 1 else page + 2
    assert not text_on_pages(e["text"], pdf, wrong, wrong)


def test_excerpt_records_carry_full_citation_and_agencies(sample_db: Path) -> None:
    header, excerpts = jsonl_records(sample_db, "not-shared")
    db = open_db(sample_db, must_exist=True)
    vocabulary = load_vocabulary()
    assert header["theme"]["definition"] == vocabulary.theme("not-shared")["definition"]
    meta = get_meta(db)
    assert header["provenance"]["model_version"] == meta["model_version"]
    assert header["provenance"]["taxonomy_version"] == meta["taxonomy_version"]
    assert header["excerpts"] == len(excerpts)
    for rank, e in enumerate(excerpts, 1):
        assert e["rank"] == rank
        review = db.execute("select title, board, year from reviews where id = ?",
                            [e["review_id"]]).fetchone()
        assert (e["review_title"], e["board"], e["year"]) == review
        stored = {r[0] for r in db.execute(
            "select agency_id from passage_agencies where passage_id = ?", [e["passage_id"]])}
        assert set(e["agencies"]) == stored
        assert db.execute("select 1 from passage_themes where passage_id = ? and theme_id = ?",
                          [e["passage_id"], "not-shared"]).fetchone()
        assert e["citation"].startswith(f"{review[0]}, {review[1]}, {review[2]}, p")
        if e["paragraph_number"]:
            assert e["citation"].endswith(f"para. {e['paragraph_number']}")


def test_pack_is_diverse_capped_and_free_of_near_duplicates(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    chosen = pack_excerpts(db, "not-shared", limit=12, per_review=2)
    reviews = [e.review_id for e in chosen]
    assert len(set(reviews)) == 3  # all three sample reviews appear
    assert max(reviews.count(r) for r in reviews) <= 2
    assert reviews[:3] == list(dict.fromkeys(reviews))[:3]  # one per review before seconds
    vectors = stored_vectors(db, [e.passage_id for e in chosen])
    assert len(vectors) == len(chosen)
    for i, a in enumerate(chosen):
        for b in chosen[i + 1:]:
            assert float(vectors[a.passage_id] @ vectors[b.passage_id]) < DUPLICATE_COSINE


def test_unpublished_reviews_never_appear(db_copy: Path) -> None:
    _, before = jsonl_records(db_copy, "not-shared", 20)
    hidden = before[0]["review_id"]
    with sqlite3.connect(db_copy) as conn:
        conn.execute("update reviews set published = 0 where id = ?", [hidden])
    _, after = jsonl_records(db_copy, "not-shared", 20)
    assert after and hidden not in {e["review_id"] for e in after}


def test_csv_has_the_documented_columns_and_versions_on_every_row(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    rows = list(csv.DictReader(io.StringIO(render_pack(db, "transfer-gap", "csv", 5))))
    meta = get_meta(db)
    assert rows and len(rows) <= 5
    assert list(rows[0]) == list(CSV_COLUMNS)
    for rank, row in enumerate(rows, 1):
        assert int(row["rank"]) == rank and row["theme_id"] == "transfer-gap"
        assert row["model_version"] == meta["model_version"]
        assert row["taxonomy_version"] == meta["taxonomy_version"]
        assert row["scr_miner_version"]
        assert re.fullmatch(r"pdfs/[\w.-]+\.pdf#page=\d+", row["pdf_link"])
        assert 0 < float(row["score"]) <= 1


class _Sections(HTMLParser):
    """Collects excerpt sections, links and scr-miner meta tags."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.links: list[str] = []
        self.meta: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("class") == "excerpt":
            self.sections.append(a["id"] or "")
        elif tag == "a":
            self.links.append(a["href"] or "")
        elif tag == "meta" and (a.get("name") or "").startswith("scr-miner:"):
            self.meta[a["name"].split(":", 1)[1]] = a["content"] or ""


def test_html_pack_prints_on_a4_and_matches_the_jsonl_pack(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    page = render_pack(db, "consent-confidentiality", "html", 6)
    _, excerpts = jsonl_records(sample_db, "consent-confidentiality", 6)
    parsed = _Sections()
    parsed.feed(page)
    assert re.search(r"@page\s*{[^}]*size:\s*A4", page)
    assert "page-break-inside: avoid" in page
    assert parsed.sections == [e["passage_id"] for e in excerpts]
    assert parsed.links == [e["pdf_link"] for e in excerpts]
    assert parsed.meta["model_version"] == get_meta(db)["model_version"]
    assert load_vocabulary().theme("consent-confidentiality")["label"] in page


def test_markdown_pack_has_definition_stamp_and_links(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    text = render_pack(db, "not-recorded", "md", 4)
    _, excerpts = jsonl_records(sample_db, "not-recorded", 4)
    assert load_vocabulary().theme("not-recorded")["definition"] in text
    assert f"model {get_meta(db)['model_version']}" in text
    for e in excerpts:
        assert f"]({e['pdf_link']})" in text
        assert e["citation"] in text


def test_cli_export_writes_the_file_and_refuses_bad_input(sample_db: Path,
                                                          tmp_path: Path) -> None:
    target = tmp_path / "pack.html"
    runner = CliRunner()
    ok = runner.invoke(app, ["export", "--db", str(sample_db), "--theme", "not-shared",
                             "--format", "html", "--limit", "3", "-o", str(target)])
    assert ok.exit_code == 0, ok.output
    assert target.read_text(encoding="utf-8").count('<section class="excerpt"') == 3
    bad_format = runner.invoke(app, ["export", "--db", str(sample_db), "--theme", "not-shared",
                                     "--format", "docx"])
    assert bad_format.exit_code == 2 and "E021" in bad_format.output
    bad_theme = runner.invoke(app, ["export", "--db", str(sample_db), "--theme", "gossip"])
    assert bad_theme.exit_code == 2 and "E004" in bad_theme.output


@pytest.mark.browser
@pytest.mark.slow
def test_html_pack_prints_to_a4_pages_without_splitting_an_excerpt(sample_db: Path,
                                                                   tmp_path: Path) -> None:
    """Print the pack with headless Chromium; every page is A4 and each excerpt sits whole on
    one page (its opening and its last words on the same page)."""
    import shutil
    import subprocess

    import pypdfium2 as pdfium

    from tests.export.pdftext import letters

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (make browser)")
    db = open_db(sample_db, must_exist=True)
    page = tmp_path / "pack.html"
    page.write_text(render_pack(db, "not-shared", "html", 12), encoding="utf-8")
    printed = tmp_path / "pack.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--no-pdf-header-footer", f"--print-to-pdf={printed}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    doc = pdfium.PdfDocument(str(printed))
    sizes = {tuple(round(v / 72 * 25.4) for v in doc[i].get_size()) for i in range(len(doc))}
    texts = [letters(doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    doc.close()
    assert sizes == {(210, 297)}
    _, excerpts = jsonl_records(sample_db, "not-shared", 12)
    for e in excerpts:
        head, tail = letters(" ".join(e["text"].split()[:5])), letters(e["text"])[-30:]
        assert any(head in t and tail in t for t in texts), e["passage_id"]
