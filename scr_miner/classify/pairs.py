"""Directed agency pairs: who failed to tell (or told) whom, for each theme a passage carries.

Reviews rarely say it in one clause ("the police did not notify the school"). More often the
sender and the receiver are in different sentences ("The nursery ... was not informed"), or
the direction is the reverse of the grammar: for ``not-sought`` the agency that did not ask is
the receiver, and for ``meeting-gap`` the agency left out is usually the sender. So every
ordered pair of agencies a passage names is a candidate for each of its themes that reviews
attach pairs to, and a logistic regression learnt from the annotated training reviews scores it
from where and how each agency is mentioned. Trained by ``scr-miner train`` into ``pair_model.npz``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc

from scr_miner.classify.evaluate import pair_scores, review_of
from scr_miner.classify.themes import AGENCY_IDS, THEME_IDS
from scr_miner.errors import error
from scr_miner.records import Pair

PAIR_FILE = "pair_model.npz"
# Regularisation and the cut-off grid, chosen by cross-validation over the training reviews
# (benchmarks/pairs_dev.py): C 0.1, 0.3 and 1 were within 0.01 F1 of each other.
PAIR_C = 0.3
CUT_OFFS = tuple(round(0.1 + 0.025 * i, 3) for i in range(13))
FOLDS = 5
PAIRED_KIND = "annotated-review"
# Themes the annotators attach pairs to often enough to learn from (at least 30 pairs in the
# training reviews); voice-unheard, no-overview, escalation-gap and not-recorded are about a
# child or a record rather than a message between two agencies.
UNPAIRED_THEMES = ("voice-unheard", "no-overview", "escalation-gap", "not-recorded")
PAIR_THEMES = tuple(t for t in THEME_IDS if t not in UNPAIRED_THEMES)

# Verbs of telling and asking (lemmas), and the words of knowing that stand in for them.
TELL_LEMMAS = frozenset(
    {
        "tell",
        "inform",
        "feed",
        "notify",
        "share",
        "pass",
        "send",
        "alert",
        "copy",
        "update",
        "advise",
        "refer",
        "forward",
        "disclose",
        "communicate",
        "relay",
        "report",
        "invite",
        "contact",
        "write",
        "ask",
        "check",
        "request",
        "seek",
        "consult",
        "attend",
        "receive",
        "know",
        "aware",
        "unaware",
    }
)
TOWARDS = frozenset({"to", "with", "into"})
FROM = frozenset({"by", "from"})
TOWARDS_IDS = frozenset(map(get_string_id, TOWARDS))
FROM_IDS = frozenset(map(get_string_id, FROM))
ROLE_WINDOW = 4
ROLES = ("subject", "before_verb", "after_verb", "after_to", "after_by")
A_ROLES = tuple(f"a_{role}" for role in ROLES)
B_ROLES = tuple(f"b_{role}" for role in ROLES)
DIRECTIONAL = (*A_ROLES, *B_ROLES, "a_first_in_sentence", "b_first_in_sentence")
BASE = (
    "bias_same_agency",
    "a_mentions",
    "b_mentions",
    "a_named_first",
    "b_named_first",
    "agencies_named",
    "same_sentence",
    "same_sentence_with_verb",
    "a_negated",
    "b_negated",
    *DIRECTIONAL,
)


@lru_cache(maxsize=1)
def feature_names() -> tuple[str, ...]:
    """Every feature of a candidate, in column order (saved with the model and checked).

    The directional features and the agencies get a copy per theme, because the direction
    depends on the theme (see the module docstring) and so does who usually sends to whom; the
    roles of the two agencies are crossed, so "A before the verb and B after 'to'" is one
    feature. Chosen by cross-validation over the training reviews (benchmarks/pairs_dev.py).
    """
    return (
        *BASE,
        *(f"{name}@{t}" for t in PAIR_THEMES for name in DIRECTIONAL),
        *(f"theme={t}" for t in PAIR_THEMES),
        *(f"from={a}" for a in AGENCY_IDS),
        *(f"to={a}" for a in AGENCY_IDS),
        *(f"from={a}@{t}" for t in PAIR_THEMES for a in AGENCY_IDS),
        *(f"to={a}@{t}" for t in PAIR_THEMES for a in AGENCY_IDS),
        *(f"{x}&{y}" for x in A_ROLES for y in B_ROLES),
    )


@dataclass
class Mentions:
    """Where each agency of a passage is named, and in what role."""

    count: dict[str, int]
    order: list[str]
    roles: dict[str, set[str]]
    sentences: dict[str, set[int]]
    first_in_sentence: dict[str, set[int]]
    verb_sentences: set[int]
    sentence_roles: dict[str, dict[int, set[str]]]  # agency -> sentence index -> roles there
    sentence_count: dict[str, dict[int, int]]  # agency -> sentence index -> mentions there


_TELLING: dict[int, bool] = {}


def _is_telling(doc: Doc, lemma: int) -> bool:
    if lemma not in _TELLING:
        _TELLING[lemma] = doc.vocab.strings[lemma].lower() in TELL_LEMMAS
    return _TELLING[lemma]


def mentions(doc: Doc) -> Mentions:
    """Collect every agency mention's sentence and role (subject, before or after a telling
    verb, after "to"/"with"/"into" or "by"/"from", in a negated sentence), for the passage and
    for each sentence."""
    spans = sorted(doc.spans["agencies"], key=lambda a: a.start)
    result = Mentions({}, [], {}, {}, {}, set(), {}, {})
    if not spans:
        return result
    sents = list(doc.sents)
    sent_starts = [s.start for s in sents]
    # Token attributes read as arrays of string ids: classify runs this on every labelled
    # passage, and making a Token object per word would cost more than the rest of the step.
    ids = doc.to_array(["LEMMA", "LOWER"])
    telling = [_is_telling(doc, int(lemma)) for lemma in ids[:, 0]]
    lower = ids[:, 1]
    negated = [s._.negated for s in sents]
    result.verb_sentences = {i for i, s in enumerate(sents) if any(telling[s.start : s.end])}
    seen_in_sentence: set[int] = set()
    for span in spans:
        agency = span.label_
        index = bisect.bisect_right(sent_starts, span.start) - 1
        sent = sents[index]
        if agency not in result.count:
            result.order.append(agency)
        result.count[agency] = result.count.get(agency, 0) + 1
        result.sentences.setdefault(agency, set()).add(index)
        if index not in seen_in_sentence:
            result.first_in_sentence.setdefault(agency, set()).add(index)
            seen_in_sentence.add(index)
        before = range(max(sent.start, span.start - ROLE_WINDOW), span.start)
        after = range(span.end, min(sent.end, span.end + ROLE_WINDOW))
        roles: set[str] = set()
        per = result.sentence_count.setdefault(agency, {})
        per[index] = per.get(index, 0) + 1
        if span.start - sent.start <= 2:
            roles.add("subject")
        if any(telling[i] for i in after):
            roles.add("before_verb")
        if any(telling[i] for i in before):
            roles.add("after_verb")
        if any(int(lower[i]) in TOWARDS_IDS for i in before[-2:]):
            roles.add("after_to")
        if any(int(lower[i]) in FROM_IDS for i in before[-2:]):
            roles.add("after_by")
        if negated[index]:
            roles.add("negated")
        result.roles.setdefault(agency, set()).update(roles)
        result.sentence_roles.setdefault(agency, {}).setdefault(index, set()).update(roles)
    return result


def candidates(found: Mentions, themes: list[str]) -> list[tuple[str, str, str]]:
    """(from, to, theme) for every ordered pair of named agencies and every pair theme. An
    agency paired with itself (a primary school that did not tell the secondary school) is a
    candidate only when it is named twice or more."""
    agencies = found.order
    pairs = [(a, b) for a in agencies for b in agencies if a != b or found.count[a] > 1]
    return [(a, b, t) for t in themes if t in PAIR_THEMES for a, b in pairs]


def candidate_features(found: Mentions, candidate: tuple[str, str, str]) -> np.ndarray:
    """One row of ``feature_names()`` for a candidate."""
    a, b, theme = candidate
    roles_a, roles_b = found.roles.get(a, set()), found.roles.get(b, set())
    if a != b:
        shared = found.sentences[a] & found.sentences[b]
    else:
        shared = {i for i, n in found.sentence_count[a].items() if n > 1}
    base = {
        "bias_same_agency": float(a == b),
        "a_mentions": np.log1p(found.count[a]),
        "b_mentions": np.log1p(found.count[b]),
        "a_named_first": float(found.order[0] == a),
        "b_named_first": float(found.order[0] == b),
        "agencies_named": np.log1p(len(found.order)),
        "same_sentence": float(bool(shared)),
        "same_sentence_with_verb": float(bool(shared & found.verb_sentences)),
        "a_negated": float("negated" in roles_a),
        "b_negated": float("negated" in roles_b),
        "a_first_in_sentence": float(bool(found.first_in_sentence.get(a, set()) & shared)),
        "b_first_in_sentence": float(bool(found.first_in_sentence.get(b, set()) & shared)),
    }
    for role in ROLES:
        base[f"a_{role}"] = float(role in roles_a)
        base[f"b_{role}"] = float(role in roles_b)
    # Filled block by block with numpy: classify calls this for every candidate of every
    # passage, and per-feature Python lists cost more than the rest of the fast model.
    t, i, j = PAIR_THEMES.index(theme), AGENCY_IDS.index(a), AGENCY_IDS.index(b)
    themes, agencies = len(PAIR_THEMES), len(AGENCY_IDS)
    directional = np.array([base[name] for name in DIRECTIONAL], dtype=np.float32)
    crossed = np.zeros((themes, len(DIRECTIONAL)), dtype=np.float32)
    crossed[t] = directional
    one_hots = np.zeros(themes + 2 * agencies + 2 * themes * agencies, dtype=np.float32)
    one_hots[[t, themes + i, themes + agencies + j]] = 1.0
    one_hots[themes + 2 * agencies + t * agencies + i] = 1.0
    one_hots[themes + 2 * agencies + themes * agencies + t * agencies + j] = 1.0
    roles = np.zeros((len(A_ROLES), len(B_ROLES)), dtype=np.float32)
    for index in shared:
        ra, rb = found.sentence_roles[a][index], found.sentence_roles[b][index]
        roles = np.maximum(roles, np.outer([r in ra for r in ROLES], [r in rb for r in ROLES]))
    roles = roles.ravel()
    return np.concatenate([[base[name] for name in BASE], crossed.ravel(), one_hots, roles]).astype(
        np.float32
    )


def candidate_matrix(doc: Doc, themes: list[str]) -> tuple[list[tuple[str, str, str]], np.ndarray]:
    """A passage's candidates and their feature rows."""
    if not doc.spans["agencies"] or not any(t in PAIR_THEMES for t in themes):
        return [], np.zeros((0, len(feature_names())), dtype=np.float32)
    found = mentions(doc)
    found_candidates = candidates(found, themes)
    if not found_candidates:
        return [], np.zeros((0, len(feature_names())), dtype=np.float32)
    rows = np.vstack([candidate_features(found, c) for c in found_candidates])
    return found_candidates, rows


