"""The trained theme model: load (checksums first, never unpickling), score, and label texts."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from scr_miner.classify.agencies import agencies_in
from scr_miner.classify.embed import CLASSIFIER_DIMS, StaticEmbedder
from scr_miner.classify.features import (
    HASH_FEATURES,
    Unit,
    feature_matrix,
    passage_unit,
    sentence_units,
)
from scr_miner.classify.nlp import make_nlp, sentence_texts
from scr_miner.classify.pairs import PAIR_FILE, PairModel, load_pair_model
from scr_miner.classify.themes import THEME_IDS, models_dir
from scr_miner.classify.transformer import (
    BLEND_WEIGHT,
    TRANSFORMER_FILE,
    ThemeTransformer,
    load_transformer,
)
from scr_miner.errors import error
from scr_miner.hashing import file_sha256
from scr_miner.records import Evidence, Label

MODEL_FILES = (
    "themes.yml",
    "model.json",
    "theme_model.npz",
    "static_embeddings.npz",
    PAIR_FILE,
    TRANSFORMER_FILE,
)
MANIFEST = "MANIFEST.sha256"
CUT_OFF = 0.5
# Half of a passage's fast score comes from its best sentence, each sentence scored on its own:
# a theme stated in one sentence of a long paragraph is diluted in the paragraph's features.
# Held-out training reviews (benchmarks/accurate_dev.py), micro/macro-F1 with thresholds chosen
# on the mix: paragraph alone 0.654/0.692, best sentence alone 0.647/0.685, half and half
# 0.670/0.711 (shares 0.25-0.75 within 0.009). It pays only since the unquoted sentences of
# annotated paragraphs train the model as theme-less (see train.unquoted_sentences).
SENTENCE_MIX = 0.5
PASSAGE_SPLIT = re.compile(r"\n\s*\n|\n(?=\s*\d{1,2}\.\d{1,3}\s)")


def verify_manifest(directory: Path) -> dict[str, str]:
    """Check every model file against ``MANIFEST.sha256``; return {file: sha256}."""
    manifest_path = directory / MANIFEST
    if not manifest_path.exists():
        raise error("E011", path=manifest_path)
    try:
        expected = {
            name.strip(): digest
            for digest, name in (
                line.split(maxsplit=1)
                for line in manifest_path.read_text().splitlines()
                if line.strip()
            )
        }
    except ValueError as exc:
        raise error("E012", path=manifest_path, reason=str(exc)) from None
    for name in MODEL_FILES:
        path = directory / name
        if not path.exists():
            raise error("E011", path=path)
        found = file_sha256(path)
        if expected.get(name) != found:
            raise error("E010", path=path, expected=expected.get(name, "(not listed)"), found=found)
    return expected


def write_manifest(directory: Path) -> None:
    """Write ``MANIFEST.sha256`` for the model files in ``directory``."""
    lines = [f"{file_sha256(directory / name)}  {name}" for name in MODEL_FILES]
    (directory / MANIFEST).write_text("\n".join(lines) + "\n")


@dataclass
class ThemeModel:
    """Per-theme logistic models over shared features, with per-theme thresholds."""

    coef: np.ndarray  # (themes, features)
    intercept: np.ndarray  # (themes,)
    thresholds: np.ndarray  # (themes,)
    idf: np.ndarray
    embedder: StaticEmbedder
    info: dict
    themes_path: str
    transformer: ThemeTransformer | None = None  # the accurate mode, blended in when loaded
    pair_model: PairModel | None = None  # who failed to tell whom; none while training

    @property
    def version(self) -> str:
        """Model version string, recorded with every label in the database."""
        version = str(self.info["model_version"])
        return f"{version}+accurate" if self.transformer is not None else version

    def probabilities(self, units: list) -> np.ndarray:
        """Theme probabilities, one row per unit."""
        if not units:
            return np.zeros((0, len(THEME_IDS)), dtype=np.float32)
        x = feature_matrix(units, self.idf, self.embedder)
        logits = np.asarray(x @ self.coef.T) + self.intercept
        return 1 / (1 + np.exp(-logits))

    def label_docs(self, docs: list) -> list[Label]:
        """Labels for already-parsed passage docs."""
        whole, sentences, per_sentence = self.passage_and_sentence_probabilities(docs)
        best = best_sentence(per_sentence, whole)
        probs = mix(centred(whole, self.thresholds), centred(best, self.thresholds), SENTENCE_MIX)
        if self.transformer is not None:
            accurate = self.transformer.passage_probabilities(
                [d.text for d in docs],
                [sentence_texts(d) for d in docs],
            )
            probs = mix(probs, accurate, BLEND_WEIGHT)
        assigned = [self._assigned(doc, row) for doc, row in zip(docs, probs, strict=True)]
        return [
            Label(
                themes=themes,
                scores={t: float(p) for t, p in zip(THEME_IDS, row, strict=True)},
                agencies=agencies_in(doc),
                pairs=self.pair_model.pairs(doc, themes) if self.pair_model else [],
                evidence=_evidence(themes, units, sentence_rows),
            )
            for doc, row, themes, units, sentence_rows in zip(
                docs, probs, assigned, sentences, per_sentence, strict=True
            )
        ]

    def _assigned(self, doc, row: np.ndarray) -> list[str]:  # noqa: ANN001
        themes = [t for t, p in zip(THEME_IDS, row, strict=True) if p >= CUT_OFF]
        # "The school shared its concerns the same day" is good practice, never not-shared: a
        # failure to share needs a negated or "unaware" sentence somewhere in the passage, or a
        # recommendation ("should ensure the school is told"), which answers that failure.
        if "not-shared" in themes and not any(s._.negated or s._.prescriptive for s in doc.sents):
            themes.remove("not-shared")
        return themes

    def passage_and_sentence_probabilities(
        self, docs: list
    ) -> tuple[np.ndarray, list[list[Unit]], list[np.ndarray]]:
        """The passages' probabilities (one row each), their sentences, and the sentences'
        probabilities (an array per passage, one row per sentence).

        All sentences of all passages are scored in one batch (per-passage calls would cost
        more in overhead than in arithmetic); a passage of one sentence is its own sentence,
        so its row is reused rather than rescored.
        """
        sentences = [sentence_units(d) for d in docs]
        whole = self.probabilities([passage_unit(d) for d in docs])
        several = [i for i, units in enumerate(sentences) if len(units) > 1]
        scored = self.probabilities([unit for i in several for unit in sentences[i]])
        result = [whole[i : i + 1] for i in range(len(sentences))]
        start = 0
        for i in several:
            result[i] = scored[start : start + len(sentences[i])]
            start += len(sentences[i])
        return whole, sentences, result

    def label_texts(self, texts: list[str], batch_size: int = 256) -> list[Label]:
        """Labels for passage texts."""
        nlp = make_nlp(self.themes_path)
        docs = list(nlp.pipe(texts, batch_size=batch_size))
        return self.label_docs(docs)

    def label_records(self, texts: list[str]) -> list[Label]:
        """Labels for records that may hold many paragraphs: themes are the union of passages."""
        pieces: list[str] = []
        owners: list[int] = []
        for index, text in enumerate(texts):
            for part in passages_of(text) or [""]:
                pieces.append(part)
                owners.append(index)
        labels = self.label_texts(pieces)
        return [
            merge_labels([lb for lb, o in zip(labels, owners, strict=True) if o == i])
            for i in range(len(texts))
        ]


def passages_of(text: str) -> list[str]:
    """A record's passages: its paragraphs, split at blank lines and at numbered paragraphs."""
    return [p.strip() for p in PASSAGE_SPLIT.split(text or "") if p and p.strip()]


