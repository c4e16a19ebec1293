"""Ruled tables from the page's drawn lines and boxes (pdfium path objects), fast.

A table is a run of row bands between horizontal rules that vertical rules cross; each text run
is placed in the cell under its centre. pdfplumber's table finder does the same job with more
generality at ~0.35 s a page; ``tests/ingest/test_tables.py`` checks both agree on the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

from scr_miner.ingest.pdf import Line, Table, drop_note_marks

SNAP = 2.5  # points: rules closer than this are the same rule
THIN = 3.0  # a path thinner than this is a rule, not a box


@dataclass
class Rules:
    """Horizontal rules (y, x0, x1) and vertical rules (x, top, bottom), top-down coordinates."""

    horizontal: list[tuple[float, float, float]]
    vertical: list[tuple[float, float, float]]


def rules_from_bounds(bounds: list[tuple[float, float, float, float]], page_width: float,
                      page_height: float) -> Rules:
    """Turn path bounding boxes (pdf coordinates) into rules; a box gives its four edges."""
    rules = Rules([], [])
    for left, bottom, right, top in bounds:
        width, height = right - left, top - bottom
        y_top, y_bottom = page_height - top, page_height - bottom
        if width > 0.95 * page_width and height > 0.9 * page_height:
            continue  # a page border frames everything and divides nothing
        if height <= THIN and width > THIN:
            rules.horizontal.append(((y_top + y_bottom) / 2, left, right))
        elif width <= THIN and height > THIN:
            rules.vertical.append(((left + right) / 2, y_top, y_bottom))
        elif width > THIN and height > THIN:
            rules.horizontal += [(y_top, left, right), (y_bottom, left, right)]
            rules.vertical += [(left, y_top, y_bottom), (right, y_top, y_bottom)]
    return rules


def _snap(values: list[float]) -> list[float]:
    snapped: list[float] = []
    for value in sorted(values):
        if not snapped or value - snapped[-1] > SNAP:
            snapped.append(value)
    return snapped


def _table_bands(rules: Rules) -> list[list[float]]:
    """Groups of consecutive horizontal rule positions whose bands are crossed by verticals."""
    ys = _snap([y for y, _, _ in rules.horizontal])
    groups: list[list[float]] = []
    current: list[float] = []
    for upper, lower in zip(ys, ys[1:], strict=False):
        middle = (upper + lower) / 2
        crossed = sum(
            1 for _, top, bottom in rules.vertical if top - SNAP <= middle <= bottom + SNAP
        )
        if crossed >= 2:
            if not current:
                current = [upper]
            current.append(lower)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return [g for g in groups if len(g) >= 3]  # at least two rows


def _cell_text(runs: list[Line]) -> str:
    runs = sorted(drop_note_marks(runs), key=lambda r: (round(r.top / 3), r.x0))
    return " ".join(" ".join(r.text for r in runs).split())


def tables_from_rules(rules: Rules, runs: list[Line]) -> list[Table]:
    """Tables found from rules, with each run's text placed in its cell."""
    tables = []
    for ys in _table_bands(rules):
        top, bottom = ys[0], ys[-1]
        xs = _snap([x for x, t, b in rules.vertical if t <= bottom + SNAP and b >= top - SNAP])
        if len(xs) < 3:
            continue
        cells: dict[tuple[int, int], list[Line]] = {}
        for run in runs:
            cx, cy = (run.x0 + run.x1) / 2, (run.top + run.bottom) / 2
            if not (xs[0] <= cx <= xs[-1] and top <= cy <= bottom):
                continue
            row = max(i for i, y in enumerate(ys[:-1]) if y <= cy)
            col = max(i for i, x in enumerate(xs[:-1]) if x <= cx)
            cells.setdefault((row, col), []).append(run)
        rows = [[_cell_text(cells.get((r, c), [])) for c in range(len(xs) - 1)]
                for r in range(len(ys) - 1)]
        rows = [[c for c in row] for row in rows if any(row)]
        # Drop columns that are empty in every row (rules drawn inside a cell).
        keep = [c for c in range(len(xs) - 1) if any(row[c] for row in rows)]
        rows = [[row[c] for c in keep] for row in rows]
        if len(rows) >= 2 and len(keep) >= 2:
            tables.append(Table((xs[0], top, xs[-1], bottom), rows))
    return tables
