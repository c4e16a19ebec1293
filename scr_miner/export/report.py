"""The corpus report for researchers: tables (CSV), figures (PNG) and a Markdown summary.

Every number is computed from published reviews only, by SQL over the store, so the tables can be
re-derived from the database. Prevalence is counted per *review* (does a review have at least
one passage with the theme?) because passages of one review are not independent; its 95% Wilson
interval is therefore a binomial interval over reviews. Figures are drawn on matplotlib's Agg
canvas (no display, no pyplot global state) and carry the same version stamp as the tables.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

import numpy as np
import sqlite_utils
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from scr_miner.classify.themes import AGENCY_IDS, THEME_IDS
from scr_miner.export.provenance import provenance, stamp_columns, stamp_line

Z95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval
PUBLISHED = "r.published = 1"
FIGURE_DPI = 120


# ---------------------------------------------------------------- statistics
def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (good at small n and at 0 or n)."""
    if trials <= 0:
        raise ValueError("a proportion needs at least one trial")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must lie in 0..{trials}, not {successes}")
    p = successes / trials
    z2 = z * z
    centre = (p + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / (1 + z2 / trials)
    # Clamp float noise so k=0 gives exactly 0 and k=n exactly 1.
    return max(0.0, centre - half), min(1.0, centre + half)


# ---------------------------------------------------------------- tables
def prevalence_by_year(db: sqlite_utils.Database) -> list[dict]:
    """Share of each year's published reviews with at least one passage of each theme."""
    totals = dict(db.execute(
        f"select r.year, count(*) from reviews r where {PUBLISHED} and r.year is not null "
        "group by r.year").fetchall())
    hits = {(year, theme): n for year, theme, n in db.execute(
        f"""select r.year, pt.theme_id, count(distinct r.id) from passage_themes pt
            join passages p on p.id = pt.passage_id join reviews r on r.id = p.review_id
            where {PUBLISHED} and r.year is not null group by 1, 2""")}
    rows = []
    for year in sorted(totals):
        for theme in THEME_IDS:
            k, n = hits.get((year, theme), 0), totals[year]
            low, high = wilson_interval(k, n)
            rows.append({"year": year, "theme_id": theme, "reviews_with_theme": k, "reviews": n,
                         "proportion": k / n, "ci95_low": low, "ci95_high": high})
    return rows


def prevalence_overall(db: sqlite_utils.Database) -> list[dict]:
    """Share of all published reviews with each theme, with its Wilson interval."""
    n = db.execute(f"select count(*) from reviews r where {PUBLISHED}").fetchone()[0]
    hits = dict(db.execute(
        f"""select pt.theme_id, count(distinct r.id) from passage_themes pt
            join passages p on p.id = pt.passage_id join reviews r on r.id = p.review_id
            where {PUBLISHED} group by 1""").fetchall())
    passages = dict(db.execute(
        f"""select pt.theme_id, count(*) from passage_themes pt
            join passages p on p.id = pt.passage_id join reviews r on r.id = p.review_id
            where {PUBLISHED} group by 1""").fetchall())
    rows = []
    for theme in THEME_IDS:
        k = hits.get(theme, 0)
        low, high = wilson_interval(k, n) if n else (math.nan, math.nan)
        rows.append({"theme_id": theme, "reviews_with_theme": k, "reviews": n,
                     "proportion": k / n if n else math.nan, "ci95_low": low, "ci95_high": high,
                     "passages": passages.get(theme, 0)})
    return rows


def cooccurrence(db: sqlite_utils.Database) -> np.ndarray:
    """Passages carrying both themes i and j (diagonal: passages carrying theme i)."""
    index = {t: i for i, t in enumerate(THEME_IDS)}
    matrix = np.zeros((len(THEME_IDS), len(THEME_IDS)), dtype=int)
    for a, b, n in db.execute(
            f"""select x.theme_id, y.theme_id, count(*) from passage_themes x
                join passage_themes y on y.passage_id = x.passage_id
                join passages p on p.id = x.passage_id join reviews r on r.id = p.review_id
                where {PUBLISHED} group by 1, 2"""):
        if a in index and b in index:
            matrix[index[a], index[b]] = n
    return matrix


def cooccurrence_rows(matrix: np.ndarray) -> list[dict]:
    """The upper triangle (with diagonal) of the co-occurrence matrix in long form."""
    return [{"theme_a": THEME_IDS[i], "theme_b": THEME_IDS[j], "passages": int(matrix[i, j])}
            for i in range(len(THEME_IDS)) for j in range(i, len(THEME_IDS))]


def agency_network(db: sqlite_utils.Database) -> list[dict]:
    """Directed failure links (who failed to tell whom), good practice excluded, heaviest first
    by passages (``links`` counts a passage once per theme that links the two agencies)."""
    rows = db.execute(
        f"""select l.from_agency, l.to_agency, count(*), count(distinct l.passage_id),
                   count(distinct r.id), group_concat(distinct l.theme_id)
            from agency_links l join passages p on p.id = l.passage_id
            join reviews r on r.id = p.review_id
            where {PUBLISHED} and l.theme_id != 'effective-sharing'
            group by 1, 2 order by 4 desc, 3 desc, 1, 2""").fetchall()
    return [{"from_agency": a, "to_agency": b, "links": n, "passages": np_, "reviews": nr,
             "themes": ";".join(sorted((themes or "").split(",")))}
            for a, b, n, np_, nr, themes in rows]


def counts_by_type(db: sqlite_utils.Database) -> list[dict]:
    """Reviews, pages and passages per review type, and how many passages show a failure."""
    reviews = db.execute(
        f"""select coalesce(r.review_type, 'unknown'), count(*), coalesce(sum(r.pages), 0)
            from reviews r where {PUBLISHED} group by 1""").fetchall()
    passages = dict(db.execute(
        f"""select coalesce(r.review_type, 'unknown'), count(*) from passages p
            join reviews r on r.id = p.review_id where {PUBLISHED} group by 1""").fetchall())
    failing = dict(db.execute(
        f"""select coalesce(r.review_type, 'unknown'), count(distinct p.id) from passages p
            join reviews r on r.id = p.review_id join passage_themes pt on pt.passage_id = p.id
            where {PUBLISHED} and pt.theme_id != 'effective-sharing' group by 1""").fetchall())
    rows = [{"review_type": t, "reviews": n, "pages": pages, "passages": passages.get(t, 0),
             "passages_with_failure_theme": failing.get(t, 0)} for t, n, pages in reviews]
    return sorted(rows, key=lambda r: (-r["reviews"], r["review_type"]))


def write_csv(path: Path, rows: list[dict], columns: list[str], stamp: dict[str, str]) -> Path:
    """Write ``rows`` with the version columns appended to each; floats to 4 decimals."""
    stamped = [*columns, *stamp_columns(stamp)]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=stamped, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({**{k: _cell(row[k]) for k in columns}, **stamp_columns(stamp)})
    return path


def _cell(value: object) -> object:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return value


# ---------------------------------------------------------------- figures
def _save(fig: Figure, path: Path, title: str, stamp: dict[str, str]) -> Path:
    """Stamp the figure (visible footer and PNG text chunks) and write it."""
    engine = fig.get_layout_engine()
    if engine is not None:  # keep a strip at the bottom for the stamp, clear of tick labels
        engine.set(rect=(0, 0.03, 1, 0.97))
    fig.text(0.01, 0.005, stamp_line(stamp), fontsize=7, color="#555", ha="left", va="bottom")
    metadata = {"Title": title, "Software": f"scr-miner {stamp['scr_miner_version']}",
                "Description": stamp_line(stamp), "Comment": json.dumps(stamp, sort_keys=True)}
    fig.savefig(path, dpi=FIGURE_DPI, metadata=metadata)
    return path


def prevalence_figure(rows: list[dict], path: Path, stamp: dict[str, str]) -> Path:
    """Small multiples: one panel per theme, proportion of reviews per year with 95% CI bars."""
    cols = 4
    nrows = math.ceil(len(THEME_IDS) / cols)
    fig = Figure(figsize=(12, 2.4 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, cols, sharex=True, sharey=True, squeeze=False).ravel()
    years = sorted({r["year"] for r in rows})
    for ax, theme in zip(axes, THEME_IDS, strict=False):
        mine = [r for r in rows if r["theme_id"] == theme]
        x = [r["year"] for r in mine]
        y = np.array([r["proportion"] for r in mine])
        err = np.array([[r["proportion"] - r["ci95_low"] for r in mine],
                        [r["ci95_high"] - r["proportion"] for r in mine]])
        ax.errorbar(x, y, yerr=err, fmt="o-", ms=3.5, lw=0.6, capsize=2, color="#1f4e79",
                    ecolor="#8fb3d9", elinewidth=1.2)
        ax.set_title(theme, fontsize=9)
        ax.set_ylim(-0.03, 1.03)
        ax.grid(alpha=0.3)
    for ax in axes[len(THEME_IDS):]:
        ax.set_visible(False)
    if years:
        axes[0].set_xticks(years if len(years) <= 8 else years[:: math.ceil(len(years) / 8)])
    for ax in axes:
        ax.tick_params(labelsize=7)
    fig.suptitle("Share of published reviews with each theme, by year (95% Wilson intervals)",
                 fontsize=11)
    fig.supylabel("proportion of reviews", fontsize=9)
    return _save(fig, path, "Theme prevalence by year", stamp)


def cooccurrence_figure(matrix: np.ndarray, path: Path, stamp: dict[str, str]) -> Path:
    """Heat map of passages sharing two themes, counts written in the cells."""
    fig = Figure(figsize=(9, 8), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="Blues")
    ticks = range(len(THEME_IDS))
    ax.set_xticks(ticks, THEME_IDS, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(ticks, THEME_IDS, fontsize=8)
    top = matrix.max() or 1
    for i in ticks:
        for j in ticks:
            if matrix[i, j]:
                ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if matrix[i, j] > top / 2 else "black")
    fig.colorbar(image, ax=ax, shrink=0.8, label="passages")
    ax.set_title("Theme co-occurrence in passages (diagonal: passages with the theme)",
                 fontsize=11)
    return _save(fig, path, "Theme co-occurrence", stamp)


def network_figure(edges: list[dict], path: Path, stamp: dict[str, str]) -> Path:
    """Agencies on a circle; an arrow from A to B for each 'A failed to tell B' link."""
    fig = Figure(figsize=(9, 9), layout="constrained")
    ax = fig.subplots()
    ax.set_axis_off()
    ax.set_title("Agency failure network: who failed to tell whom", fontsize=11)
    nodes = [a for a in AGENCY_IDS if any(a in (e["from_agency"], e["to_agency"]) for e in edges)]
    if not nodes:
        ax.text(0.5, 0.5, "no agency links in published reviews", ha="center",
                transform=ax.transAxes)
        return _save(fig, path, "Agency failure network", stamp)
    angle = {a: 2 * math.pi * i / len(nodes) + math.pi / 2 for i, a in enumerate(nodes)}
    pos = {a: (math.cos(t), math.sin(t)) for a, t in angle.items()}
    degree: dict[str, int] = defaultdict(int)
    heaviest = max(e["passages"] for e in edges)
    for e in edges:
        degree[e["from_agency"]] += e["passages"]
        degree[e["to_agency"]] += e["passages"]
        ax.add_patch(FancyArrowPatch(
            pos[e["from_agency"]], pos[e["to_agency"]], arrowstyle="-|>", mutation_scale=14,
            connectionstyle="arc3,rad=0.15",  # curved, so A->B and B->A stay apart
            lw=1.0 + 4.0 * (e["passages"] - 1) / max(heaviest - 1, 1), color="#b03a2e", alpha=0.7,
            shrinkA=14, shrinkB=14))
    for a in nodes:
        x, y = pos[a]
        ax.scatter([x], [y], s=120 + 60 * degree[a], color="#1f4e79", zorder=3)
        ax.text(1.2 * x, 1.2 * y, a, ha="center", va="center", fontsize=9)
    ax.text(0.5, 0.0, f"arrow width: 1 to {heaviest} passages; node size: passages in and out",
            ha="center", fontsize=8, color="#555", transform=ax.transAxes)
    ax.set_xlim(-1.5, 1.5)
    ax.set_ylim(-1.5, 1.5)
    ax.set_aspect("equal")
    return _save(fig, path, "Agency failure network", stamp)


def review_types_figure(rows: list[dict], path: Path, stamp: dict[str, str]) -> Path:
    """Bars of published reviews per review type, annotated with passage counts."""
    fig = Figure(figsize=(8, 0.6 * max(len(rows), 2) + 1.4), layout="constrained")
    ax = fig.subplots()
    labels = [r["review_type"] for r in rows][::-1]
    values = [r["reviews"] for r in rows][::-1]
    bars = ax.barh(labels, values, color="#1f4e79")
    for bar, row in zip(bars, rows[::-1], strict=True):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2,
                f"  {row['passages']} passages, "
                f"{row['passages_with_failure_theme']} with a failure",
                va="center", fontsize=8)
    ax.set_xlim(0, max(values or [1]) * 1.9)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("published reviews")
    ax.set_title("Published reviews by type", fontsize=11)
    return _save(fig, path, "Reviews by type", stamp)


# ---------------------------------------------------------------- the report
def write_report(db: sqlite_utils.Database, out_dir: Path) -> list[Path]:
    """Write every table, figure and ``summary.md`` into ``out_dir``; return the paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = provenance(db)
    by_year, overall = prevalence_by_year(db), prevalence_overall(db)
    matrix, edges, types = cooccurrence(db), agency_network(db), counts_by_type(db)
    files = [
        write_csv(out_dir / "prevalence_by_year.csv", by_year, list(PREVALENCE_COLUMNS), stamp),
        write_csv(out_dir / "prevalence_overall.csv", overall,
                  [*PREVALENCE_COLUMNS[1:], "passages"], stamp),
        write_csv(out_dir / "cooccurrence.csv", cooccurrence_rows(matrix),
                  ["theme_a", "theme_b", "passages"], stamp),
        write_csv(out_dir / "agency_network.csv", edges, list(NETWORK_COLUMNS), stamp),
        write_csv(out_dir / "review_types.csv", types, list(TYPE_COLUMNS), stamp),
        prevalence_figure(by_year, out_dir / "prevalence_by_year.png", stamp),
        cooccurrence_figure(matrix, out_dir / "cooccurrence.png", stamp),
        network_figure(edges, out_dir / "agency_network.png", stamp),
        review_types_figure(types, out_dir / "review_types.png", stamp),
    ]
    provenance_file = out_dir / "provenance.json"
    provenance_file.write_text(json.dumps(stamp, indent=2, sort_keys=True) + "\n",
                               encoding="utf-8")
    summary = out_dir / "summary.md"
    summary.write_text(summary_markdown(db, stamp, overall, matrix, edges, types),
                       encoding="utf-8")
    return [*files, provenance_file, summary]


PREVALENCE_COLUMNS = ("year", "theme_id", "reviews_with_theme", "reviews", "proportion",
                      "ci95_low", "ci95_high")
NETWORK_COLUMNS = ("from_agency", "to_agency", "links", "passages", "reviews", "themes")
TYPE_COLUMNS = ("review_type", "reviews", "pages", "passages", "passages_with_failure_theme")


def _md_table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def summary_markdown(db: sqlite_utils.Database, stamp: dict[str, str], overall: list[dict],
                     matrix: np.ndarray, edges: list[dict], types: list[dict]) -> str:
    """The Markdown summary: provenance, then each figure with its table and a short reading."""
    reviews, passages, first, last, undated = db.execute(
        f"""select count(distinct r.id), (select count(*) from passages p join reviews r2
                on r2.id = p.review_id where r2.published = 1), min(r.year), max(r.year),
                sum(r.year is null) from reviews r where {PUBLISHED}""").fetchone()
    lines = ["# scr-miner corpus report", "", f"_{stamp_line(stamp)}_", "",
             *_md_table(["provenance", "value"], [[k, f"`{v}`"] for k, v in stamp.items()]), "",
             f"{reviews} published reviews ({first}–{last}), {passages} passages. "
             f"{undated or 0} reviews without a year are left out of the per-year figure.", "",
             "## Theme prevalence by year", "",
             "![Theme prevalence by year](prevalence_by_year.png)", "",
             "Unit: a review has a theme if at least one of its passages carries it. Bars are "
             "95% Wilson score intervals over reviews; with few reviews a year they are wide, "
             "and that width is the finding. Tables: "
             "[prevalence_by_year.csv](prevalence_by_year.csv), "
             "[prevalence_overall.csv](prevalence_overall.csv).", "",
             *_md_table(["theme", "reviews with theme", "share", "95% CI", "passages"],
                        [[r["theme_id"], f"{r['reviews_with_theme']}/{r['reviews']}",
                          f"{r['proportion']:.2f}", f"{r['ci95_low']:.2f}–{r['ci95_high']:.2f}",
                          r["passages"]] for r in overall if r["reviews"]]), "",
             "## Theme co-occurrence", "", "![Theme co-occurrence](cooccurrence.png)", "",
             "Passages labelled with both themes. Table: [cooccurrence.csv](cooccurrence.csv).", ""]
    pairs = sorted(((int(matrix[i, j]), THEME_IDS[i], THEME_IDS[j])
                    for i in range(len(THEME_IDS)) for j in range(i + 1, len(THEME_IDS))
                    if matrix[i, j]), reverse=True)[:5]
    lines += [f"- {a} + {b}: {n} passages" for n, a, b in pairs] or ["- no passage has two themes"]
    lines += ["", "## Agency failure network", "",
              "![Agency failure network](agency_network.png)", "",
              "An arrow from A to B: a passage says A failed to tell B (good practice excluded). "
              "Table: [agency_network.csv](agency_network.csv).", "",
              *_md_table(["from", "to", "passages", "reviews", "themes"],
                         [[e["from_agency"], e["to_agency"], e["passages"], e["reviews"],
                           e["themes"].replace(";", ", ")] for e in edges[:10]]), "",
              "## Reviews by type", "", "![Reviews by type](review_types.png)", "",
              "Table: [review_types.csv](review_types.csv).", "",
              *_md_table(["type", "reviews", "pages", "passages", "with a failure theme"],
                         [[t["review_type"], t["reviews"], t["pages"], t["passages"],
                           t["passages_with_failure_theme"]] for t in types]), ""]
    return "\n".join(lines)
