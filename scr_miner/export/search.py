"""Search passages: full-text (BM25), semantic (stored vectors, numpy), and both fused (RRF).

Three rankings feed the fusion: exact phrases (the whole question, or its "quoted" parts, as FTS5
phrase queries), BM25 over the question's words, and cosine similarity of passage vectors (MiniLM,
or its distilled static table for very large collections: the question is embedded by whichever
made the stored vectors, named in the ``meta`` table). A
passage quoting the question verbatim is found by the first two and so rises to the top; a
paraphrase with no words in common is found by the third alone.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import sqlite_utils

from scr_miner.classify.embed import MINILM_NAME, STATIC_NAME, embedder_named
from scr_miner.store.db import get_meta

RRF_K = 60  # reciprocal rank fusion constant (Cormack et al.)
_cache_lock = threading.Lock()
_matrix_cache: dict[tuple[str, float, int], tuple[list[str], np.ndarray]] = {}


@dataclass
class Filters:
    """Optional filters shared by every kind of search."""

    theme: str | None = None
    agency: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    review_type: str | None = None
    published_only: bool = True

    def sql(self) -> tuple[str, list]:
        """A where-clause fragment over ``passages p`` joined to ``reviews r``."""
        clauses, params = [], []
        if self.published_only:
            clauses.append("r.published = 1")
        if self.theme:
            clauses.append("p.id in (select passage_id from passage_themes where theme_id = ?)")
            params.append(self.theme)
        if self.agency:
            clauses.append("p.id in (select passage_id from passage_agencies where agency_id = ?)")
            params.append(self.agency)
        if self.year_from is not None:
            clauses.append("r.year >= ?")
            params.append(self.year_from)
        if self.year_to is not None:
            clauses.append("r.year <= ?")
            params.append(self.year_to)
        if self.review_type:
            clauses.append("r.review_type = ?")
            params.append(self.review_type)
        return (" and ".join(clauses) or "1"), params


@dataclass
class Hit:
    """One search result with its provenance."""

    passage_id: str
    score: float
    text: str = ""
    review_id: str = ""
    title: str = ""
    year: int | None = None
    page: int | None = None
    paragraph_number: str | None = None
    pdf_link: str = ""
    themes: list[str] = field(default_factory=list)
    board: str = ""
    review_type: str = ""
    agencies: list[str] = field(default_factory=list)
    sources: dict[str, int] = field(default_factory=dict)  # method -> rank


def fts_query(question: str) -> str:
    """Turn free text into a safe FTS5 query: quoted terms joined with OR."""
    terms = re.findall(r"\w+", question.lower())
    stop = {"the", "a", "an", "of", "to", "and", "or", "in", "on", "was", "were", "is", "which",
            "who", "what", "did", "not", "by", "for", "with", "from", "that", "be", "been"}
    terms = [t for t in terms if t not in stop] or terms
    return " OR ".join(f'"{t}"' for t in terms)


FTS5_OPERATORS = {"AND", "OR", "NOT"}
FTS5_KEYWORDS = FTS5_OPERATORS | {"NEAR"}
_FTS5_PIECES = re.compile(r'"[^"]*"|[()]|[^\s()"]+')


def _bare_term(piece: str) -> bool:
    """A word, or a word* prefix query, that FTS5 takes as it is (not a keyword)."""
    return bool(re.fullmatch(r"\w+\*?", piece)) and piece.rstrip("*") not in FTS5_KEYWORDS


def _well_nested(query: str) -> bool:
    """Whether the parentheses outside quotes pair up, each pair around something."""
    depth = 0
    bare = re.sub(r'"[^"]*"', " x ", query)
    if re.search(r"\(\s*\)", bare):
        return False
    for char in bare:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def safe_fts5(query: str) -> str:
    """A user's FTS5 query with its syntax kept (phrases in quotes, AND/OR/NOT, prefix*,
    parentheses) and every other token that FTS5 would reject quoted as a phrase:
    ``self-harm`` → ``"self-harm"`` (FTS5 reads the bare hyphen as a column filter, and
    ``A&E`` or ``5.3`` as syntax errors). Unbalanced quotes or parentheses are dropped."""
    query = re.sub(r"[\x00-\x1f\x7f]", " ", query)  # SQLite's FTS5 parser stops at NUL
    if query.count('"') % 2:
        query = query.replace('"', " ")
    if not _well_nested(query):
        query = query.replace("(", " ").replace(")", " ")
    pieces = _FTS5_PIECES.findall(query)
    tokens = []
    for i, piece in enumerate(pieces):
        before = pieces[i - 1] if i else "("
        after = pieces[i + 1] if i + 1 < len(pieces) else ")"
        if piece in FTS5_OPERATORS:  # an operator needs a term on each side
            joins = before not in FTS5_OPERATORS | {"("} and after not in FTS5_OPERATORS | {")"}
            tokens.append(piece if joins else f'"{piece}"')
        elif piece.startswith('"') or piece in "()" or _bare_term(piece):
            tokens.append(piece)
        else:
            tokens.append(f'"{piece}"')
    safe: list[str] = []
    for token in tokens:
        # FTS5 joins neighbouring terms by AND itself, but not next to a parenthesis
        left = safe[-1] if safe else "("
        operand = token not in FTS5_OPERATORS and left not in FTS5_OPERATORS
        if operand and left != "(" and token != ")" and (left == ")" or token == "("):
            safe.append("AND")
        safe.append(token)
    return " ".join(safe) or '""'  # an empty query matches nothing instead of failing


def phrase_query(question: str) -> str:
    """FTS5 phrase query: the "quoted" parts of ``question``, else the whole of it (2+ words)."""
    quoted = re.findall(r'["\u201c]([^"\u201d]+)["\u201d]', question)
    phrases = [re.findall(r"\w+", q.lower()) for q in (quoted or [question])]
    return " OR ".join('"' + " ".join(words) + '"' for words in phrases if len(words) >= 2)


def fulltext(db: sqlite_utils.Database, question: str, filters: Filters, limit: int) -> list[Hit]:
    """BM25-ranked passages for ``question``'s words (any of them)."""
    return _fts_ranking(db, fts_query(question), filters, limit)


