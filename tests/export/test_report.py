"""The corpus report: Wilson intervals on known cases, tables re-derived by SQL, stamped files."""

from __future__ import annotations

import csv
import json
import math
import re
import sqlite3
from pathlib import Path

import pytest
from PIL import Image
from scipy.stats import binomtest
from typer.testing import CliRunner

from scr_miner.classify.themes import THEME_IDS
from scr_miner.cli import app
from scr_miner.export.report import wilson_interval, write_report
from scr_miner.store.db import get_meta, open_db

FIGURES = ("prevalence_by_year.png", "cooccurrence.png", "agency_network.png",
           "review_types.png")
STAMP = ["scr_miner_version", "taxonomy_version", "model_version"]


# ---------------------------------------------------------------- Wilson interval
@pytest.mark.parametrize(("k", "n", "low", "high"), [
    (5, 10, 0.2366, 0.7634),  # textbook case: symmetric about 0.5
    (0, 10, 0.0, 0.2775),  # zero successes still gives a non-degenerate upper bound
    (10, 10, 0.7225, 1.0),
    (1, 1, 0.2065, 1.0),
    (81, 263, 0.2553, 0.3662),  # Newcombe (1998), example (e)
])
def test_wilson_interval_on_known_cases(k: int, n: int, low: float, high: float) -> None:
    assert wilson_interval(k, n) == pytest.approx((low, high), abs=5e-5)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 30, 250])
def test_wilson_interval_agrees_with_scipy(n: int) -> None:
    for k in range(n + 1):
        expected = binomtest(k, n).proportion_ci(0.95, method="wilson")
        assert wilson_interval(k, n) == pytest.approx((expected.low, expected.high), abs=1e-9)


def test_wilson_interval_refuses_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
    with pytest.raises(ValueError):
        wilson_interval(4, 3)


