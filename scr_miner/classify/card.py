"""Write ``models/MODEL_CARD.md``: data, method, metrics with intervals, baselines, limits."""

from __future__ import annotations

from pathlib import Path

from scr_miner.classify import baselines
from scr_miner.classify.evaluate import binarise, evaluate, read_gold
from scr_miner.classify.model import load_model
from scr_miner.classify.themes import THEME_IDS
from scr_miner.classify.train import label_matrix, training_records


def gold_results(directory: Path, gold_path: Path, with_baselines: bool = True) -> dict:
    """Scores of the saved model and of the baselines on the gold file (same split)."""
    gold = read_gold(gold_path)
    texts = [r["text"] for r in gold]
    truth = binarise([r["themes"] for r in gold])
    model = load_model(directory)
    results = {
        "hybrid model": evaluate(truth, binarise([lb.themes for lb in model.label_texts(texts)]))
    }
    if with_baselines:
        records = training_records(directory)
        train_texts, y_train = [r["text"] for r in records], label_matrix(records)
        results["cue rules"] = evaluate(truth, baselines.cue_rules(texts))
        results["TF-IDF + LR"] = evaluate(truth, baselines.tfidf_lr(train_texts, y_train, texts))
        results["embeddings + LR"] = evaluate(
            truth, baselines.embeddings_lr(train_texts, y_train, texts)
        )
    return results


def _interval(result: dict, key: str) -> str:
    low, high = result[f"{key}_95ci"]
    return f"{result[key]:.3f} ({low:.3f}–{high:.3f})"


def render_card(info: dict, results: dict, gold_path: Path, extra: str = "") -> str:
    """The model card as Markdown."""
    main = results["hybrid model"]
    lines = [
        "# Model card: scr-miner theme classifier",
        "",
        f"- Model version: `{info['model_version']}`; taxonomy contract"
        f" v{info['taxonomy_version']}; scr-miner {info['scr_miner_version']};"
        f" trained {info['trained_at']} (seed {info['seed']}).",
        "- Files: `theme_model.npz`, `static_embeddings.npz`, `model.json`, `themes.yml`, each"
        " listed with its sha256 in `MANIFEST.sha256` and checked at load; nothing is unpickled.",
        "",
        "## Data",
        "",
        f"- Training: {info['training_passages']} passages ({info['training_no_theme']} with no"
        " theme) from `models/training/*.jsonl`: passages written for training in many voices"
        " (failures, good practice, negated failures, recommendations, hard negatives, coroner"
        " style), plus the annotated paragraphs of sample-corpus reviews that are **not** in the"
        " gold set (split by whole review: `corpus/gold/split.py`).",
        "- Passages per theme: "
        + ", ".join(f"{t} {n}" for t, n in info["training_per_theme"].items())
        + ".",
        f"- Gold: `{gold_path.as_posix()}`, {main['passages']} paragraphs of 15 fictional reviews,"
        " labelled by annotators who never saw the training data; no training passage has an"
        " embedding cosine ≥ 0.9 to a gold passage (a test checks).",
        "",
        "## Method",
        "",
        "spaCy (blank English, sentencizer, lookup lemmatizer) gives sentences, lemmas, theme cue"
        " phrases (PhraseMatcher on lemmas, split by whether the sentence is negated) and agencies"
        " (a PhraseMatcher gazetteer). Features: idf-weighted hashed lemma 1–2-grams, a static"
        " 128-d embedding distilled from all-MiniLM-L6-v2 (every vocabulary token passed through"
        " the model once, PCA), and the cue counts. One logistic regression per theme"
        " (scikit-learn, balanced classes); per-theme thresholds from 5-fold cross-validation."
        " Each theme's evidence is the sentence that scores highest for it. A passage gets"
        " `not-shared` only if some sentence is negated, so good practice is never a failure.",
        "",
        "## Accuracy on the gold set (95% bootstrap intervals)",
        "",
        "| model | micro-F1 | macro-F1 |",
        "|---|---|---|",
    ]
    lines += [
        f"| {name} | {_interval(r, 'micro_f1')} | {_interval(r, 'macro_f1')} |"
        for name, r in results.items()
    ]
    lines += [
        "",
        "Per theme (hybrid model):",
        "",
        "| theme | support | precision | recall | F1 (95% CI) |",
        "|---|---|---|---|---|",
    ]
    for theme in THEME_IDS:
        s = main["per_theme"][theme]
        lines.append(
            f"| {theme} | {s['support']} | {s['precision']:.3f} | {s['recall']:.3f} | "
            f"{s['f1']:.3f} ({s['f1_95ci'][0]:.2f}–{s['f1_95ci'][1]:.2f}) |"
        )
    lines += [
        "",
        extra.strip(),
        "",
        "## Limits",
        "",
        "- All evaluation text is fictional, written for this project in the form of real"
        " reviews; accuracy on real reviews is unknown until a real gold set is labelled.",
        "- Themes are judgements; annotators disagree (see the agreement figure above where"
        " measured), which caps any model's score against one annotator's labels.",
        "- Agencies outside the taxonomy's 18 ids (fire service, pharmacy, prisons) are not"
        " extracted; pairs come from sentence patterns and miss long-range references.",
        "- Thresholds favour F1; users who need recall (e.g. for a review of a whole"
        " corpus) should read the scores, which are stored for every theme.",
        "",
    ]
    return "\n".join(lines)


def write_card(
    directory: Path, info: dict, gold_path: Path, with_baselines: bool = True, extra: str = ""
) -> dict:
    """Evaluate and write the model card; returns the results."""
    results = gold_results(directory, gold_path, with_baselines)
    (directory / "MODEL_CARD.md").write_text(
        render_card(info, results, gold_path, extra), encoding="utf-8"
    )
    return results


def micro_macro(results: dict) -> dict[str, tuple[float, float]]:
    """{model: (micro, macro)} for printing."""
    return {name: (r["micro_f1"], r["macro_f1"]) for name, r in results.items()}
