"""Benchmark the whole classify step (spaCy, features, model, evidence, agencies, pairs) against a
baseline that embeds every passage with the full MiniLM transformer, side by side in one run.

Also times the accurate mode (``--accurate``: the fast model blended with the fine-tuned
transformer) on a sample, so its cost is printed beside its gain in the model card.

Usage: python benchmarks/classify.py [--passages 3000]
Passages are the sample corpus's gold and training texts, repeated to the requested count.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def passages(count: int) -> list[str]:
    """Fictional passages from the repository, repeated to ``count``."""
    texts = [json.loads(line)["text"] for line in
             (ROOT / "corpus/gold/passages.jsonl").read_text(encoding="utf-8").splitlines()]
    for path in sorted((ROOT / "models/training").glob("*.jsonl")):
        if path.name == "unquoted-sentences.jsonl":
            continue  # single sentences cut from the paragraphs: they would flatter the speed
        texts += [json.loads(line)["text"] for line in path.read_text().splitlines() if line]
    return (texts * (count // len(texts) + 1))[:count]


def timed(label: str, func, texts: list[str]) -> float:  # noqa: ANN001
    """Run ``func(texts)`` once and return passages per second."""
    started = time.perf_counter()
    func(texts)
    rate = len(texts) / (time.perf_counter() - started)
    print(f"{label:42s} {rate:8.0f} passages/s")
    return rate


def main() -> None:
    """Print passages/s of scr-miner's classify step and of the transformer baseline."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--passages", type=int, default=3000)
    args = parser.parse_args()

    import torch

    from scr_miner.classify.embed import contextual_embedder
    from scr_miner.classify.model import default_model

    texts = passages(args.passages)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"{len(texts)} passages, {words:.0f} words each on average; "
          f"{os.cpu_count()} cores, torch threads {torch.get_num_threads()}")
    model = default_model()
    model.label_texts(texts[:64])  # load spaCy tables and the tokenizer before timing
    embedder = contextual_embedder()
    embedder.embed(texts[:16])
    ours = timed("scr-miner classify (full step)", model.label_texts, texts)
    sample = texts[: max(200, len(texts) // 10)]
    base = timed("baseline: MiniLM transformer embedding only", embedder.embed, sample)
    print(f"ratio: {ours / base:.1f}x the transformer baseline (target >= 300 passages/s: "
          f"{'met' if ours >= 300 else 'NOT met'})")
    accurate = default_model(accurate=True)
    accurate.label_texts(texts[:16])
    slow = timed("scr-miner classify --accurate (full step)", accurate.label_texts, sample)
    print(f"accurate mode: {slow / ours:.2f}x the fast step's speed")


if __name__ == "__main__":
    main()
