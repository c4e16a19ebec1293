"""Training packs: a theme's definition and its best excerpts, each fully cited.

Choosing excerpts is a pure function over candidate records (``choose_excerpts``), so diversity,
the per-review cap and near-duplicate removal are tested without a database. Rendering is one
small function per format; every format carries the same provenance stamp.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import sqlite_utils

from scr_miner.classify.themes import load_vocabulary
from scr_miner.export.provenance import provenance, stamp_columns, stamp_line
from scr_miner.export.search import embedding_model

FORMATS = ("md", "html", "csv", "jsonl")
PER_REVIEW = 2  # at most this many excerpts from one review: trainers want many cases
DUPLICATE_COSINE = 0.9  # excerpts at least this similar to a chosen one are near-duplicates
MIN_WORDS = 12  # shorter passages are headings or fragments, not teachable excerpts
PDF_DIR = "pdfs"  # deep links are relative to the published site's PDF folder

CSV_COLUMNS = (
    "rank", "theme_id", "score", "passage_id", "review_id", "review_title", "review_type",
    "board", "year", "page_start", "page_end", "paragraph_number", "pdf_link", "agencies",
    "text", "scr_miner_version", "taxonomy_version", "model_version",
)


@dataclass
class Excerpt:
    """One passage chosen for a pack, with everything needed to cite it."""

    passage_id: str
    score: float
    text: str
    review_id: str
    review_title: str
    review_type: str
    board: str
    year: int | None
    page_start: int
    page_end: int
    paragraph_number: str | None
    file: str
    evidence: str = ""
    agencies: list[str] = field(default_factory=list)

    @property
    def pdf_link(self) -> str:
        """Deep link to the cited page: ``pdfs/<file>.pdf#page=N``."""
        return f"{PDF_DIR}/{Path(self.file).name}#page={self.page_start}"

    @property
    def pages(self) -> str:
        """``p. 4`` or ``pp. 4–5``."""
        if self.page_end and self.page_end != self.page_start:
            return f"pp. {self.page_start}–{self.page_end}"
        return f"p. {self.page_start}"

    def citation(self) -> str:
        """Review title, board, year, page(s) and paragraph, in one line."""
        parts = [self.review_title, self.board, str(self.year or "n.d."), self.pages]
        if self.paragraph_number:
            parts.append(f"para. {self.paragraph_number}")
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict:
        """Plain form for JSONL, with the derived link and citation."""
        return {**asdict(self), "pdf_link": self.pdf_link, "citation": self.citation()}


def is_teachable(text: str) -> bool:
    """A passage long enough to stand alone and not a mid-sentence continuation fragment."""
    stripped = text.strip()
    return len(stripped.split()) >= MIN_WORDS and not stripped[:1].islower()


def is_complete(text: str) -> bool:
    """Ends like a sentence: a paragraph cut off at a page or column break reads badly aloud."""
    return bool(re.search(r"[.!?:;)\]\"\u201d\u2019']\s*$", text))


def candidates(db: sqlite_utils.Database, theme_id: str) -> list[Excerpt]:
    """Passages of published reviews labelled ``theme_id``, best score first."""
    rows = db.execute(
        """select p.id, pt.score, p.text, r.id, r.title, r.review_type, r.board, r.year,
                  p.page_start, coalesce(p.page_end, p.page_start), p.paragraph_number, r.file,
                  pt.evidence,
                  (select group_concat(agency_id, ',') from
                    (select agency_id from passage_agencies where passage_id = p.id
                     order by agency_id))
           from passage_themes pt join passages p on p.id = pt.passage_id
           join reviews r on r.id = p.review_id
           where pt.theme_id = ? and r.published = 1
           order by pt.score desc, p.id""",
        [theme_id],
    ).fetchall()
    found = []
    for row in rows:
        *head, agencies = row
        excerpt = Excerpt(*head, agencies=agencies.split(",") if agencies else [])
        excerpt.evidence = excerpt.evidence or ""
        if is_teachable(excerpt.text):
            found.append(excerpt)
    return found


def stored_vectors(db: sqlite_utils.Database, passage_ids: list[str]) -> dict[str, np.ndarray]:
    """Vectors stored by ``publish`` for these passages (missing ones are left out)."""
    model = embedding_model(db)
    vectors: dict[str, np.ndarray] = {}
    for start in range(0, len(passage_ids), 500):
        chunk = passage_ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for pid, blob in db.execute(
                f"select passage_id, vector from passage_embeddings "
                f"where model = ? and passage_id in ({marks})", [model, *chunk]):
            vectors[pid] = np.frombuffer(blob, dtype=np.float32)
    return vectors