# ---------------------------------------------------------------- the report on real data
@pytest.fixture(scope="module")
def report_dir(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the sample database, written once through the CLI."""
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(app, ["report", "--db", str(sample_db), "--out", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    listed = {Path(p).name for p in json.loads(result.stdout)}
    assert listed == {p.name for p in out.iterdir()}
    return out


def read_csv(path: Path) -> list[dict[str, str]]:
    """Rows of a report table."""
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def sql(db_path: Path, query: str, params: tuple = ()) -> list[tuple]:
    """An independent query straight through sqlite3."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(query, params).fetchall()


def test_every_table_is_stamped_with_the_database_versions(report_dir: Path,
                                                           sample_db: Path) -> None:
    meta = get_meta(open_db(sample_db, must_exist=True))
    for table in report_dir.glob("*.csv"):
        rows = read_csv(table)
        assert rows, table.name
        assert list(rows[0])[-3:] == STAMP, table.name
        assert {r["model_version"] for r in rows} == {meta["model_version"]}
        assert {r["taxonomy_version"] for r in rows} == {meta["taxonomy_version"]}
    stamp = json.loads((report_dir / "provenance.json").read_text())
    assert stamp["model_version"] == meta["model_version"]


def test_prevalence_by_year_matches_the_database(report_dir: Path, sample_db: Path) -> None:
    rows = read_csv(report_dir / "prevalence_by_year.csv")
    assert list(rows[0])[:7] == ["year", "theme_id", "reviews_with_theme", "reviews",
                                 "proportion", "ci95_low", "ci95_high"]
    years = dict(sql(sample_db, "select year, count(*) from reviews where published = 1 "
                                "group by year"))
    assert len(rows) == len(years) * len(THEME_IDS)
    for row in rows:
        year, theme = int(row["year"]), row["theme_id"]
        k = sql(sample_db, """select count(distinct p.review_id) from passage_themes t
                              join passages p on p.id = t.passage_id join reviews r
                              on r.id = p.review_id where r.year = ? and t.theme_id = ?""",
                (year, theme))[0][0]
        n = years[year]
        assert (int(row["reviews_with_theme"]), int(row["reviews"])) == (k, n)
        assert float(row["proportion"]) == pytest.approx(k / n, abs=1e-4)
        low, high = wilson_interval(k, n)
        assert (float(row["ci95_low"]), float(row["ci95_high"])) == pytest.approx(
            (low, high), abs=1e-4)


def test_cooccurrence_diagonal_and_symmetry(report_dir: Path, sample_db: Path) -> None:
    rows = read_csv(report_dir / "cooccurrence.csv")
    cell = {(r["theme_a"], r["theme_b"]): int(r["passages"]) for r in rows}
    assert len(cell) == len(THEME_IDS) * (len(THEME_IDS) + 1) // 2
    counts = dict(sql(sample_db, "select theme_id, count(*) from passage_themes group by 1"))
    for theme in THEME_IDS:
        assert cell[(theme, theme)] == counts.get(theme, 0)
    both = sql(sample_db, """select count(*) from passage_themes a join passage_themes b
                             on a.passage_id = b.passage_id
                             where a.theme_id = 'not-shared' and
                                   b.theme_id = 'consent-confidentiality'""")[0][0]
    assert cell[("not-shared", "consent-confidentiality")] == both


def test_agency_network_lists_failures_only(report_dir: Path, sample_db: Path) -> None:
    rows = read_csv(report_dir / "agency_network.csv")
    expected = sql(sample_db, """select from_agency, to_agency, count(*) from agency_links
                                 where theme_id != 'effective-sharing' group by 1, 2""")
    assert {(r["from_agency"], r["to_agency"], int(r["links"])) for r in rows} == set(expected)
    assert all("effective-sharing" not in r["themes"] for r in rows)
    # Ranked by passages, each counted once however many themes link the two agencies.
    passages = dict(sql(sample_db, """select from_agency || '>' || to_agency,
                                             count(distinct passage_id) from agency_links
                                      where theme_id != 'effective-sharing' group by 1"""))
    ranked = [int(r["passages"]) for r in rows]
    assert {f"{r['from_agency']}>{r['to_agency']}": int(r["passages"]) for r in rows} == passages
    assert ranked == sorted(ranked, reverse=True)


def test_review_types_add_up(report_dir: Path, sample_db: Path) -> None:
    rows = read_csv(report_dir / "review_types.csv")
    assert {r["review_type"]: int(r["reviews"]) for r in rows} == dict(
        sql(sample_db, "select review_type, count(*) from reviews group by 1"))
    assert sum(int(r["passages"]) for r in rows) == sql(
        sample_db, "select count(*) from passages")[0][0]


def test_figures_are_stamped_pngs(report_dir: Path, sample_db: Path) -> None:
    meta = get_meta(open_db(sample_db, must_exist=True))
    for name in FIGURES:
        with Image.open(report_dir / name) as image:
            assert image.format == "PNG" and image.width >= 800 and image.height >= 300
            assert meta["model_version"] in image.text["Description"]
            assert json.loads(image.text["Comment"])["taxonomy_version"] == meta[
                "taxonomy_version"]
            # Not a blank canvas: a drawn figure has many distinct colours.
            assert len(image.convert("RGB").getcolors(maxcolors=1 << 16) or []) > 20, name


def test_summary_embeds_every_figure_and_links_every_table(report_dir: Path,
                                                           sample_db: Path) -> None:
    text = (report_dir / "summary.md").read_text(encoding="utf-8")
    embedded = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert sorted(embedded) == sorted(FIGURES)
    linked = set(re.findall(r"\]\(([^)]+\.csv)\)", text))
    assert linked == {p.name for p in report_dir.glob("*.csv")}
    meta = get_meta(open_db(sample_db, must_exist=True))
    assert f"model {meta['model_version']}" in text
    assert f"taxonomy v{meta['taxonomy_version']}" in text
    overall = read_csv(report_dir / "prevalence_overall.csv")
    first = overall[0]
    assert (f"| {first['theme_id']} | {first['reviews_with_theme']}/{first['reviews']} | "
            f"{float(first['proportion']):.2f} | "
            f"{float(first['ci95_low']):.2f}–{float(first['ci95_high']):.2f} |") in text


@pytest.mark.slow
def test_unpublished_reviews_are_left_out(db_copy: Path, tmp_path: Path) -> None:
    with sqlite3.connect(db_copy) as conn:
        conn.execute("update reviews set published = 0 where review_type = 'PFD'")
    write_report(open_db(db_copy, must_exist=True), tmp_path)
    types = {r["review_type"] for r in read_csv(tmp_path / "review_types.csv")}
    assert types == {"SCR", "CSPR"}
    overall = read_csv(tmp_path / "prevalence_overall.csv")
    assert {int(r["reviews"]) for r in overall} == {2}
    assert not math.isnan(float(overall[0]["ci95_low"]))
