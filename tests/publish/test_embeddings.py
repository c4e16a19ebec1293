"""Passage vectors from either embedder: publish names the model, search and the site follow it."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from scr_miner.classify.embed import (
    CLASSIFIER_DIMS,
    MINILM_NAME,
    STATIC_DIMS,
    STATIC_NAME,
    _tokenizer,
    embedder_named,
    static_search_embedder,
)
from scr_miner.classify.model import load_model, static_table
from scr_miner.cli import app
from scr_miner.errors import ScrMinerError
from scr_miner.export.search import Filters, embedding_model, semantic
from scr_miner.store.db import open_db
from tests.publish.conftest import fetch, make_datasette


def publish(db: Path, *options: str) -> dict:
    """Run ``scr-miner publish --json`` on ``db``."""
    result = CliRunner().invoke(app, ["publish", "--db", str(db), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def stored_models(db: Path) -> dict[str, int]:
    """How many vectors each model made, and their widths."""
    with sqlite3.connect(db) as conn:
        return dict(conn.execute(
            "select model || ':' || (length(vector) / 4), count(*) from passage_embeddings "
            "group by 1").fetchall())


def test_classifier_uses_the_leading_dimensions_of_the_search_table() -> None:
    table, weights = static_table()
    assert table.shape[1] == STATIC_DIMS and weights.shape == (table.shape[0],)
    classifier = load_model().embedder.table
    assert np.array_equal(classifier, table[:, :CLASSIFIER_DIMS].astype(np.float32))


def test_static_vector_is_the_sif_weighted_mean_of_token_vectors() -> None:
    embedder = static_search_embedder()
    text = "The GP was not invited to the strategy discussion."
    ids = _tokenizer().encode(text, add_special_tokens=False).ids
    weights = embedder.weights[ids]
    expected = weights @ embedder.table[ids] / weights.sum()
    expected /= np.linalg.norm(expected)
    assert np.allclose(embedder.embed([text])[0], expected, atol=1e-6)
    # rare words weigh more than the commonest ones
    the, strategy = (_tokenizer().token_to_id(t) for t in ("the", "strategy"))
    assert embedder.weights[strategy] > 5 * embedder.weights[the]
    assert not embedder.embed([""]).any()  # no tokens: a zero vector, not NaN


def test_unknown_embedding_model_is_a_coded_error() -> None:
    with pytest.raises(ScrMinerError, match="E015"):
        embedder_named("word2vec")


def test_static_publish_replaces_vectors_and_search_follows(db_copy: Path) -> None:
    with sqlite3.connect(db_copy) as conn:
        passages = conn.execute("select count(*) from passages").fetchone()[0]
    assert stored_models(db_copy) == {f"{MINILM_NAME}:384": passages}

    assert publish(db_copy, "--embeddings", "static")["embedded"] == passages
    assert stored_models(db_copy) == {f"{STATIC_NAME}:256": passages}
    db = open_db(db_copy, must_exist=True)
    assert embedding_model(db) == STATIC_NAME
    assert publish(db_copy, "--embeddings", "static")["embedded"] == 0  # nothing left to do

    # A passage's own words find it first: the question went through the same (static) model.
    pid, text = db.execute("select id, text from passages where length(text) > 300 "
                           "order by id limit 1").fetchone()
    assert semantic(db, text, Filters(), 3)[0].passage_id == pid

    # --no-embeddings keeps what is stored, and says which model made it.
    assert publish(db_copy, "--no-embeddings")["embedded"] == 0
    assert embedding_model(open_db(db_copy, must_exist=True)) == STATIC_NAME


def test_site_embeds_questions_with_the_model_of_its_vectors(db_copy: Path,
                                                              metadata: dict) -> None:
    publish(db_copy, "--embeddings", "static")
    question = "nobody told the school about the injury"
    ds = make_datasette(db_copy, metadata)
    response = fetch(ds, f"/-/semantic.json?q={question}&limit=5")
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    with sqlite3.connect(db_copy) as conn:
        ids, blobs = zip(*conn.execute("select passage_id, vector from passage_embeddings"),
                         strict=True)
    matrix = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(ids), STATIC_DIMS)
    scores = matrix @ static_search_embedder().embed([question])[0]
    assert [r["passage_id"] for r in results] == [ids[i] for i in np.argsort(-scores)[:5]]