def _normalised_text(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _is_near_duplicate(excerpt: Excerpt, chosen: list[Excerpt],
                       vectors: dict[str, np.ndarray]) -> bool:
    vector = vectors.get(excerpt.passage_id)
    for other in chosen:
        other_vector = vectors.get(other.passage_id)
        if vector is not None and other_vector is not None:
            cosine = float(vector @ other_vector) / max(
                float(np.linalg.norm(vector) * np.linalg.norm(other_vector)), 1e-9)
            if cosine >= DUPLICATE_COSINE:
                return True
        elif _normalised_text(excerpt.text) == _normalised_text(other.text):
            return True  # no vectors (published without embeddings): catch verbatim repeats
    return False


def choose_excerpts(pool: list[Excerpt], vectors: dict[str, np.ndarray], limit: int,
                    per_review: int = PER_REVIEW) -> list[Excerpt]:
    """Greedy choice of high-scoring, diverse, non-duplicate excerpts.

    Each step takes the candidate whose review, then board, has been used least so far, best
    score first among equals: every review gets its best excerpt before any gets a second, and
    boards not yet represented go first. Passages that end mid-sentence are used only when
    complete ones run out. Near-duplicates of a chosen excerpt are dropped.
    """
    remaining = sorted(pool, key=lambda e: (-e.score, e.passage_id))
    chosen: list[Excerpt] = []
    by_review: Counter[str] = Counter()
    by_board: Counter[str] = Counter()
    while remaining and len(chosen) < limit:
        best = min(remaining, key=lambda e: (
            not is_complete(e.text), by_review[e.review_id], by_board[e.board or e.review_id],
            -e.score, e.passage_id))
        remaining.remove(best)
        if by_review[best.review_id] >= per_review or _is_near_duplicate(best, chosen, vectors):
            continue
        chosen.append(best)
        by_review[best.review_id] += 1
        by_board[best.board or best.review_id] += 1
    return chosen


def pack_excerpts(db: sqlite_utils.Database, theme_id: str, limit: int,
                  per_review: int = PER_REVIEW) -> list[Excerpt]:
    """The excerpts of a theme's pack, in pack order."""
    pool = candidates(db, theme_id)
    vectors = stored_vectors(db, [e.passage_id for e in pool])
    return choose_excerpts(pool, vectors, limit, per_review)


def render_pack(db: sqlite_utils.Database, theme_id: str, fmt: str, limit: int,
                per_review: int = PER_REVIEW) -> str:
    """The training pack for ``theme_id`` as ``md``, ``html``, ``csv`` or ``jsonl`` text."""
    theme = load_vocabulary().theme(theme_id)
    excerpts = pack_excerpts(db, theme_id, limit, per_review)
    stamp = provenance(db)
    renderers = {"md": to_markdown, "html": to_html, "csv": to_csv, "jsonl": to_jsonl}
    return renderers[fmt](theme, excerpts, stamp)


def _highlighted(text: str, evidence: str, before: str, after: str) -> str:
    """``text`` with the classifier's evidence sentence wrapped in ``before``/``after``."""
    at = text.find(evidence) if evidence else -1
    if at < 0:
        return text
    return text[:at] + before + evidence + after + text[at + len(evidence):]


def to_markdown(theme: dict, excerpts: list[Excerpt], stamp: dict[str, str]) -> str:
    """Markdown pack: definition, then numbered block-quoted excerpts with citations."""
    lines = [f"# Training pack: {theme['label']} (`{theme['id']}`)", "",
             f"**Definition.** {theme['definition']}", "",
             f"{len(excerpts)} excerpts from {len({e.review_id for e in excerpts})} reviews. "
             f"_{stamp_line(stamp)}_", ""]
    if not excerpts:
        lines += ["_No published passage carries this theme._", ""]
    for i, e in enumerate(excerpts, 1):
        body = _highlighted(e.text, e.evidence, "**", "**")
        quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
        lines += [f"## {i}. {e.review_title} ({e.year or 'n.d.'})", "", quoted, "",
                  f"Source: {e.citation()}. [PDF, {e.pages}]({e.pdf_link})  ",
                  f"Agencies: {', '.join(e.agencies) or 'none named'} · "
                  f"score {e.score:.2f} · `{e.passage_id}`", ""]
    return "\n".join(lines)


PRINT_CSS = """
@page { size: A4; margin: 18mm 16mm 20mm 16mm;
        @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: Georgia, "Times New Roman", serif; font-size: 11pt; line-height: 1.4;
       max-width: 178mm; margin: 0 auto; color: #111; }
h1 { font-size: 18pt; margin: 0 0 4mm; }
.definition { border-left: 3pt solid #444; padding-left: 4mm; }
.stamp, .meta { font-size: 8.5pt; color: #444; }
.excerpt { break-inside: avoid; page-break-inside: avoid; margin: 0 0 6mm; }
.excerpt h2 { font-size: 12pt; margin: 0 0 1.5mm; break-after: avoid; page-break-after: avoid; }
blockquote { margin: 0 0 1.5mm; padding: 2mm 4mm; background: #f4f4f4; white-space: pre-line; }
a { color: #114; }
mark { background: #fff1a8; }
@media print {
  a[href]::after { content: " (" attr(href) ")"; font-size: 8pt; color: #444; }
  blockquote { background: none; border-left: 1.5pt solid #888; }
  mark { background: none; font-weight: bold; }
}
"""


def to_html(theme: dict, excerpts: list[Excerpt], stamp: dict[str, str]) -> str:
    """Self-contained HTML pack that prints on A4 without splitting an excerpt across pages."""
    esc = html.escape
    items = []
    for i, e in enumerate(excerpts, 1):
        items.append(
            f'<section class="excerpt" id="{esc(e.passage_id)}">'
            f"<h2>{i}. {esc(e.review_title)} ({e.year or 'n.d.'})</h2>"
            f"<blockquote>{_highlighted(esc(e.text), esc(e.evidence), '<mark>', '</mark>')}"
            "</blockquote>"
            f'<p class="citation">Source: {esc(e.citation())}. '
            f'<a href="{esc(e.pdf_link)}">PDF, {esc(e.pages)}</a></p>'
            f'<p class="meta">Agencies: {esc(", ".join(e.agencies) or "none named")} · '
            f"score {e.score:.2f} · {esc(e.passage_id)}</p></section>")
    if not excerpts:
        items.append("<p><em>No published passage carries this theme.</em></p>")
    meta = "".join(f'<meta name="scr-miner:{esc(k)}" content="{esc(v)}">' for k, v in stamp.items())
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">{meta}'
        f"<title>Training pack: {esc(theme['label'])}</title><style>{PRINT_CSS}</style></head>"
        f"<body><h1>Training pack: {esc(theme['label'])}</h1>"
        f'<p class="definition"><strong>Definition.</strong> {esc(theme["definition"])}</p>'
        f'<p class="stamp">{len(excerpts)} excerpts · {esc(stamp_line(stamp))} · '
        f"theme id {esc(theme['id'])}</p>"
        + "".join(items) + "</body></html>\n")


