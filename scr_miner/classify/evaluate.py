"""Score predicted themes against a gold file: per-theme P/R/F1, micro and macro, with 95%
bootstrap intervals (passages resampled with replacement, fixed seed)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from scr_miner.classify.themes import AGENCY_IDS, THEME_IDS
from scr_miner.errors import error

BOOTSTRAP_ROUNDS = 1000
SEED = 7


def read_gold(path: Path, code: str = "E030") -> list[dict]:
    """Read and validate labelled JSONL (gold or training): text, theme ids, agency pairs and
    (where given) the agencies named, per the taxonomy. A bad line raises ``code`` with its line
    number."""
    if not path.exists():
        raise error("E001", path=path)
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text, themes, pairs = record["text"], record["themes"], record.get("pairs", [])
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise error(code, path=path, line=number, reason=str(exc)) from None
        if not (
            isinstance(text, str)
            and isinstance(themes, list)
            and isinstance(record.get("agencies", []), list)
        ):
            reason = "text must be str, themes and agencies lists"
            raise error(code, path=path, line=number, reason=reason)
        bad = [t for t in themes if t not in THEME_IDS]
        bad += [p.get(k) for p in pairs for k in ("from", "to") if p.get(k) not in AGENCY_IDS]
        bad += [p.get("theme") for p in pairs if p.get("theme") not in THEME_IDS]
        bad += [e.get("theme") for e in record.get("evidence", []) if e.get("theme") not in themes]
        bad += [a for a in record.get("agencies", []) if a not in AGENCY_IDS]
        if bad:
            raise error(code, path=path, line=number, reason=f"unknown ids {bad}")
        records.append(record)
    return records


def review_of(record: dict) -> str:
    """The review a labelled training record comes from ('' for a passage written alone), read
    from its ``source`` ("review:paragraph"), so folds and held-out sets keep reviews whole."""
    return record.get("source", "").split(":")[0]


def _sentence_key(sentence: str) -> str:
    return " ".join(sentence.split())


def evidence_agreement(records: list[dict], labels: list, rounds: int = BOOTSTRAP_ROUNDS) -> dict:
    """How often the model's evidence sentence for a theme it got right is one the annotators
    quoted for that theme (records carry ``evidence``: [{theme, sentence}]; labels are
    ``Label``s). Themes the model missed or added are the F1 scores' business, not this one's.
    """
    hits: list[int] = []
    for record, label in zip(records, labels, strict=True):
        quoted: dict[str, set[str]] = {}
        for item in record.get("evidence", []):
            quoted.setdefault(item["theme"], set()).add(_sentence_key(item["sentence"]))
        hits += [
            int(_sentence_key(found.sentence) in quoted[found.theme])
            for found in label.evidence
            if found.theme in quoted
        ]
    if not hits:
        return {"checked": 0, "accuracy": 0.0, "accuracy_95ci": [0.0, 0.0]}
    values = np.array(hits)
    rng = np.random.default_rng(SEED)
    boot = [values[rng.integers(0, len(values), len(values))].mean() for _ in range(rounds)]
    return {
        "checked": len(hits),
        "accuracy": round(float(values.mean()), 4),
        "accuracy_95ci": [round(float(np.percentile(boot, q)), 4) for q in (2.5, 97.5)],
    }


def pair_scores(
    gold: list[set[tuple[str, str, str]]], predicted: list[set[tuple[str, str, str]]]
) -> dict[str, float]:
    """Precision, recall and F1 over (from, to, theme) triples, and F1 over (from, to) alone."""
    tp = fp = fn = tp2 = fp2 = fn2 = 0
    for want, got in zip(gold, predicted, strict=True):
        tp, fp, fn = tp + len(want & got), fp + len(got - want), fn + len(want - got)
        want2, got2 = {w[:2] for w in want}, {g[:2] for g in got}
        tp2, fp2, fn2 = tp2 + len(want2 & got2), fp2 + len(got2 - want2), fn2 + len(want2 - got2)
    return {
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "f1": _f1(tp, fp, fn),
        "f1_ignoring_theme": _f1(tp2, fp2, fn2),
    }


def pair_agreement(
    records: list[dict], predicted: list[list], rounds: int = BOOTSTRAP_ROUNDS
) -> dict:
    """Directed pairs against the annotators': precision, recall and F1 over (from, to, theme),
    F1 over (from, to) alone, and a 95% bootstrap interval for the F1 (paragraphs resampled).
    ``predicted`` holds each record's ``Pair`` list."""
    gold = [{(p["from"], p["to"], p["theme"]) for p in r.get("pairs", [])} for r in records]
    found = [{(p.source, p.target, p.theme) for p in pairs} for pairs in predicted]
    result = {k: round(v, 4) for k, v in pair_scores(gold, found).items()}
    rng = np.random.default_rng(SEED)
    boot = []
    for _ in range(rounds):
        idx = rng.integers(0, len(gold), len(gold))
        boot.append(pair_scores([gold[i] for i in idx], [found[i] for i in idx])["f1"])
    result["f1_95ci"] = [round(float(np.percentile(boot, q)), 4) for q in (2.5, 97.5)]
    result["pairs"] = sum(len(g) for g in gold)
    return result


