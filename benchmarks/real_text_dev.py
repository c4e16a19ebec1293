"""Measure extra training data meant for real language on half of the real-text labels.

The labelled real coroners' concerns (`benchmarks/real_text_labels.jsonl`, texts read from
../shared) are split by position: even positions are a development half, on which training data
written for real text may be chosen; odd positions are a test half, only ever reported. The
model card's real-text figure covers both halves, so a change chosen here must be reported with
its test half beside it.

The shipped model is scored as it is; the variant is trained in a temporary copy of models/
with the extra JSONL files (records as in models/training/*.jsonl) added to its training data,
weighted ``--weight`` times a written passage. Without ``--transformer`` only the fast model is
trained (about 10 minutes on 2 cores) and the fast models are compared; with it, both models are
trained (about 45 minutes) and the accurate modes are compared too. Nothing in models/ changes.

Usage: python benchmarks/real_text_dev.py EXTRA.jsonl [...] [--weight 1] [--transformer]
       [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
LABELS = ROOT / "benchmarks" / "real_text_labels.jsonl"
TEXTS = ROOT.parent / "shared" / "real-text"
EXTRA_KIND = "real-text-dev-extra"  # marks the extra records so their weight can be set
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def halves(count: int) -> dict[str, np.ndarray]:
    """Label positions of the development half (even), the test half (odd) and all."""
    positions = np.arange(count)
    return {"dev": positions[0::2], "test": positions[1::2], "all": positions}


def half_scores(gold: np.ndarray, pred: np.ndarray) -> dict[str, tuple[float, float]]:
    """Micro and macro F1 on each half of the real-text labels."""
    from scr_miner.classify.evaluate import point_scores

    out = {}
    for half, index in halves(len(gold)).items():
        result = point_scores(gold[index], pred[index])
        out[half] = (result["micro_f1"], result["macro_f1"])
    return out


def predicted(model_dir: Path, accurate: bool, texts: list[str]) -> np.ndarray:
    """The themes a model assigns to each real text, as a label matrix."""
    from scr_miner.classify.evaluate import binarise
    from scr_miner.classify.model import load_model

    return binarise([p.themes for p in load_model(model_dir, accurate).label_records(texts)])


def train_variant(directory: Path, extra: list[Path], weight: float, transformer: bool) -> None:
    """Copy models/ to ``directory``, add the extra records and train there."""
    import json

    from scr_miner.classify import train as training

    shutil.copytree(ROOT / "models", directory)
    for number, path in enumerate(extra):
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        lines = [json.dumps(r | {"kind": EXTRA_KIND}, ensure_ascii=False) for r in records]
        (directory / "training" / f"extra-{number}.jsonl").write_text("\n".join(lines) + "\n")
    shipped_weights = training.sample_weights

    def weights(records: list[dict]) -> np.ndarray:
        extra_record = np.array([r.get("kind") == EXTRA_KIND for r in records])
        return np.where(extra_record, weight, shipped_weights(records))

    # A module setting read at fit time, overridden here as accurate_dev.py overrides C.
    training.sample_weights = weights
    training.train(directory, with_transformer=transformer, progress=print)


def main() -> None:
    """Score the shipped model and the variant on both halves, side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("extra", nargs="+", type=Path, help="JSONL files of extra passages")
    parser.add_argument("--weight", type=float, default=1.0,
                        help="each extra passage's weight (a written passage is 1)")
    parser.add_argument("--transformer", action="store_true",
                        help="train the transformer too and compare the accurate modes")
    parser.add_argument("--keep", type=Path,
                        help="copy the variant's model folder here, to inspect it afterwards")
    args = parser.parse_args()
    from scr_miner.classify.card import read_real_labels, real_texts
    from scr_miner.classify.evaluate import binarise

    labels = read_real_labels(LABELS)
    texts = real_texts(labels, TEXTS)
    gold = binarise([x["themes"] for x in labels])
    modes = [("fast", False)] + ([("accurate", True)] if args.transformer else [])
    with tempfile.TemporaryDirectory() as scratch:
        variant = Path(scratch) / "models"
        train_variant(variant, args.extra, args.weight, args.transformer)
        if args.keep:
            shutil.copytree(variant, args.keep, dirs_exist_ok=True)
        print(f"{'real-text half':24s} {'shipped micro/macro':>20s} {'variant micro/macro':>20s}")
        for name, accurate in modes:
            before = half_scores(gold, predicted(ROOT / "models", accurate, texts))
            after = half_scores(gold, predicted(variant, accurate, texts))
            for half in before:
                print(f"{name + ', ' + half:24s} {before[half][0]:10.3f}{before[half][1]:10.3f}"
                      f" {after[half][0]:10.3f}{after[half][1]:10.3f}")

if __name__ == "__main__":
    main()