@dataclass
class PairModel:
    """Logistic weights over candidate features, and the cut-off chosen by cross-validation."""

    coef: np.ndarray
    intercept: float
    threshold: float

    def pairs(self, doc: Doc, themes: list[str]) -> list[Pair]:
        """The passage's directed pairs for its assigned ``themes``."""
        found, rows = candidate_matrix(doc, themes)
        if not found:
            return []
        scores = self.scores(rows)
        return [
            Pair(a, b, t) for (a, b, t), s in zip(found, scores, strict=True) if s >= self.threshold
        ]

    def scores(self, rows: np.ndarray) -> np.ndarray:
        """Probability that each candidate row is a pair the annotators would give."""
        return 1 / (1 + np.exp(-(rows @ self.coef + self.intercept)))

    def save(self, directory: Path) -> None:
        """Write ``pair_model.npz`` (arrays only, with the feature names to check at load)."""
        np.savez(
            directory / PAIR_FILE,
            coef=self.coef.astype(np.float32),
            intercept=np.array([self.intercept, self.threshold], dtype=np.float32),
            feature_names=np.array(feature_names()),
        )


def load_pair_model(directory: Path) -> PairModel:
    """Read ``pair_model.npz`` (the manifest is checked by the caller); a file built for other
    features is refused with one line."""
    path = directory / PAIR_FILE
    try:
        with np.load(path, allow_pickle=False) as arrays:
            coef, values, names = arrays["coef"], arrays["intercept"], arrays["feature_names"]
    except (OSError, ValueError, KeyError) as exc:
        raise error("E012", path=path, reason=str(exc)) from None
    if tuple(str(n) for n in names) != feature_names():
        reason = "its features differ from this version's; run `scr-miner train`"
        raise error("E012", path=path, reason=reason)
    return PairModel(coef, float(values[0]), float(values[1]))