def centred(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Probabilities with each theme's logit shifted by its threshold, so that every theme's
    cut-off sits at ``CUT_OFF`` (0.5) and scores with different thresholds can be averaged."""
    clipped = np.clip(probs, 1e-6, 1 - 1e-6)
    shifted = np.log(clipped / (1 - clipped)) - np.log(thresholds / (1 - thresholds))
    return 1 / (1 + np.exp(-shifted))


def best_sentence(per_sentence: list[np.ndarray], whole: np.ndarray) -> np.ndarray:
    """Per passage and theme, the highest of its sentences' probabilities."""
    return np.vstack([rows.max(axis=0) for rows in per_sentence]) if per_sentence else whole


def mix(first: np.ndarray, second: np.ndarray, share: float) -> np.ndarray:
    """``share`` of ``second`` and the rest of ``first``: both centred on the same cut-off."""
    return (1 - share) * first + share * second


def _evidence(themes: list[str], units: list[Unit], rows: np.ndarray) -> list[Evidence]:
    """For each assigned theme, the passage's sentence that scores highest for it."""
    if not units:
        return []
    return [
        Evidence(theme, units[int(np.argmax(rows[:, THEME_IDS.index(theme)]))].text.strip())
        for theme in themes
    ]


def merge_labels(labels: list[Label]) -> Label:
    """Union of themes, agencies, pairs and evidence; the maximum score per theme."""
    merged = Label(themes=[], scores={t: 0.0 for t in THEME_IDS}, agencies=[])
    for label in labels:
        merged.themes += [t for t in label.themes if t not in merged.themes]
        merged.agencies += [a for a in label.agencies if a not in merged.agencies]
        merged.pairs += [p for p in label.pairs if p not in merged.pairs]
        merged.evidence += [
            e for e in label.evidence if e.theme not in {x.theme for x in merged.evidence}
        ]
        for theme, score in label.scores.items():
            merged.scores[theme] = max(merged.scores[theme], score)
    merged.themes.sort(key=THEME_IDS.index)
    return merged


def load_model(directory: Path | None = None, accurate: bool = False) -> ThemeModel:
    """Load a model directory after verifying its manifest. Never unpickles.

    ``accurate`` also loads the fine-tuned transformer and blends it in: better labels at about
    a thirtieth of the speed (figures in the model card).
    """
    directory = Path(directory or models_dir())
    verify_manifest(directory)
    try:
        info = json.loads((directory / "model.json").read_text())
        with np.load(directory / "theme_model.npz", allow_pickle=False) as arrays:
            coef, intercept, idf = arrays["coef"], arrays["intercept"], arrays["idf"]
        table, _ = _read_static_table(directory)
    except (OSError, ValueError, KeyError) as exc:
        raise error("E012", path=directory, reason=str(exc)) from None
    if idf.shape != (HASH_FEATURES,):
        # A model trained by another version of the features would score garbage, or crash
        # deep inside scipy: say so in one line instead.
        reason = (
            f"theme_model.npz has {idf.shape[0]} n-gram features where this version "
            f"expects {HASH_FEATURES}; run `scr-miner train`"
        )
        raise error("E012", path=directory, reason=reason)
    thresholds = np.array([info["thresholds"][t] for t in THEME_IDS], dtype=np.float32)
    embedder = StaticEmbedder(table[:, :CLASSIFIER_DIMS])
    transformer = load_transformer(directory) if accurate else None
    themes_path = str(directory / "themes.yml")
    pair_model = load_pair_model(directory)
    return ThemeModel(
        coef, intercept, thresholds, idf, embedder, info, themes_path, transformer, pair_model
    )


def classifier_embedder(directory: Path | None = None) -> StaticEmbedder:
    """The fast model's static embedder (the distilled table's leading components), for
    fitting variants of the model on the shipped table."""
    return StaticEmbedder(static_table(directory)[0][:, :CLASSIFIER_DIMS])


def _read_static_table(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    with np.load(directory / "static_embeddings.npz", allow_pickle=False) as arrays:
        return arrays["table"], arrays["token_weights"]


def static_table(directory: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The distilled static table and its SIF token weights, after verifying the manifest."""
    directory = Path(directory or models_dir())
    verify_manifest(directory)
    try:
        return _read_static_table(directory)
    except (OSError, ValueError, KeyError) as exc:
        raise error("E012", path=directory, reason=str(exc)) from None


@lru_cache(maxsize=2)
def default_model(directory: str | None = None, accurate: bool = False) -> ThemeModel:
    """The model, loaded once per process."""
    return load_model(Path(directory) if directory else None, accurate)


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Yield lists of up to ``size`` items (constant memory over a stream)."""
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
