"""Passage embedders side by side: speed and retrieval quality, full MiniLM vs the static table.

Usage: python benchmarks/embeddings.py

Retrieval task: the 800 gold passages (corpus/gold/passages.jsonl) are the collection; each
theme's label, definition and examples from models/themes.yml are queries (42 in all); a passage
is relevant to a query when the annotators gave it that theme. Scores: mean average precision
(MAP) and precision at 10. Speed: passages/s embedding the same 800 passages, in this process.
The baseline is the full all-MiniLM-L6-v2 (`--embeddings minilm`, the default).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scr_miner.classify.embed import (  # noqa: E402
    CLASSIFIER_DIMS,
    StaticEmbedder,
    contextual_embedder,
    static_search_embedder,
)


def queries() -> tuple[list[str], list[str]]:
    """(query text, theme id) for every theme's label, definition and examples."""
    themes = yaml.safe_load((ROOT / "models/themes.yml").read_text(encoding="utf-8"))["themes"]
    pairs = [(t[key], t["id"]) for t in themes for key in ("label", "definition")]
    pairs += [(example, t["id"]) for t in themes for example in t["examples"]]
    return [q for q, _ in pairs], [t for _, t in pairs]


def average_precision(scores: np.ndarray, relevant: np.ndarray) -> float:
    """Mean of the precision at each relevant passage's rank."""
    ranked = relevant[np.argsort(-scores)]
    hits = np.cumsum(ranked)
    return float((hits / np.arange(1, len(ranked) + 1))[ranked == 1].mean())


def score(passages: np.ndarray, questions: np.ndarray, gold: list[dict],
          themes: list[str]) -> tuple[float, float]:
    """MAP and P@10 of cosine rankings (vectors are normalised)."""
    aps, p10 = [], []
    for vector, theme in zip(questions, themes, strict=True):
        relevant = np.array([theme in g["themes"] for g in gold], dtype=int)
        scores = passages @ vector
        aps.append(average_precision(scores, relevant))
        p10.append(relevant[np.argsort(-scores)[:10]].mean())
    return float(np.mean(aps)), float(np.mean(p10))


def main() -> int:
    """Embed, time and score each embedder; print the table and the ratios."""
    gold = [json.loads(line) for line in
            (ROOT / "corpus/gold/passages.jsonl").read_text(encoding="utf-8").splitlines()]
    texts = [g["text"] for g in gold]
    query_texts, query_themes = queries()
    static = static_search_embedder()
    embedders = {
        "minilm (baseline)": contextual_embedder(),
        "static 256-d, SIF weights": static,
        "static 128-d, unweighted": StaticEmbedder(static.table[:, :CLASSIFIER_DIMS]),
    }
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{len(texts)} gold passages, {len(query_texts)} queries (theme labels, definitions, "
          "examples)")
    rows = {}
    for name, embedder in embedders.items():
        embedder.embed(texts[:32])  # warm-up: first-call allocation is not throughput
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        rate = len(texts) / (time.perf_counter() - started)
        rows[name] = (rate, *score(vectors, embedder.embed(query_texts), gold, query_themes))
    base_rate, base_map, base_p10 = rows["minilm (baseline)"]
    print(f"{'embedder':28s} {'passages/s':>11s} {'speed ratio':>11s} {'MAP':>6s} "
          f"{'of base':>7s} {'P@10':>6s}")
    for name, (rate, map_, p10) in rows.items():
        print(f"{name:28s} {rate:11.1f} {rate / base_rate:10.1f}x {map_:6.3f} "
              f"{map_ / base_map:7.0%} {p10:6.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
