"""Train the theme model from ``models/training/*.jsonl``, reproducibly (fixed seeds)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from spacy.language import Language

from scr_miner import __version__
from scr_miner.classify.embed import (
    CLASSIFIER_DIMS,
    MINILM_NAME,
    STATIC_DIMS,
    StaticEmbedder,
    distil_static_table,
    sif_weights,
)
from scr_miner.classify.evaluate import read_gold
from scr_miner.classify.features import (
    Unit,
    feature_matrix,
    idf_from,
    passage_unit,
    sentence_units,
)
from scr_miner.classify.model import (
    CUT_OFF,
    SENTENCE_MIX,
    ThemeModel,
    centred,
    mix,
    write_manifest,
)
from scr_miner.classify.nlp import make_nlp, sentence_texts
from scr_miner.classify.pairs import fit_pair_model
from scr_miner.classify.themes import THEME_IDS, load_vocabulary
from scr_miner.classify.transformer import (
    EPOCHS,
    TRAINED_LAYERS,
    TRANSFORMER_FILE,
    train_transformer,
)

SEED = 13
# Held-out training reviews, fast model micro/macro-F1 (benchmarks/accurate_dev.py --fast-c,
# --in-domain-weight): C 2 0.665/0.703, 4 0.670/0.711, 8 0.673/0.713; weight 6 at C 4
# 0.670/0.713. A plateau: the shipped values stay.
C = 4.0
IN_DOMAIN_WEIGHT = 3.0
EVIDENCE_KIND = "evidence-sentence"
UNQUOTED_KIND = "unquoted-sentence"
SENTENCE_KINDS = {EVIDENCE_KIND, UNQUOTED_KIND}
SHORTEST_UNQUOTED = 20  # characters: shorter "sentences" are headings or stray numbers


def training_records(directory: Path) -> list[dict]:
    """All training passages under ``directory/training``, then the evidence sentences quoted
    for their themes, then the sentences no annotator quoted; de-duplicated, a text kept with
    its first label, in a fixed order."""
    records: dict[str, dict] = {}
    sentences: list[dict] = []
    for path in sorted((directory / "training").glob("*.jsonl")):
        for record in read_gold(path, code="E020"):
            if record.get("kind") == UNQUOTED_KIND:
                sentences.append(record)
            else:
                records.setdefault(record["text"].strip(), record)
    # Quoted sentences first: a sentence quoted for a theme in one paragraph keeps that theme
    # even where another paragraph repeats it unquoted.
    for sentence in evidence_sentences(list(records.values())) + sentences:
        records.setdefault(sentence["text"].strip(), sentence)
    return list(records.values())


def evidence_sentences(records: list[dict]) -> list[dict]:
    """Each sentence annotators quoted as evidence, as a training passage of its own labelled
    with the themes it was quoted for: it shows the model which words carry a theme, where a
    paragraph only says that some of them do (held-out training reviews: fast model micro-F1
    0.621 without, 0.639 with them)."""
    sentences = []
    for record in records:
        themes_of: dict[str, set[str]] = {}
        for item in record.get("evidence", []):
            themes_of.setdefault(item["sentence"], set()).add(item["theme"])
        sentences += [
            {
                "text": sentence,
                "themes": [t for t in THEME_IDS if t in themes],
                "pairs": [],
                "kind": EVIDENCE_KIND,
                "source": record.get("source", ""),
            }
            for sentence, themes in themes_of.items()
        ]
    return sentences


def unquoted_sentences(records: list[dict], nlp: Language) -> list[dict]:
    """The sentences annotators did not quote, from annotated paragraphs of two or more
    sentences, each a training passage with no theme. ``corpus/gold/split.py`` writes them to
    ``models/training/unquoted-sentences.jsonl`` through its near-duplicate filter.

    Annotators quoted every sentence that carries a theme, so the rest of an annotated
    paragraph carries none. Without these the model only learns that a whole paragraph has a
    theme somewhere, and scores each of its sentences as if it held it. Held-out training
    reviews, fast model, micro/macro-F1 without and with them: best sentence alone 0.593/0.639
    and 0.648/0.686; paragraph mixed half and half with its best sentence 0.645/0.686 and
    0.668/0.708 (the paragraph alone stays at 0.649/0.686 and 0.646/0.686).
    """
    annotated = [
        r for r in records
        if r.get("kind") == "annotated-review" and (r.get("evidence") or not r["themes"])
    ]
    docs = nlp.pipe([r["text"] for r in annotated], batch_size=256)
    found = []
    for record, doc in zip(annotated, docs, strict=True):
        sentences = sentence_texts(doc)
        quoted = [item["sentence"] for item in record.get("evidence", [])]
        found += [
            {
                "text": sentence,
                "themes": [],
                "pairs": [],
                "kind": UNQUOTED_KIND,
                "source": record.get("source", ""),
            }
            for sentence in sentences
            if len(sentences) > 1
            and len(sentence) > SHORTEST_UNQUOTED
            # The sentencizer and the annotators do not always cut in the same place: a
            # sentence that overlaps a quoted one by containment is not a negative.
            and not any(sentence in q or q in sentence for q in quoted)
        ]
    return found


def label_matrix(records: list[dict]) -> np.ndarray:
    """Binary (records × themes) matrix."""
    y = np.zeros((len(records), len(THEME_IDS)), dtype=np.int8)
    for i, record in enumerate(records):
        for theme in record["themes"]:
            y[i, THEME_IDS.index(theme)] = 1
    return y


def sample_weights(records: list[dict]) -> np.ndarray:
    """Annotated paragraphs of whole reviews count ``IN_DOMAIN_WEIGHT`` times a written passage:
    they read like the reviews the model will meet (grouped CV over the training reviews:
    micro-F1 0.574 at weight 1, 0.581 at 2, 0.586 at 3)."""
    return np.array([IN_DOMAIN_WEIGHT if r.get("kind") == "annotated-review" else 1.0
                     for r in records])


def _fit_one(x, y: np.ndarray, weights: np.ndarray) -> LogisticRegression:  # noqa: ANN001
    model = LogisticRegression(
        C=C, class_weight="balanced", max_iter=3000, solver="liblinear", random_state=SEED
    )
    return model.fit(x, y, sample_weight=weights)


def best_threshold(y: np.ndarray, whole: np.ndarray, best: np.ndarray) -> float:
    """The cut-off that maximises F1 on out-of-fold predictions of what the model labels:
    the passage's probability mixed with its best sentence's, both centred on the cut-off."""
    chosen, chosen_f1 = 0.5, -1.0
    for threshold in np.arange(0.15, 0.9, 0.025):
        cut = np.full(1, threshold)
        pred = mix(centred(whole, cut), centred(best, cut), SENTENCE_MIX) >= CUT_OFF
        tp = int((pred & (y == 1)).sum())
        f1 = 2 * tp / max(1, int(pred.sum()) + int(y.sum()))
        if f1 > chosen_f1:
            chosen, chosen_f1 = float(threshold), f1
    return round(chosen, 3)


def paragraph_groups(records: list[dict]) -> np.ndarray:
    """A group id per record: a paragraph and the evidence sentences quoted from it share one,
    so cross-validation never scores a paragraph with its own sentences in training."""
    return np.array([r.get("source") or f"#{i}" for i, r in enumerate(records)])


def out_of_fold(
    x, y: np.ndarray, weights: np.ndarray, groups: np.ndarray,  # noqa: ANN001
    sentences, owners: np.ndarray, folds: int = 5,  # noqa: ANN001
) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities for every theme (for thresholds and honest CV scores), whole
    groups to a fold: one row per record, and one per sentence of ``sentences`` (feature rows
    whose record is ``owners``), each scored by the model that did not see its record."""
    oof = np.zeros(y.shape, dtype=np.float32)
    oof_sentences = np.zeros((sentences.shape[0], y.shape[1]), dtype=np.float32)
    for train_idx, test_idx in _group_folds(groups, folds):
        tested = np.flatnonzero(np.isin(owners, test_idx))
        for j in range(y.shape[1]):
            if y[train_idx, j].sum() == 0:
                continue
            model = _fit_one(x[train_idx], y[train_idx, j], weights[train_idx])
            oof[test_idx, j] = model.predict_proba(x[test_idx])[:, 1]
            if tested.size:
                oof_sentences[tested, j] = model.predict_proba(sentences[tested])[:, 1]
    return oof, oof_sentences