def to_csv(theme: dict, excerpts: list[Excerpt], stamp: dict[str, str]) -> str:
    """One row per excerpt; the versions are columns so every row carries its provenance."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for i, e in enumerate(excerpts, 1):
        writer.writerow({
            "rank": i, "theme_id": theme["id"], "score": f"{e.score:.4f}",
            "passage_id": e.passage_id, "review_id": e.review_id, "review_title": e.review_title,
            "review_type": e.review_type, "board": e.board, "year": e.year or "",
            "page_start": e.page_start, "page_end": e.page_end,
            "paragraph_number": e.paragraph_number or "", "pdf_link": e.pdf_link,
            "agencies": ";".join(e.agencies), "text": e.text, **stamp_columns(stamp)})
    return buffer.getvalue()


def to_jsonl(theme: dict, excerpts: list[Excerpt], stamp: dict[str, str]) -> str:
    """A ``pack`` header record (theme and provenance), then one ``excerpt`` record per line."""
    header = {"record": "pack", "theme": {k: theme[k] for k in ("id", "group", "label",
                                                                 "definition")},
              "excerpts": len(excerpts), "provenance": stamp}
    lines = [json.dumps(header, ensure_ascii=False)]
    lines += [json.dumps({"record": "excerpt", "rank": i, "theme_id": theme["id"], **e.to_dict()},
                         ensure_ascii=False) for i, e in enumerate(excerpts, 1)]
    return "\n".join(lines) + "\n"