@dataclass
class PairData:
    """Candidates of labelled paragraphs: feature rows, 0/1 labels, and per paragraph the
    candidates' row range and the annotators' pairs (which may lie outside the candidates)."""

    rows: np.ndarray
    labels: np.ndarray
    spans: list[tuple[int, int]]
    candidates: list[list[tuple[str, str, str]]]
    gold: list[set[tuple[str, str, str]]]


def pair_data(records: list[dict], nlp: Language) -> PairData:
    """Candidates from each record's labelled ``themes``, labelled by its ``pairs``."""
    rows, labels, spans, found_all, gold_all = [], [], [], [], []
    start = 0
    docs = nlp.pipe((r["text"] for r in records), batch_size=64)
    for record, doc in zip(records, docs, strict=True):
        found, matrix = candidate_matrix(doc, record["themes"])
        gold = {(p["from"], p["to"], p["theme"]) for p in record.get("pairs", [])}
        rows.append(matrix)
        labels += [int(c in gold) for c in found]
        spans.append((start, start + len(found)))
        start += len(found)
        found_all.append(found)
        gold_all.append(gold)
    width = len(feature_names())
    stacked = np.vstack(rows) if rows else np.zeros((0, width), dtype=np.float32)
    return PairData(stacked, np.array(labels, dtype=np.int8), spans, found_all, gold_all)