def phrase(db: sqlite_utils.Database, question: str, filters: Filters, limit: int) -> list[Hit]:
    """Passages containing ``question`` (or its quoted parts) word for word, BM25-ranked."""
    return _fts_ranking(db, phrase_query(question), filters, limit)


def _fts_ranking(db: sqlite_utils.Database, query: str, filters: Filters, limit: int) -> list[Hit]:
    if not query:
        return []
    where, params = filters.sql()
    rows = db.execute(
        f"""select p.id, bm25(passages_fts) from passages_fts
            join passages p on p.rowid = passages_fts.rowid join reviews r on r.id = p.review_id
            where passages_fts match ? and {where} order by bm25(passages_fts) limit ?""",
        [query, *params, limit],
    ).fetchall()
    return [Hit(pid, -float(score)) for pid, score in rows]


def embedding_model(db: sqlite_utils.Database) -> str:
    """Name of the model that made the database's passage vectors (MiniLM if unrecorded)."""
    name = get_meta(db).get("embedding_model")
    return name if name in (MINILM_NAME, STATIC_NAME) else MINILM_NAME


def embed_question(db: sqlite_utils.Database, question: str) -> np.ndarray:
    """The question's vector, from the model that made the stored ones."""
    return embedder_named(embedding_model(db)).embed([question])[0]


def _embedding_matrix(db: sqlite_utils.Database) -> tuple[list[str], np.ndarray]:
    """All passage vectors as one matrix, cached until the database file changes."""
    path = str(db.conn.execute("pragma database_list").fetchone()[2])
    mtime = Path(path).stat().st_mtime if path else 0.0
    count = db.execute("select count(*) from passage_embeddings").fetchone()[0]
    key = (path, mtime, count)
    with _cache_lock:
        if key not in _matrix_cache:
            rows = db.execute(
                "select passage_id, vector from passage_embeddings where model = ?",
                [embedding_model(db)]).fetchall()
            ids = [r[0] for r in rows]
            matrix = (np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32)
                      .reshape(len(rows), -1) if rows else np.zeros((0, 384), np.float32))
            _matrix_cache.clear()
            _matrix_cache[key] = (ids, matrix)
        return _matrix_cache[key]