def binarise(label_lists: list[list[str]], ids: tuple[str, ...] = THEME_IDS) -> np.ndarray:
    """(passages × ids) 0/1 matrix; the ids are the themes unless told (agencies)."""
    y = np.zeros((len(label_lists), len(ids)), dtype=np.int8)
    for i, labels in enumerate(label_lists):
        for label in labels:
            y[i, ids.index(label)] = 1
    return y


def _counts(gold: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tp = (gold & pred).sum(axis=0)
    fp = ((1 - gold) & pred).sum(axis=0)
    fn = (gold & (1 - pred)).sum(axis=0)
    return tp, fp, fn


def _f1(tp: float, fp: float, fn: float) -> float:
    return 2 * tp / (2 * tp + fp + fn) if (2 * tp + fp + fn) else 0.0


def point_scores(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Micro and macro F1 (macro over the labels, themes or agencies, present in the gold set)."""
    tp, fp, fn = _counts(gold, pred)
    present = gold.sum(axis=0) > 0
    per = [_f1(tp[j], fp[j], fn[j]) for j in range(gold.shape[1]) if present[j]]
    return {
        "micro_f1": _f1(tp.sum(), fp.sum(), fn.sum()),
        "macro_f1": float(np.mean(per)) if per else 0.0,
    }


def evaluate(
    gold: np.ndarray,
    pred: np.ndarray,
    rounds: int = BOOTSTRAP_ROUNDS,
    ids: tuple[str, ...] = THEME_IDS,
) -> dict:
    """Per-label and overall scores, each F1 with a 95% bootstrap interval. The columns are the
    themes unless ``ids`` says otherwise; the per-label table is ``per_theme`` either way."""
    gold, pred = gold.astype(np.int8), pred.astype(np.int8)
    tp, fp, fn = _counts(gold, pred)
    rng = np.random.default_rng(SEED)
    samples = [rng.integers(0, len(gold), len(gold)) for _ in range(rounds)]
    boot_theme = np.zeros((rounds, gold.shape[1]))
    boot_micro, boot_macro = np.zeros(rounds), np.zeros(rounds)
    for r, idx in enumerate(samples):
        g, p = gold[idx], pred[idx]
        btp, bfp, bfn = _counts(g, p)
        boot_theme[r] = [_f1(btp[j], bfp[j], bfn[j]) for j in range(gold.shape[1])]
        scores = point_scores(g, p)
        boot_micro[r], boot_macro[r] = scores["micro_f1"], scores["macro_f1"]

    def interval(values: np.ndarray) -> list[float]:
        return [
            round(float(np.percentile(values, 2.5)), 4),
            round(float(np.percentile(values, 97.5)), 4),
        ]

    per_theme = {}
    for j, theme in enumerate(ids):
        precision = tp[j] / (tp[j] + fp[j]) if tp[j] + fp[j] else 0.0
        recall = tp[j] / (tp[j] + fn[j]) if tp[j] + fn[j] else 0.0
        per_theme[theme] = {
            "support": int(gold[:, j].sum()),
            "precision": round(float(precision), 4),
            "recall": round(float(recall), 4),
            "f1": round(_f1(tp[j], fp[j], fn[j]), 4),
            "f1_95ci": interval(boot_theme[:, j]),
        }
    overall = point_scores(gold, pred)
    return {
        "passages": int(len(gold)),
        "micro_f1": round(overall["micro_f1"], 4),
        "micro_f1_95ci": interval(boot_micro),
        "macro_f1": round(overall["macro_f1"], 4),
        "macro_f1_95ci": interval(boot_macro),
        "per_theme": per_theme,
    }


def agency_agreement(
    records: list[dict], predicted: list[list[str]], rounds: int = BOOTSTRAP_ROUNDS
) -> dict | None:
    """Agencies found against the annotators' (records that carry ``agencies``; None if none
    does): precision, recall and F1 over (paragraph, agency), micro and macro F1 over the
    agencies with 95% bootstrap intervals, and a row per agency."""
    pairs = [(r.get("agencies"), found) for r, found in zip(records, predicted, strict=True)]
    pairs = [(want, got) for want, got in pairs if want is not None]
    if not pairs:
        return None
    gold = binarise([want for want, _ in pairs], AGENCY_IDS)
    found = binarise([got for _, got in pairs], AGENCY_IDS)
    result = evaluate(gold, found, rounds, ids=AGENCY_IDS)
    tp, fp, fn = (int(x.sum()) for x in _counts(gold, found))
    result["precision"] = round(tp / (tp + fp), 4) if tp + fp else 0.0
    result["recall"] = round(tp / (tp + fn), 4) if tp + fn else 0.0
    result["per_agency"] = result.pop("per_theme")
    return result
