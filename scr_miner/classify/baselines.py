"""Three simpler baselines, trained and scored on the same split as the theme model:

- ``cue rules``: a theme when one of its cue phrases occurs (failure themes only in a negated
  sentence; effective-sharing only in a sentence without negation);
- ``tfidf-lr``: TF-IDF word n-grams + one logistic regression per theme;
- ``embeddings-lr``: contextual all-MiniLM-L6-v2 passage embeddings + logistic regression.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from scr_miner.classify.nlp import make_nlp
from scr_miner.classify.themes import THEME_IDS


def cue_rules(texts: list[str]) -> np.ndarray:
    """Predictions of the cue-rules baseline."""
    pred = np.zeros((len(texts), len(THEME_IDS)), dtype=np.int8)
    for i, doc in enumerate(make_nlp().pipe(texts, batch_size=256)):
        for theme, _sent, negated in doc._.cue_hits or []:
            if negated != (theme == "effective-sharing"):
                pred[i, THEME_IDS.index(theme)] = 1
    return pred


def _fit_predict(x_train, y_train: np.ndarray, x_test) -> np.ndarray:  # noqa: ANN001
    pred = np.zeros((x_test.shape[0], y_train.shape[1]), dtype=np.int8)
    for j in range(y_train.shape[1]):
        if y_train[:, j].sum() == 0:
            continue
        model = LogisticRegression(
            C=4.0, class_weight="balanced", max_iter=3000, solver="liblinear", random_state=13
        )
        pred[:, j] = model.fit(x_train, y_train[:, j]).predict(x_test)
    return pred


def tfidf_lr(train_texts: list[str], y_train: np.ndarray, test_texts: list[str]) -> np.ndarray:
    """Predictions of TF-IDF + logistic regression."""
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return _fit_predict(
        vectorizer.fit_transform(train_texts), y_train, vectorizer.transform(test_texts)
    )


def embeddings_lr(train_texts: list[str], y_train: np.ndarray, test_texts: list[str]) -> np.ndarray:
    """Predictions of contextual MiniLM embeddings + logistic regression."""
    from scr_miner.classify.embed import contextual_embedder

    embedder = contextual_embedder()
    return _fit_predict(embedder.embed(train_texts), y_train, embedder.embed(test_texts))
