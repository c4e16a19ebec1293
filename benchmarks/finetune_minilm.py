"""Experiment: fine-tune all-MiniLM-L6-v2 end to end as a multi-label theme classifier.

Usage: python benchmarks/finetune_minilm.py [--epochs 3] [--max-length 128]

Not part of the shipped model: it records what the transformer route buys. It trains on
models/training/*.jsonl (mean-pooled MiniLM, a linear head, BCE with capped positive weights,
AdamW 5e-5 with warm-up and linear decay, batch 16, seed 13), and after each epoch prints the
gold micro/macro-F1 at fixed cut-offs (0.5 chosen in advance; the others only show the spread)
and its classification speed in passages/s, in this process. About 6-10 minutes an epoch on
2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from scr_miner.classify.embed import verified_minilm_path  # noqa: E402
from scr_miner.classify.themes import THEME_IDS  # noqa: E402
from scr_miner.classify.train import label_matrix, training_records  # noqa: E402

BATCH, SEED = 16, 13


class ThemeHead(torch.nn.Module):
    """MiniLM, mean pooling over real tokens, dropout, one logit per theme."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(encoder.config.hidden_size, len(THEME_IDS))

    def forward(self, batch: dict) -> torch.Tensor:
        """Theme logits for a tokenised batch."""
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.head(self.dropout(pooled))


def predict(model: ThemeHead, tokenizer: AutoTokenizer, texts: list[str],
            max_length: int) -> np.ndarray:
    """Theme probabilities, batched by length."""
    model.eval()
    out = np.zeros((len(texts), len(THEME_IDS)), dtype=np.float32)
    order = np.argsort([len(t) for t in texts])
    with torch.no_grad():
        for start in range(0, len(texts), 64):
            rows = order[start:start + 64]
            batch = tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            out[rows] = torch.sigmoid(model(batch)).numpy()
    return out


def f1_scores(gold: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Micro- and macro-F1 of binary matrices."""
    tp = (gold & pred).sum(0)
    fp = (~gold & pred).sum(0)
    fn = (gold & ~pred).sum(0)
    micro = 2 * tp.sum() / max(1, 2 * tp.sum() + fp.sum() + fn.sum())
    return float(micro), float(np.mean(2 * tp / np.maximum(1, 2 * tp + fp + fn)))


def main() -> int:
    """Train, and score on the gold set after every epoch."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--max-length", type=int, default=128)
    args = parser.parse_args()
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    records = training_records(ROOT / "models")
    texts = [r["text"] for r in records]
    y = label_matrix(records).astype(np.float32)
    gold = [json.loads(line) for line in
            (ROOT / "corpus/gold/passages.jsonl").read_text(encoding="utf-8").splitlines()]
    gold_y = label_matrix(gold).astype(bool)
    path = str(verified_minilm_path())
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = ThemeHead(AutoModel.from_pretrained(path))
    positives = y.sum(0)
    pos_weight = torch.tensor(np.clip((len(y) - positives) / np.maximum(positives, 1), 1, 10)
                              ** 0.5)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimiser = torch.optim.AdamW([
        {"params": model.encoder.parameters(), "lr": 5e-5},
        {"params": model.head.parameters(), "lr": 2e-3}], weight_decay=0.01)
    steps = args.epochs * -(-len(texts) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, s / (0.06 * steps)) * max(0.0, (steps - s) / steps))
    print(f"{len(texts)} training passages, {len(gold)} gold; {args.epochs} epochs")
    for epoch in range(args.epochs):
        model.train()
        started = time.perf_counter()
        order = rng.permutation(len(texts))
        for start in range(0, len(order), BATCH):
            rows = order[start:start + BATCH]
            batch = tokenizer([texts[i] for i in rows], padding=True, truncation=True,
                              max_length=args.max_length, return_tensors="pt")
            loss = loss_fn(model(batch), torch.tensor(y[rows]))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        trained = time.perf_counter() - started
        started = time.perf_counter()
        probs = predict(model, tokenizer, [g["text"] for g in gold], args.max_length)
        rate = len(gold) / (time.perf_counter() - started)
        scores = "  ".join(f"cut {cut}: micro {m:.3f} macro {a:.3f}" for cut in (0.4, 0.5, 0.6)
                           for m, a in [f1_scores(gold_y, probs >= cut)])
        print(f"epoch {epoch + 1}: trained {trained:.0f} s; classify {rate:.0f} passages/s; "
              f"{scores}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
