"""Hybrid search on the sample database: exact phrases and paraphrases both reach the top 5."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scr_miner.cli import app
from scr_miner.export.search import (
    Filters,
    Hit,
    fts_query,
    fulltext,
    fuse,
    hybrid,
    phrase_query,
    safe_fts5,
)
from scr_miner.store.db import open_db
from tests.export.pdftext import words

PHRASE = "go over her head"  # a nursery key worker's words in the Child J review
# The coroner's finding that A&E discharge letters were filed by non-clinical staff unseen by a
# GP, asked in other words: it shares only function words with the target.
PARAPHRASE = "paperwork from A&E was put away by receptionists and no doctor looked at it"
PARAPHRASE_TARGET = "non-clinical staff without being seen by a GP"
FUNCTION_WORDS = {"the", "and", "was", "from", "with", "that", "for"}


def normalised(text: str) -> str:
    """Lower case, one space between words, straight apostrophes."""
    return " ".join(re.findall(r"\w+", text.lower().replace("\u2019", "'")))


def test_phrase_and_term_queries_are_safe_fts5() -> None:
    assert fts_query('the "duty line" - said; OR NOT') == '"duty" OR "line" OR "said"'
    assert phrase_query("go over her head") == '"go over her head"'
    assert phrase_query('what did the "duty line" and “lovely mum” say') == (
        '"duty line" OR "lovely mum"')
    assert phrase_query("consent") == ""  # one word is not a phrase


def test_fusion_rewards_agreement_between_rankings() -> None:
    fused = fuse({"a": [Hit("x", 0), Hit("y", 0)], "b": [Hit("y", 0), Hit("z", 0)]}, 3)
    assert [h.passage_id for h in fused] == ["y", "x", "z"]
    assert fused[0].sources == {"a": 2, "b": 1}
    assert abs(fused[0].score - (1 / 62 + 1 / 61)) < 1e-12


def test_exact_phrase_hit_is_in_the_top_five(sample_db: Path) -> None:
    hits = hybrid(open_db(sample_db, must_exist=True), PHRASE, Filters(), limit=5)
    matching = [h for h in hits if normalised(PHRASE) in normalised(h.text)]
    assert matching, [h.text[:80] for h in hits]
    assert hits[0] is matching[0]  # the verbatim passage leads
    assert "phrase" in matching[0].sources


def test_paraphrase_hit_is_in_the_top_five_though_words_alone_miss_it(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    hits = hybrid(db, PARAPHRASE, Filters(), limit=5)
    target = [h for h in hits if normalised(PARAPHRASE_TARGET) in normalised(h.text)]
    assert target, [h.text[:80] for h in hits]
    shared = set(words(PARAPHRASE)) & set(words(target[0].text))
    assert shared <= FUNCTION_WORDS, shared  # a paraphrase, not a restatement
    by_words = [h.passage_id for h in fulltext(db, PARAPHRASE, Filters(), 5)]
    assert target[0].passage_id not in by_words  # so the semantic ranking carried it
    assert target[0].sources.get("semantic", 99) <= 5


def test_hits_carry_citation_details(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    for hit in hybrid(db, "consent to share information", Filters(), limit=5):
        row = db.execute("select r.title, r.board, p.page_start from passages p join reviews r "
                         "on r.id = p.review_id where p.id = ?", [hit.passage_id]).fetchone()
        assert (hit.title, hit.board, hit.page) == row
        assert hit.pdf_link.endswith(f"#page={hit.page}")


def test_filters_restrict_every_hit(sample_db: Path) -> None:
    db = open_db(sample_db, must_exist=True)
    hits = hybrid(db, "information was not shared", Filters(theme="consent-confidentiality"), 10)
    assert hits and all("consent-confidentiality" in h.themes for h in hits)
    hits = hybrid(db, "information was not shared", Filters(review_type="PFD"), 10)
    assert hits and {h.review_type for h in hits} == {"PFD"}
    hits = hybrid(db, "information was not shared", Filters(year_from=2020, year_to=2025), 10)
    assert hits and all(2020 <= h.year <= 2025 for h in hits)
    hits = hybrid(db, "information was not shared", Filters(agency="gp"), 10)
    assert hits and all("gp" in h.agencies for h in hits)


def test_unpublished_reviews_are_not_searched(db_copy: Path) -> None:
    with sqlite3.connect(db_copy) as conn:
        conn.execute("update reviews set published = 0 where id like 'scr-2016-%'")
    hits = hybrid(open_db(db_copy, must_exist=True), PHRASE, Filters(), limit=10)
    assert hits and not any(h.review_id.startswith("scr-2016-") for h in hits)


def test_cli_search_json_and_table(sample_db: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["search", PHRASE, "--db", str(sample_db), "--limit", "3",
                                 "--json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 3
    assert normalised(PHRASE) in normalised(hits[0]["text"])
    assert {"passage_id", "score", "title", "page", "pdf_link", "themes", "sources"} <= set(hits[0])
    table = runner.invoke(app, ["search", PHRASE, "--db", str(sample_db), "--limit", "2"])
    assert table.exit_code == 0 and "Child J" in table.stdout
    bad = runner.invoke(app, ["search", PHRASE, "--db", str(sample_db), "--theme", "gossip"])
    assert bad.exit_code == 2 and "E004" in bad.output


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(list('ab -&.:*"()^') + ["AND", "OR", "NOT", "NEAR", " "]),
                max_size=20).map("".join) | st.text(max_size=40))
def test_any_user_query_is_valid_fts5(query: str) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("create virtual table t using fts5(text)")
    conn.execute("insert into t values ('self-harm seen at A&E, see 5.3: a b')")
    conn.execute("select count(*) from t where t match ?", [safe_fts5(query)]).fetchone()


def test_fts5_syntax_is_kept_and_the_rest_quoted() -> None:
    assert safe_fts5('"health visitor" OR GP NOT school') == '"health visitor" OR GP NOT school'
    assert safe_fts5("self-harm A&E visit*") == '"self-harm" "A&E" visit*'
    assert safe_fts5("(GP OR school) AND consent") == "( GP OR school ) AND consent"
    assert safe_fts5("GP NOT") == 'GP "NOT"'

