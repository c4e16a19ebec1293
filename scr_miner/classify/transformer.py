"""The accurate mode: all-MiniLM-L6-v2 with its top layers fine-tuned on the themes.

The token embeddings and the lower layers are the pinned base model's (sha256 checked by
``verified_minilm_path``); only the fine-tuned top layers and the classification head are ours,
in ``models/theme_transformer.safetensors`` (listed in the manifest, loaded without unpickling).
Keeping the lower layers frozen also makes training affordable on a laptop: their outputs are
computed once and cached, so each epoch runs only the top layers.

At labelling time the transformer's probabilities are averaged with the fast model's
(``BLEND_WEIGHT``, in ``ThemeModel.label_docs``): the two make different mistakes, and the
blend scores better than either.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from scr_miner.classify.embed import verified_minilm_path
from scr_miner.classify.themes import THEME_IDS
from scr_miner.errors import error

TRANSFORMER_FILE = "theme_transformer.safetensors"
TRAINED_LAYERS = 4  # of MiniLM's 6; the lower 2 stay as published. Held-out training reviews
# (benchmarks/accurate_dev.py): 3 layers micro-F1 0.690 blended, 4 layers 0.704.
MAX_TOKENS = 128
EPOCHS = 4
BATCH_SIZE = 16
LAYER_LEARNING_RATE = 1e-4
HEAD_LEARNING_RATE = 2e-3
# The transformer's share of the blend, chosen on held-out training reviews, never on the
# gold set (benchmarks/accurate_dev.py: 0.5 and 0.6 best of 0.3-0.8 there, 0.739/0.771 and
# 0.739/0.770 micro/macro-F1, now that the transformer also trains on the unquoted sentences).
BLEND_WEIGHT = 0.5
# A passage's transformer score is mixed with that of its most telling sentence: a theme stated
# in one sentence of a long paragraph is diluted by mean pooling over the rest. Held-out training
# reviews, blended at 0.5 with the fast model, micro/macro-F1 (benchmarks/accurate_dev.py):
# 0.729/0.759 on the passage alone, 0.734/0.767 with 0.25 of the best sentence, 0.739/0.771 with
# 0.5, 0.732/0.764 with 0.75. Trained without the unquoted sentences, the transformer did best at
# 0.25 (0.735/0.767): having seen sentences without a theme makes its sentence scores worth more.
SENTENCE_SHARE = 0.5
SEED = 13
HIDDEN = 384


class ThemeTransformer:
    """MiniLM (frozen lower layers) + fine-tuned top layers + a linear head per theme."""

    def __init__(self, head_weights: dict | None = None) -> None:
        import torch
        from transformers import AutoModel, AutoTokenizer

        path = str(verified_minilm_path())
        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.encoder = AutoModel.from_pretrained(path).eval()
        self.frozen = self.encoder.config.num_hidden_layers - TRAINED_LAYERS
        self.top = torch.nn.ModuleList(self.encoder.encoder.layer[self.frozen :])
        self.head = torch.nn.Linear(HIDDEN, len(THEME_IDS))
        self.dropout = torch.nn.Dropout(0.1)
        if head_weights is not None:
            self.top.load_state_dict(_prefixed(head_weights, "top."))
            self.head.load_state_dict(_prefixed(head_weights, "head."))
        self.top.eval()
        self.dropout.eval()

    def lower_states(self, texts: list[str]) -> list:
        """The frozen layers' output for each text, trimmed to its own tokens."""
        with self.torch.no_grad():
            batch = self.tokenizer(
                texts, padding=True, truncation=True, max_length=MAX_TOKENS, return_tensors="pt"
            )
            x = self.encoder.embeddings(
                input_ids=batch["input_ids"], token_type_ids=batch["token_type_ids"]
            )
            mask = batch["attention_mask"].float()
            # Only the frozen layers: the base model's own top layers would be wasted work.
            x = self._run_layers(self.encoder.encoder.layer[: self.frozen], x, mask)
            lengths = batch["attention_mask"].sum(dim=1).tolist()
            return [x[row, :length].clone() for row, length in enumerate(lengths)]

    def logits(self, states: list):  # noqa: ANN201
        """Run the top layers and the head over padded lower states (mean-pooled tokens)."""
        torch = self.torch
        longest = max(s.shape[0] for s in states)
        x = torch.zeros(len(states), longest, HIDDEN)
        mask = torch.zeros(len(states), longest)
        for i, s in enumerate(states):
            x[i, : s.shape[0]] = s
            mask[i, : s.shape[0]] = 1
        x = self._run_layers(self.top, x, mask)
        pooled = (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
        return self.head(self.dropout(pooled))

    def _run_layers(self, layers, x, mask):  # noqa: ANN001, ANN202
        additive = (1 - mask[:, None, None, :]) * self.torch.finfo(self.torch.float32).min
        for layer in layers:
            x = layer(x, attention_mask=additive)
            x = x[0] if isinstance(x, tuple) else x  # older transformers return a tuple
        return x

    def probabilities(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Theme probabilities, one row per text (texts sorted by length to pad less)."""
        result = np.zeros((len(texts), len(THEME_IDS)), dtype=np.float32)
        with self.torch.no_grad():
            for rows in _batches_by_length(texts, batch_size):
                states = self.lower_states([texts[i] or " " for i in rows])
                result[rows] = self.torch.sigmoid(self.logits(states)).numpy()
        return result

    def passage_probabilities(self, texts: list[str], sentences: list[list[str]]) -> np.ndarray:
        """Theme probabilities of passages, each mixed with the highest of its sentences' own
        (``SENTENCE_SHARE`` of the latter); ``sentences`` holds each passage's sentences."""
        whole = self.probabilities(texts)
        best = self.best_sentence_probabilities(sentences, whole)
        return (1 - SENTENCE_SHARE) * whole + SENTENCE_SHARE * best

    def best_sentence_probabilities(
        self, sentences: list[list[str]], whole: np.ndarray
    ) -> np.ndarray:
        """Per theme, the highest probability among each passage's sentences. A passage of one
        sentence is its own best sentence, so its row of ``whole`` is reused, not rescored."""
        several = [i for i, group in enumerate(sentences) if len(group) > 1]
        per_sentence = self.probabilities([sentence for i in several for sentence in sentences[i]])
        best = whole.copy()
        start = 0
        for i in several:
            best[i] = per_sentence[start : start + len(sentences[i])].max(axis=0)
            start += len(sentences[i])
        return best

    def weights(self) -> dict:
        """The trained tensors (top layers and head) in half precision, as saved: half the
        size in the repository; they are loaded back into float32, and the shipped file is
        what the model card's figures were measured with."""
        state = {f"top.{k}": v for k, v in self.top.state_dict().items()}
        state |= {f"head.{k}": v for k, v in self.head.state_dict().items()}
        return {k: v.detach().to(self.torch.float16).contiguous() for k, v in state.items()}


def _prefixed(weights: dict, prefix: str) -> dict:
    return {k[len(prefix) :]: v for k, v in weights.items() if k.startswith(prefix)}


def load_transformer(directory: Path) -> ThemeTransformer:
    """The shipped transformer (its checksum is checked with the manifest, before this)."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = directory / TRANSFORMER_FILE
    if not path.exists():
        raise error("E011", path=path)
    try:
        return ThemeTransformer(load_file(str(path)))
    except (SafetensorError, RuntimeError, OSError) as exc:
        raise error("E012", path=path, reason=str(exc).splitlines()[0]) from None


def train_transformer(
    directory: Path,
    texts: list[str],
    labels: np.ndarray,
    weights: np.ndarray,
    progress: Callable[[str], None] = lambda message: None,
    epochs: int = EPOCHS,
) -> Path:
    """Fine-tune the top layers on the training passages and write the safetensors file.

    Fixed seeds and a fixed batch order make a rerun on the same data and machine repeat the
    same weights. Sample weights follow the fast model's (annotated review paragraphs count
    more); positives are up-weighted per theme by sqrt(negatives/positives), capped at 10.
    """
    import torch
    from safetensors.torch import save_file

    torch.manual_seed(SEED)
    random.seed(SEED)
    rng = np.random.RandomState(SEED)
    model = ThemeTransformer()
    progress("caching the frozen layers' output")
    states = _cached_states(model, texts)
    model.top.train()
    model.dropout.train()
    y = torch.tensor(labels, dtype=torch.float32)
    w = torch.tensor(weights, dtype=torch.float32)
    positives = labels.sum(axis=0)
    ratio = (len(labels) - positives) / np.maximum(positives, 1)
    loss_fn = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(np.clip(ratio, 1, 10) ** 0.5, dtype=torch.float32),
        reduction="none",
    )
    optimiser = torch.optim.AdamW(
        [
            {"params": model.top.parameters(), "lr": LAYER_LEARNING_RATE},
            {"params": model.head.parameters(), "lr": HEAD_LEARNING_RATE},
        ],
        weight_decay=0.01,
    )
    lengths = np.array([s.shape[0] for s in states])
    # The number of batches does not depend on the shuffle, so a throwaway one counts them.
    steps = epochs * len(_length_bucketed_batches(lengths, np.random.RandomState(0)))
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, _warmup_then_linear_decay(steps))
    for epoch in range(epochs):
        total = 0.0
        batches = _length_bucketed_batches(lengths, rng)
        for rows in batches:
            per_passage = loss_fn(model.logits([states[i] for i in rows]), y[rows]).mean(dim=1)
            loss = (per_passage * w[rows]).sum() / w[rows].sum()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += loss.item()
        progress(f"epoch {epoch + 1}/{epochs}: loss {total / len(batches):.4f}")
    path = directory / TRANSFORMER_FILE
    save_file(model.weights(), str(path))
    return path


def _cached_states(model: ThemeTransformer, texts: list[str], batch_size: int = 64) -> list:
    states: list = [None] * len(texts)
    for rows in _batches_by_length(texts, batch_size):
        for row, state in zip(rows, model.lower_states([texts[i] for i in rows]), strict=True):
            states[row] = state
    return states


def _batches_by_length(texts: list[str], batch_size: int) -> Iterator[np.ndarray]:
    """Row numbers of ``texts`` in batches of similar length, so batches need little padding."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch_size):
        yield order[start : start + batch_size]


def _length_bucketed_batches(lengths: np.ndarray, rng: np.random.RandomState) -> list:
    """Shuffled batches of passages of similar length (less padding, same randomness)."""
    order = rng.permutation(len(lengths))
    pool = BATCH_SIZE * 20
    batches = []
    for start in range(0, len(order), pool):
        chunk = order[start : start + pool]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i : i + BATCH_SIZE] for i in range(0, len(chunk), BATCH_SIZE)]
    rng.shuffle(batches)
    return batches


def _warmup_then_linear_decay(steps: int) -> Callable[[int], float]:
    warmup = max(1, int(0.06 * steps))
    return lambda step: min(1.0, step / warmup) * max(0.0, (steps - step) / steps)