def semantic_by_vector(db: sqlite_utils.Database, vector: np.ndarray, filters: Filters,
                       limit: int, exclude: str | None = None) -> list[Hit]:
    """Nearest passages to ``vector`` by cosine similarity, after filters."""
    ids, matrix = _embedding_matrix(db)
    if not ids:
        return []
    scores = matrix @ vector.astype(np.float32)
    order = np.argsort(-scores)
    where, params = filters.sql()
    hits: list[Hit] = []
    for start in range(0, len(order), 500):  # check filters on candidates, best first
        chunk = [ids[i] for i in order[start:start + 500]]
        marks = ",".join("?" * len(chunk))
        allowed = {r[0] for r in db.execute(
            f"select p.id from passages p join reviews r on r.id = p.review_id "
            f"where p.id in ({marks}) and {where}", [*chunk, *params])}
        for i in order[start:start + 500]:
            if ids[i] in allowed and ids[i] != exclude:
                hits.append(Hit(ids[i], float(scores[i])))
                if len(hits) >= limit:
                    return hits
    return hits


def semantic(db: sqlite_utils.Database, question: str, filters: Filters, limit: int) -> list[Hit]:
    """Passages nearest in meaning to ``question``."""
    if not _embedding_matrix(db)[0]:  # published without embeddings: don't load the model
        return []
    return semantic_by_vector(db, embed_question(db, question), filters, limit)


def more_like_this(db: sqlite_utils.Database, passage_id: str, filters: Filters,
                   limit: int) -> list[Hit]:
    """Passages nearest to an existing passage's stored vector."""
    row = db.execute("select vector from passage_embeddings where passage_id = ?",
                     [passage_id]).fetchone()
    if row is None:
        return []
    return semantic_by_vector(db, np.frombuffer(row[0], dtype=np.float32), filters, limit,
                              exclude=passage_id)


def fuse(rankings: dict[str, list[Hit]], limit: int) -> list[Hit]:
    """Reciprocal rank fusion of several rankings."""
    fused: dict[str, Hit] = {}
    for method, hits in rankings.items():
        for rank, hit in enumerate(hits, start=1):
            entry = fused.setdefault(hit.passage_id, Hit(hit.passage_id, 0.0))
            entry.score += 1.0 / (RRF_K + rank)
            entry.sources[method] = rank
    return sorted(fused.values(), key=lambda h: -h.score)[:limit]


def hybrid(db: sqlite_utils.Database, question: str, filters: Filters, limit: int = 10,
           depth: int = 50) -> list[Hit]:
    """Phrase, full-text and semantic rankings fused by RRF, with passage details filled in."""
    vector = embed_question(db, question) if _embedding_matrix(db)[0] else None
    return with_details(db, hybrid_by_vector(db, question, vector, filters, limit, depth))


def hybrid_by_vector(db: sqlite_utils.Database, question: str, vector: np.ndarray | None,
                     filters: Filters, limit: int = 10, depth: int = 50) -> list[Hit]:
    """The fused ranking for a question whose vector is already computed (e.g. by a server
    that embeds off its event loop); ``vector=None`` fuses the word-based rankings alone."""
    rankings = {"phrase": phrase(db, question, filters, depth),
                "fulltext": fulltext(db, question, filters, depth)}
    if vector is not None:
        rankings["semantic"] = semantic_by_vector(db, vector, filters, depth)
    return fuse(rankings, limit)


def with_details(db: sqlite_utils.Database, hits: list[Hit]) -> list[Hit]:
    """Fill text, citation, themes and agencies into hits."""
    for hit in hits:
        row = db.execute(
            """select p.text, p.review_id, r.title, r.year, p.page_start, p.paragraph_number,
                      p.pdf_link, r.board, r.review_type,
                      (select group_concat(theme_id, ',') from
                        (select theme_id from passage_themes where passage_id = p.id
                         order by score desc)),
                      (select group_concat(agency_id, ',') from
                        (select agency_id from passage_agencies where passage_id = p.id
                         order by agency_id))
               from passages p join reviews r on r.id = p.review_id where p.id = ?""",
            [hit.passage_id]).fetchone()
        if row:
            (hit.text, hit.review_id, hit.title, hit.year, hit.page, hit.paragraph_number,
             hit.pdf_link, hit.board, hit.review_type, themes, agencies) = row
            hit.themes = themes.split(",") if themes else []
            hit.agencies = agencies.split(",") if agencies else []
    return hits