def _group_folds(groups: np.ndarray, folds: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    unique = np.unique(groups)
    for _, test_groups in KFold(folds, shuffle=True, random_state=SEED).split(unique):
        test = np.isin(groups, unique[test_groups])
        yield np.flatnonzero(~test), np.flatnonzero(test)


def _sentences_of(docs: list, indices: np.ndarray) -> tuple[list[Unit], np.ndarray]:
    """The sentences of each indexed doc that has two or more, and the index each came from."""
    sentences: list[Unit] = []
    owners: list[int] = []
    for i in indices:
        found = sentence_units(docs[i])
        if len(found) > 1:
            sentences += found
            owners += [int(i)] * len(found)
    return sentences, np.array(owners, dtype=int)


def best_of_sentences(
    whole: np.ndarray, per_sentence: np.ndarray, owners: np.ndarray
) -> np.ndarray:
    """Per record and theme, the highest probability among its sentences (``per_sentence``
    rows, from the record ``owners``); a record with no sentence row is its own best."""
    best = whole.copy()
    best[owners] = 0.0
    np.maximum.at(best, owners, per_sentence)
    return best


def _static_table(directory: Path, texts: list[str]) -> np.ndarray:
    """The distilled table (made once: it depends only on MiniLM's weights), with SIF token
    weights counted over the training texts (remade on every training run)."""
    table_path = directory / "static_embeddings.npz"
    if table_path.exists():
        with np.load(table_path, allow_pickle=False) as arrays:
            table = arrays["table"]
    if not table_path.exists() or table.shape[1] != STATIC_DIMS:
        table, _, _ = distil_static_table()
    np.savez_compressed(table_path, table=table, token_weights=sif_weights(texts))
    return table


@dataclass
class TrainingMatrices:
    """The fast model's inputs for one training set, built once and shared by every fit."""

    idf: np.ndarray
    x: sp.csr_matrix  # feature rows, one per record
    y: np.ndarray  # labels, one column per theme
    weights: np.ndarray
    passages: np.ndarray  # True for records the model labels (not quoted/unquoted sentences)
    sentences: sp.csr_matrix  # feature rows of the sentences of passages with two or more
    owners: np.ndarray  # the record each sentence row comes from


def training_matrices(
    records: list[dict], embedder: StaticEmbedder, nlp: Language
) -> TrainingMatrices:
    """Features, labels and weights of ``records``, and of their passages' sentences."""
    docs = list(nlp.pipe([r["text"] for r in records], batch_size=256))
    units = [passage_unit(d) for d in docs]
    idf = idf_from([u.lemmas for u in units])
    # Thresholds are for passages, the unit the model labels: sentences train the weights but
    # do not vote on the cut-offs. A passage is labelled on its score mixed with its best
    # sentence's, so its sentences are scored out of fold too.
    passages = np.array([r.get("kind") not in SENTENCE_KINDS for r in records])
    sentences, owners = _sentences_of(docs, np.flatnonzero(passages))
    return TrainingMatrices(
        idf=idf,
        x=feature_matrix(units, idf, embedder),
        y=label_matrix(records),
        weights=sample_weights(records),
        passages=passages,
        sentences=feature_matrix(sentences, idf, embedder),
        owners=owners,
    )


def out_of_fold_mix(m: TrainingMatrices, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Out-of-fold probabilities of every record and of its best sentence (whole ``groups`` to
    a fold): what the cut-offs are chosen on."""
    oof, oof_sentences = out_of_fold(m.x, m.y, m.weights, groups, m.sentences, m.owners)
    return oof, best_of_sentences(oof, oof_sentences, m.owners)


def chosen_thresholds(
    y: np.ndarray, oof: np.ndarray, best: np.ndarray, rows: np.ndarray
) -> np.ndarray:
    """Each theme's cut-off, chosen on the out-of-fold predictions of the ``rows`` given."""
    return np.array(
        [best_threshold(y[rows, j], oof[rows, j], best[rows, j]) for j in range(y.shape[1])]
    )


def fitted_model(
    m: TrainingMatrices, thresholds: np.ndarray, embedder: StaticEmbedder, themes_path: str
) -> ThemeModel:
    """One logistic regression per theme on all of ``m``, with the given cut-offs."""
    models = [_fit_one(m.x, m.y[:, j], m.weights) for j in range(m.y.shape[1])]
    return ThemeModel(
        coef=np.vstack([model.coef_[0] for model in models]).astype(np.float32),
        intercept=np.array([model.intercept_[0] for model in models], dtype=np.float32),
        thresholds=thresholds,
        idf=m.idf,
        embedder=embedder,
        info={},
        themes_path=themes_path,
    )


def fit_theme_model(records: list[dict], embedder: StaticEmbedder, themes_path: str) -> ThemeModel:
    """Fit the fast model on ``records``: one logistic regression per theme over the shared
    features, each theme's threshold chosen on 5-fold out-of-fold predictions of passages
    (``benchmarks/threshold_check.py``: choosing them on annotated review paragraphs alone, or
    with folds of whole reviews, scores the same on held-out training reviews)."""
    m = training_matrices(records, embedder, make_nlp(themes_path))
    oof, best = out_of_fold_mix(m, paragraph_groups(records))
    return fitted_model(m, chosen_thresholds(m.y, oof, best, m.passages), embedder, themes_path)


def train(
    directory: Path,
    static_table: np.ndarray | None = None,
    with_transformer: bool = False,
    progress: Callable[[str], None] = lambda message: None,
) -> dict:
    """Train and write ``theme_model.npz``, ``pair_model.npz``, ``model.json`` and the manifest.
    Returns model.json.

    ``with_transformer`` also fine-tunes the accurate mode's transformer (slow: minutes, not
    seconds); without it the shipped transformer is kept, and trained only if missing.
    """
    vocabulary = load_vocabulary(directory / "themes.yml")
    records = training_records(directory)
    if static_table is None:
        static_table = _static_table(directory, [r["text"] for r in records])
    embedder = StaticEmbedder(static_table[:, :CLASSIFIER_DIMS])
    model = fit_theme_model(records, embedder, str(directory / "themes.yml"))
    np.savez_compressed(directory / "theme_model.npz", coef=model.coef,
                        intercept=model.intercept, idf=model.idf)
    y = label_matrix(records)
    thresholds = {t: float(v) for t, v in zip(THEME_IDS, model.thresholds, strict=True)}
    data_hash = _data_hash(records)
    info = {
        "model_version": f"{vocabulary.themes_version}+{data_hash[:8]}",
        "taxonomy_version": vocabulary.taxonomy_version,
        "scr_miner_version": __version__,
        "embedding_model": MINILM_NAME,
        "themes": list(THEME_IDS),
        "thresholds": thresholds,
        "training_passages": len(records),
        "training_per_theme": {t: int(y[:, j].sum()) for j, t in enumerate(THEME_IDS)},
        "training_no_theme": int((y.sum(axis=1) == 0).sum()),
        "training_evidence_sentences": sum(r.get("kind") == EVIDENCE_KIND for r in records),
        "training_unquoted_sentences": sum(r.get("kind") == UNQUOTED_KIND for r in records),
        "training_data_sha256": data_hash,
        "seed": SEED,
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
    }
    pair_model, info["pairs"] = fit_pair_model(records, make_nlp(str(directory / "themes.yml")))
    pair_model.save(directory)
    info["transformer"] = _transformer_info(directory, records, with_transformer, progress)
    (directory / "model.json").write_text(json.dumps(info, indent=2) + "\n")
    write_manifest(directory)
    return info


def _transformer_info(
    directory: Path,
    records: list[dict],
    retrain: bool,
    progress: Callable[[str], None],
) -> dict:
    """Fine-tune the transformer if asked (or missing); else carry its record over."""
    previous_path = directory / "model.json"
    previous = json.loads(previous_path.read_text()) if previous_path.exists() else {}
    if not retrain and (directory / TRANSFORMER_FILE).exists() and "transformer" in previous:
        return previous["transformer"]
    progress("fine-tuning the accurate mode's transformer ...")
    texts = [r["text"] for r in records]
    train_transformer(directory, texts, label_matrix(records), sample_weights(records), progress)
    return {
        "base_model": MINILM_NAME,
        "trained_layers": TRAINED_LAYERS,
        "epochs": EPOCHS,
        "training_data_sha256": _data_hash(records),
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%d"),
    }


def _data_hash(records: list[dict]) -> str:
    return hashlib.sha256("\n".join(r["text"] for r in records).encode("utf-8")).hexdigest()[:16]