def _predicted(data: PairData, scores: np.ndarray, cut_off: float) -> list[set]:
    return [
        {c for c, s in zip(found, scores[a:b], strict=True) if s >= cut_off}
        for found, (a, b) in zip(data.candidates, data.spans, strict=True)
    ]


def _fit(rows: np.ndarray, labels: np.ndarray) -> LogisticRegression:
    return LogisticRegression(C=PAIR_C, max_iter=3000).fit(rows, labels)


def fit_pair_model(records: list[dict], nlp: Language) -> tuple[PairModel, dict]:
    """Fit on the annotated review paragraphs of ``records``; the cut-off is the one with the
    best F1 on out-of-fold scores, folds made of whole reviews. Returns the model and its
    cross-validated figures (for model.json and the model card)."""
    paragraphs = [r for r in records if r.get("kind") == PAIRED_KIND]
    data = pair_data(paragraphs, nlp)
    reviews = np.array([review_of(r) for r in paragraphs])
    names = sorted(set(reviews))
    np.random.RandomState(0).shuffle(names)
    fold_of = {name: i % FOLDS for i, name in enumerate(names)}
    row_fold = np.zeros(len(data.labels), dtype=int)
    for review, (a, b) in zip(reviews, data.spans, strict=True):
        row_fold[a:b] = fold_of[review]
    scores = np.zeros(len(data.labels))
    for fold in range(FOLDS):
        held = row_fold == fold
        fitted = _fit(data.rows[~held], data.labels[~held])
        scores[held] = fitted.predict_proba(data.rows[held])[:, 1]
    by_cut_off = {c: pair_scores(data.gold, _predicted(data, scores, c)) for c in CUT_OFFS}
    cut_off = max(CUT_OFFS, key=lambda c: by_cut_off[c]["f1"])
    fitted = _fit(data.rows, data.labels)
    model = PairModel(fitted.coef_[0].astype(np.float32), float(fitted.intercept_[0]), cut_off)
    figures = {k: round(v, 4) for k, v in by_cut_off[cut_off].items()}
    figures |= {
        "cut_off": cut_off,
        "paragraphs": len(paragraphs),
        "pairs": sum(len(g) for g in data.gold),
        "candidate_recall": round(
            int(data.labels.sum()) / max(1, sum(len(g) for g in data.gold)), 4
        ),
    }
    return model, figures
